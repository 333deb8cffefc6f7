import { io, Socket } from 'socket.io-client';
import { eventually } from './eventually';

export interface UserUpdate {
  action: 'create' | 'update' | 'delete';
  user: { id: number; first_name: string; last_name: string; version: number; created_at: string; updated_at: string };
}

/** A socket.io client that records every event it receives. */
export class RecordingClient {
  readonly received: { event: string; data: unknown }[] = [];

  private constructor(readonly socket: Socket) {
    socket.onAny((event: string, data: unknown) => this.received.push({ event, data }));
  }

  /** Connects and waits for the handshake; `query` is the handshake query (e.g. { user_id: '3' }). */
  static async connect(url: string, query: Record<string, string> = {}): Promise<RecordingClient> {
    const socket = io(url, { transports: ['websocket'], query, reconnection: false, forceNew: true });
    const client = new RecordingClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return client;
  }

  updates(): UserUpdate[] {
    return this.received.filter((entry) => entry.event === 'user_update').map((entry) => entry.data as UserUpdate);
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
