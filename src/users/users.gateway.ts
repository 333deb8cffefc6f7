import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { RealtimeServer, RealtimeSocket, RealtimeTopics, Replayed } from '../realtime';
import { Replay, UserHistoryService } from './user-history.service';
import { replayedUpdate } from './users.relay';
import { parsePosition, ResumePosition, topicForUser } from './users.topics';
import type { SubscribeAck, SubscribeRefusal, UserUpdateMessage } from './users.wire';

declare module '../realtime' {
  interface SocketData {
    /** Where a client said it stands at the handshake: what it missed is replayed once it is connected. */
    resume?: ResumePosition;
  }
}

/**
 * The users' own socket protocol: a window names the user it shows with the
 * handshake query `user_id=N` or the `subscribe` message, and then follows
 * that user's topic; with a position (`version`, or `since` when following
 * everything) it first gets what it missed, from the change history. Rooms,
 * fan-out and presence counting are src/realtime's.
 */
@WebSocketGateway()
export class UsersGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(UsersGateway.name);

  constructor(
    private readonly topics: RealtimeTopics,
    private readonly history: UserHistoryService,
  ) {}

  afterInit(server: RealtimeServer): void {
    // Refuse a malformed user_id (or position) at the handshake: a client with
    // a typo must not silently receive every user's updates.
    server.use((socket, next) => {
      const { query } = socket.handshake;
      const position = parsePosition({ user_id: query.user_id, version: query.version, since: query.since });
      if (typeof position === 'string') return next(new Error(position));
      this.topics.startOn(socket, position.userId === null ? null : topicForUser(position.userId));
      if (position.version !== undefined || position.since !== undefined) socket.data.resume = position;
      next();
    });
  }

  handleConnection(socket: RealtimeSocket): void {
    const position = socket.data.resume;
    if (position) void this.resume(socket, position);
  }

  /** Follow a user (or, with user_id null, everything), optionally from a position. */
  @SubscribeMessage('subscribe')
  async subscribe(
    @ConnectedSocket() socket: RealtimeSocket,
    @MessageBody() body: unknown,
  ): Promise<SubscribeAck | SubscribeRefusal> {
    const position =
      typeof body === 'object' && body !== null && !Array.isArray(body) && !Buffer.isBuffer(body)
        ? parsePosition(body as Record<string, unknown>, { requireUserId: true })
        : 'subscribe takes an object: {"user_id": N or null}, with "version" or "since" to replay what was missed';
    if (typeof position === 'string') {
      // Both: the exception event for listeners, and an answer for a client waiting on its acknowledgement.
      this.topics.sendTo(socket, { event: 'exception', data: { status: 'error', message: position } });
      return { error: position };
    }
    if (position.version === undefined && position.since === undefined) {
      this.topics.follow(socket, position.userId === null ? null : topicForUser(position.userId));
      return { user_id: position.userId };
    }
    const recovered = await this.resume(socket, position);
    return { user_id: position.userId, recovered };
  }

  /** Follows the position's topic, replaying what the client missed since it first; resolves with `recovered`. */
  private async resume(socket: RealtimeSocket, position: ResumePosition): Promise<boolean> {
    const { userId } = position;
    let recovered = false;
    await this.topics.followFrom(socket, userId === null ? null : topicForUser(userId), async (): Promise<Replayed> => {
      const replay = await this.readReplay(position);
      recovered = replay.recovered;
      const updates = replay.changes.map(replayedUpdate);
      const lastSeq = updates.at(-1)?.seq ?? 0;
      // A position the history reached is one the client holds: a live event of a change at or before it is
      // stale (on PostgreSQL, an event can be published after a later change was read), not news.
      const reached = replay.recovered ? position : undefined;
      return {
        messages: [
          ...updates.map((data) => ({ event: 'user_update' as const, data })),
          { event: 'recovery', data: { user_id: userId, recovered: replay.recovered, replayed: updates.length } },
        ],
        // Live updates held meanwhile that the client has: the replayed user's up to its last seq, or from its position.
        isDuplicate: (event, data) =>
          event === 'user_update' &&
          (isCoveredBy(data as UserUpdateMessage, userId, lastSeq) || isAtOrBefore(data as UserUpdateMessage, reached)),
      };
    });
    return recovered;
  }

  private async readReplay(position: ResumePosition): Promise<Replay> {
    try {
      if (position.userId !== null && position.version !== undefined) {
        return await this.history.missedSinceVersion(position.userId, position.version);
      }
      return await this.history.missedSinceSeq(position.since ?? 0);
    } catch (error) {
      // The client is told recovered: false and fetches again; the live stream goes on.
      this.logger.warn(`replay failed: ${(error as Error).message}`);
      return { recovered: false, changes: [] };
    }
  }
}

function isCoveredBy(update: UserUpdateMessage, userId: number | null, lastSeq: number): boolean {
  if (typeof update?.seq !== 'number' || update.seq > lastSeq) return false;
  return userId === null || update.user?.id === userId;
}

/**
 * Whether a client at `position` has the change: one of its user's versions up to the one it shows (a
 * delete carries the user's last version but is a change of its own), or, following everything, a seq up
 * to the last it saw.
 */
function isAtOrBefore(update: UserUpdateMessage, position: ResumePosition | undefined): boolean {
  if (position === undefined || typeof update?.seq !== 'number') return false;
  if (position.userId === null) return position.since !== undefined && update.seq <= position.since;
  return (
    position.version !== undefined &&
    update.action !== 'delete' &&
    update.user?.id === position.userId &&
    update.user.version <= position.version
  );
}
