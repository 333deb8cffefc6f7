import {
  ConnectedSocket,
  MessageBody,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WsException,
} from '@nestjs/websockets';
import { RealtimeServer, RealtimeSocket, RealtimeTopics } from '../realtime';
import { parseUserId, topicForUser } from './users.topics';
import type { ChangeOriginMessage, SubscribeAck } from './users.wire';

/** Longest `by` label of change_origin forwarded; the windows keep theirs in static/constants.js. */
export const ORIGIN_LABEL_MAX = 40;

/**
 * The users' own socket protocol: a window names the user it shows with the
 * handshake query `user_id=N` or the `subscribe` message, and then follows
 * that user's topic. Rooms, fan-out and presence counting are src/realtime's.
 */
@WebSocketGateway()
export class UsersGateway implements OnGatewayInit {
  constructor(private readonly topics: RealtimeTopics) {}

  afterInit(server: RealtimeServer): void {
    // Refuse a malformed user_id at the handshake: a client with a typo must
    // not silently receive every user's updates.
    server.use((socket, next) => {
      const userId = parseUserId(socket.handshake.query.user_id);
      if (userId === undefined) return next(new Error('user_id must be a positive integer'));
      this.topics.startOn(socket, userId === null ? null : topicForUser(userId));
      next();
    });
  }

  @SubscribeMessage('subscribe')
  subscribe(@ConnectedSocket() socket: RealtimeSocket, @MessageBody() body: unknown): SubscribeAck {
    const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).user_id : undefined;
    const userId = parseUserId(raw);
    if (userId === undefined) throw new WsException('user_id must be a positive integer or null');
    this.topics.follow(socket, userId === null ? null : topicForUser(userId));
    return { user_id: userId };
  }

  @SubscribeMessage('change_origin')
  changeOrigin(@ConnectedSocket() socket: RealtimeSocket, @MessageBody() body: unknown): void {
    const origin = body as Partial<ChangeOriginMessage> | null;
    const userId = parseUserId(origin?.user_id);
    const version = parseUserId(origin?.version);
    if (!userId || !version || typeof origin?.by !== 'string' || origin.by.length > ORIGIN_LABEL_MAX) {
      throw new WsException('change_origin needs user_id, version and a short by label');
    }
    const topic = topicForUser(userId);
    this.topics.toPeers(socket, topic, { event: 'change_origin', data: { user_id: userId, version, by: origin.by } });
  }
}
