import { io, Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/realtime';
import type { UserUpdateMessage } from '../../src/users/users.wire';
import { eventually } from './eventually';
import { createUser } from './factories';

/** A socket.io client typed by the app's wire map: emitting an unknown event or a drifted payload does not compile. */
export type WireSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type UserUpdate = UserUpdateMessage;

/** A socket.io client that records every event it receives. */
export class RecordingClient {
  readonly received: { event: string; data: unknown }[] = [];

  private constructor(readonly socket: WireSocket) {
    socket.onAny((event: string, data: unknown) => this.received.push({ event, data }));
  }

  /** Connects and waits for the handshake; `query` is the handshake query (e.g. { user_id: '3' }). */
  static async connect(url: string, query: Record<string, string> = {}): Promise<RecordingClient> {
    const socket: WireSocket = io(url, { transports: ['websocket'], query, reconnection: false, forceNew: true });
    const client = new RecordingClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return client;
  }

  /** The same socket without the wire map's types, for tests that send what the map forbids. */
  get untyped(): Socket {
    const socket: Socket = this.socket;
    return socket;
  }

  updates(): UserUpdate[] {
    return this.received.filter((entry) => entry.event === 'user_update').map((entry) => entry.data as UserUpdate);
  }

  /** The user_update events as action and user only, for comparing with what the REST API returned. */
  changes(): Pick<UserUpdate, 'action' | 'user'>[] {
    return this.updates().map(({ action, user }) => ({ action, user }));
  }

  /** Waits until at least `count` user_update events arrived, and returns them all. */
  waitForUpdates(count: number, deadlineMs = 5_000): Promise<UserUpdate[]> {
    return eventually(() => {
      const updates = this.updates();
      if (updates.length < count) throw new Error(`received ${updates.length} of ${count} user_update events`);
      return updates;
    }, deadlineMs);
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * Proves that nothing more is on its way to `clients`, without waiting out a
 * quiet period: makes one more change through each server in `urls` that
 * every client must receive (creating a user: every client gets every create,
 * whatever user it follows), waits until each client has all of them, and
 * returns each client's user_update events from before the last one, the
 * fence users' own left out.
 *
 * Sound because one socket delivers its events in order and a server sends a
 * change's events before it answers the request that made it: whatever an
 * earlier request of the test made that server send a client reaches it
 * before that server's fence. Events reach a client from each instance over a
 * path of their own, so a test that changed things through several instances
 * passes each one's URL. Then assert on the result (or on client.received)
 * that the unwanted event is not there. Each update comes as action and user,
 * for comparing with what the REST API returned.
 */
export async function fence(
  urls: string | readonly string[],
  clients: readonly RecordingClient[],
  deadlineMs = 5_000,
): Promise<Pick<UserUpdate, 'action' | 'user'>[][]> {
  const fences: number[] = [];
  for (const url of typeof urls === 'string' ? [urls] : urls) {
    fences.push((await createUser(url, { first_name: 'Fence', last_name: `#${fences.length + 1}` })).id);
  }
  const isFence = (update: UserUpdate): boolean => update.action === 'create' && fences.includes(update.user.id);
  return Promise.all(
    clients.map((client) =>
      eventually(() => {
        const updates = client.updates();
        const arrived = updates.filter(isFence).length;
        if (arrived < fences.length) throw new Error(`${arrived} of ${fences.length} fence events arrived`);
        let last = updates.length - 1;
        while (!isFence(updates[last])) last -= 1;
        return updates
          .slice(0, last)
          .filter((update) => !fences.includes(update.user.id))
          .map(({ action, user }) => ({ action, user }));
      }, deadlineMs),
    ),
  );
}
