import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RealtimeModule, RealtimeRedisModule } from '../realtime';
import { Drain } from './drain';
import { HealthController } from './health.controller';
import { HealthStateLog } from './health-state-log';
import { RedisHealthIndicator } from './redis.health';

@Module({
  // Terminus would log every failing probe; HealthStateLog logs each change of state instead.
  imports: [TerminusModule.forRoot({ logger: false }), RealtimeModule, RealtimeRedisModule],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, Drain, HealthStateLog],
  exports: [Drain],
})
export class HealthModule {}
