import { io } from 'socket.io-client';
import { eventually } from './eventually';
import type { HeadMessage, RecoveryMessage } from '../../src/users/users.wire';
import type { WireUser } from './factories';
import { isBehind, stepFor } from './version-rule';
import type { UserUpdate, WireSocket } from './socket-client';

/**
 * A client that follows one user the way the windows do, and that, when its
 * connection drops, connects again to the next of `urls` (itself again when
 * there is one URL, a load balancer) naming the version it shows, so the
 * server replays what it missed. It reconnects the way socket.io clients do
 * by themselves: after a lost transport ("transport close", "ping timeout"),
 * never after "io server disconnect" (a server-side disconnect(), which
 * leaves a socket.io client disconnected for good); `disconnects` records
 * each reason, for tests to assert on.
 */
export class RoamingFollower {
  /** The versions it showed, in order, the first one included. */
  readonly applied: number[];
  readonly disconnects: string[] = [];
  /** The URL of each connection it made, in order. */
  readonly connections: string[] = [];
  private socket?: WireSocket;
  private shown: WireUser;
  private next: number;
  private closed = false;
  private replaying = false;

  private constructor(
    private readonly urls: readonly string[],
    first: number,
    user: WireUser,
  ) {
    this.shown = user;
    this.applied = [user.version];
    this.next = first;
  }

  /** Connects to urls[first] showing `user`; resolves once connected. */
  static async follow(urls: readonly string[], first: number, user: WireUser): Promise<RoamingFollower> {
    const follower = new RoamingFollower(urls, first, user);
    await follower.connect(5_000);
    return follower;
  }

  get version(): number {
    return this.shown.version;
  }

  get userId(): number {
    return this.shown.id;
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }

  private async connect(deadlineMs: number): Promise<void> {
    const giveUpAt = Date.now() + deadlineMs;
    for (let attempt = 0; ; attempt += 1) {
      const url = this.urls[this.next % this.urls.length];
      this.next += 1;
      try {
        await this.open(url);
        this.connections.push(url);
        return;
      } catch (error) {
        if (this.closed || Date.now() > giveUpAt) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(50 * (attempt + 1), 250)));
      }
    }
  }

  private open(url: string): Promise<void> {
    const socket: WireSocket = io(url, {
      transports: ['websocket'],
      query: { user_id: String(this.shown.id), version: String(this.shown.version) },
      reconnection: false,
      forceNew: true,
    });
    socket.on('user_update', (update) => this.onUpdate(update));
    socket.on('head', (head) => this.onHead(head));
    socket.on('recovery', (recovery) => void this.onRecovery(url, recovery));
    return new Promise<void>((resolve, reject) => {
      socket.once('connect', () => {
        this.socket = socket;
        socket.on('disconnect', (reason) => this.onDisconnect(reason));
        resolve();
      });
      socket.once('connect_error', (error) => {
        socket.close();
        reject(error);
      });
    });
  }

  private onDisconnect(reason: string): void {
    this.disconnects.push(reason);
    if (this.closed || reason === 'io server disconnect' || reason === 'io client disconnect') return;
    this.connect(10_000).catch(() => undefined);
  }

  private onUpdate(update: UserUpdate): void {
    const step = stepFor(this.shown, update);
    if (step === 'replay') void this.replay();
    if (step !== 'apply') return;
    this.show(update.user);
  }

  private onHead(head: HeadMessage): void {
    if (isBehind(this.shown, head)) void this.replay();
  }

  private async onRecovery(url: string, recovery: RecoveryMessage): Promise<void> {
    if (recovery.recovered) return;
    const response = await fetch(`${url}/api/users/${this.shown.id}`);
    if (response.ok) this.show((await response.json()) as WireUser);
  }

  private show(user: WireUser): void {
    this.shown = user;
    this.applied.push(user.version);
  }

  private async replay(): Promise<void> {
    const socket = this.socket;
    if (this.replaying || !socket) return;
    this.replaying = true;
    try {
      await socket.timeout(5_000).emitWithAck('subscribe', { user_id: this.shown.id, version: this.shown.version });
    } catch {
      // Connection trouble: the reconnect replays from the version shown.
    } finally {
      this.replaying = false;
    }
  }
}

/**
 * Every follower ends on its user's final version (by user id) having applied
 * every version from its first, once and in order: what a change that moved
 * followers between instances must leave behind.
 */
export async function expectCaughtUp(followers: readonly RoamingFollower[], finals: ReadonlyMap<number, number>): Promise<void> {
  await eventually(() => {
    for (const follower of followers) expect(follower.version).toBe(finals.get(follower.userId));
  }, 10_000);
  for (const follower of followers) {
    const first = follower.applied[0];
    expect(follower.applied).toEqual(Array.from({ length: follower.version - first + 1 }, (_, i) => first + i));
  }
}
