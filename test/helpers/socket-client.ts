import { io, Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/realtime';
import type { UserUpdateMessage } from '../../src/users/users.wire';
import { eventually } from './eventually';

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
