import type { DefaultEventsMap, Server, Socket } from 'socket.io';

export { RealtimeAdmission } from './admission';
export { defineRelay } from './client-relay';
export type { AnyClientRelay, ClientRelay, OutboundMessage } from './client-relay';
export { definePresence, PRESENCE_SETTLE_MS, PRESENCE_WINDOW_MS } from './presence';
export type { PresenceRelay } from './presence';
export { RealtimeModule } from './realtime.module';
export type { RealtimeFeature } from './realtime.module';
export { RealtimeTopics } from './realtime-topics';
export type { Replayed } from './realtime-topics';
export { RealtimeRedis, RedisUnreachableError, REDIS_CONNECTION_PREFIX } from './redis/redis-connections';
export { RealtimeRedisModule } from './redis/realtime-redis.module';
export { RedisIoAdapter } from './redis/redis-io.adapter';
export { GuardedIoAdapter } from './guarded-io.adapter';
export { SOCKET_LIMIT_SETTINGS, socketLimits } from './socket-guards';
export type { SocketLimits } from './socket-guards';

/*
 * The socket.io wire, typed: every event the server sends and every event a
 * client may send, each with its payload (and acknowledgement, if any). Here
 * only what belongs to no feature; each feature adds its own events from its
 * own folder by module augmentation of this file (see src/users/users.wire.ts).
 * The gateways, the test client and the windows (through JSDoc) all read the
 * same map, so a payload that drifts from it does not compile.
 */

export interface ServerToClientEvents {
  /** A client message was refused (Nest's WsException): the reason, for the client to show or log. */
  exception: (error: WsErrorMessage) => void;
  /** The socket's bearer token expired: sent just before the server closes it. Connect again with a new token. */
  auth_expired: (message: AuthExpiredMessage) => void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by module augmentation
export interface ClientToServerEvents {}

/** What Nest's socket exception filter sends for a refused message. */
export interface WsErrorMessage {
  status: 'error';
  message: string;
}

export interface AuthExpiredMessage {
  message: string;
  /** When the token expired (ISO 8601). */
  expired_at: string;
}

/**
 * The `data` of a connect_error when authentication refused the handshake:
 * `auth_required` (no auth.token), `invalid_token` (bad or expired; why, in
 * `description`), `auth_unavailable` (the server cannot check tokens right now: retry later).
 */
export interface AuthRefusal {
  code: 'auth_required' | 'invalid_token' | 'auth_unavailable';
  description?: string;
}

/** What the realtime layer keeps on each socket. */
export interface SocketData {
  /** The topic the socket follows; null: every event. */
  topic: string | null;
}

export type ServerEventName = Extract<keyof ServerToClientEvents, string>;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, DefaultEventsMap, SocketData>;
export type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, DefaultEventsMap, SocketData>;
