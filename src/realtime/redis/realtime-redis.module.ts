import { Module } from '@nestjs/common';
import { RealtimeRedis } from './redis-connections';

/**
 * The Redis connections of the socket.io adapter, as one provider: configureApp
 * connects them before the app starts, /health reports on them, and Nest closes
 * them on shutdown.
 */
@Module({
  providers: [RealtimeRedis],
  exports: [RealtimeRedis],
})
export class RealtimeRedisModule {}
