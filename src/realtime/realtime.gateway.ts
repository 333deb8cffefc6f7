import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  WsException,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { OutboundMessage } from './client-relay';
import { FOLLOW_ALL_ROOM, parseUserId, roomForTopic, topicForUser } from './topics';

export interface SubscribeAck {
  user_id: number | null;
}

export interface PresenceMessage {
  user_id: number;
  count: number;
}

/** A window tells the others viewing the same user which version it made, so they can say who changed it. */
export interface ChangeOriginMessage {
  user_id: number;
  version: number;
  by: string;
}

interface ClientData {
  userId: number | null;
}

const ORIGIN_LABEL_MAX = 40;

/**
 * socket.io on the HTTP port, default namespace. Relays messages built from
 * domain events; knows nothing of HTTP or the database. Fan-out across
 * instances is the adapter's job (see app.setup.ts).
 */
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(RealtimeGateway.name);

  @WebSocketServer()
  private server: Server;

  afterInit(server: Server): void {
    // Refuse a malformed user_id at the handshake: a client with a typo must
    // not silently receive every user's updates.
    server.use((socket, next) => {
      const userId = parseUserId(socket.handshake.query.user_id);
      if (userId === undefined) return next(new Error('user_id must be a positive integer'));
      (socket.data as ClientData).userId = userId;
      next();
    });
  }

  handleConnection(socket: Socket): void {
    this.follow(socket, (socket.data as ClientData).userId ?? null);
  }

  handleDisconnect(socket: Socket): void {
    const userId = (socket.data as ClientData).userId;
    if (userId) this.announcePresence(userId);
  }

  @SubscribeMessage('subscribe')
  subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): SubscribeAck {
    const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).user_id : undefined;
    const userId = parseUserId(raw);
    if (userId === undefined) throw new WsException('user_id must be a positive integer or null');
    this.follow(socket, userId);
    return { user_id: userId };
  }

  @SubscribeMessage('change_origin')
  changeOrigin(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): void {
    const origin = body as Partial<ChangeOriginMessage> | null;
    const userId = parseUserId(origin?.user_id);
    const version = parseUserId(origin?.version);
    if (!userId || !version || typeof origin?.by !== 'string' || origin.by.length > ORIGIN_LABEL_MAX) {
      throw new WsException('change_origin needs user_id, version and a short by label');
    }
    const message: ChangeOriginMessage = { user_id: userId, version, by: origin.by };
    socket.to(roomForTopic(topicForUser(userId))).emit('change_origin', message);
  }

  broadcast(message: OutboundMessage): void {
    // An application context without HTTP (npm run seed) has no socket server: nobody to tell.
    if (!this.server) return;
    const target = message.topic
      ? this.server.to([FOLLOW_ALL_ROOM, roomForTopic(message.topic)])
      : this.server;
    target.emit(message.event, message.data);
  }

  private follow(socket: Socket, userId: number | null): void {
    const previous = (socket.data as ClientData).userId;
    for (const room of socket.rooms) if (room !== socket.id) void socket.leave(room);
    (socket.data as ClientData).userId = userId;
    void socket.join(userId === null ? FOLLOW_ALL_ROOM : roomForTopic(topicForUser(userId)));
    if (previous && previous !== userId) this.announcePresence(previous);
    if (userId) this.announcePresence(userId);
  }

  /**
   * Counts the windows on a user across every instance (through the adapter)
   * and tells them. Off the request path: a slow or lost peer instance only
   * delays the count.
   */
  private announcePresence(userId: number): void {
    const room = roomForTopic(topicForUser(userId));
    this.server
      .in(room)
      .fetchSockets()
      .then((sockets) => {
        const message: PresenceMessage = { user_id: userId, count: sockets.length };
        this.server.to(room).emit('presence', message);
      })
      .catch((error: Error) => this.logger.warn(`presence for user ${userId} not counted: ${error.message}`));
  }
}
