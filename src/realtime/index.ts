export { defineRelay } from './client-relay';
export type { AnyClientRelay, ClientRelay, OutboundMessage } from './client-relay';
export type { ChangeOriginMessage, PresenceMessage, SubscribeAck } from './realtime.gateway';
export { RealtimeModule } from './realtime.module';
export { RealtimeRedis, RedisUnreachableError, REDIS_CONNECTION_PREFIX } from './realtime-redis';
export { RealtimeRedisModule } from './realtime-redis.module';
export { RedisIoAdapter } from './redis-io.adapter';
export { topicForUser } from './topics';
