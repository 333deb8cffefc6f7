import request from 'supertest';
import type { HeadMessage, RecoveryMessage } from '../../src/users/users.wire';
import type { WireUser } from './factories';
import { isBehind, stepFor } from './version-rule';
import { RecordingClient, UserUpdate } from './socket-client';

/**
 * A client that follows one user the way the windows do (docs/realtime.md,
 * "What a client does"): it applies each version once and in order, and when
 * it learns it is behind (a version gap in the events, a `head` newer than
 * what it shows) it asks for a replay from the version it shows; when the
 * history cannot tell it (recovered: false) it fetches the user again.
 */
export class FollowingClient {
  /** The versions it applied, in order. */
  readonly applied: number[] = [];
  private shown: WireUser;
  private replaying = false;
  private replayAgain = false;

  private constructor(
    readonly client: RecordingClient,
    private readonly url: string,
    user: WireUser,
  ) {
    this.shown = user;
    client.socket.on('user_update', (update) => this.onUpdate(update));
    client.socket.on('head', (head) => this.onHead(head));
  }

  /**
   * Connects to `url` showing `user` (as fetched, or as another connection
   * left it), resuming from its version; `applied` carries on that
   * connection's record.
   */
  static async follow(url: string, user: WireUser, applied: readonly number[] = []): Promise<FollowingClient> {
    const client = await RecordingClient.connect(url, { user_id: String(user.id), version: String(user.version) });
    const follower = new FollowingClient(client, url, user);
    follower.applied.push(...applied);
    return follower;
  }

  get version(): number {
    return this.shown.version;
  }

  get user(): WireUser {
    return this.shown;
  }

  close(): void {
    this.client.close();
  }

  private onUpdate(update: UserUpdate): void {
    const step = stepFor(this.shown, update);
    if (step === 'replay') void this.replay();
    if (step !== 'apply') return;
    this.shown = update.user;
    this.applied.push(update.user.version);
  }

  private onHead(head: HeadMessage): void {
    if (isBehind(this.shown, head)) void this.replay();
  }

  private async replay(): Promise<void> {
    if (this.replaying) {
      this.replayAgain = true;
      return;
    }
    this.replaying = true;
    try {
      do {
        this.replayAgain = false;
        const ack = (await this.client.socket
          .timeout(5_000)
          .emitWithAck('subscribe', { user_id: this.shown.id, version: this.shown.version })) as Partial<RecoveryMessage>;
        if (ack.recovered === false) {
          this.shown = (await request(this.url).get(`/api/users/${this.shown.id}`).expect(200)).body as WireUser;
          this.applied.push(this.shown.version);
        }
      } while (this.replayAgain);
    } catch {
      // Connection trouble: the next head asks again.
    } finally {
      this.replaying = false;
    }
  }
}
