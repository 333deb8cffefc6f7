import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RealtimeRedisModule } from '../realtime';
import { HealthController } from './health.controller';
import { RedisHealthIndicator } from './redis.health';

@Module({
  imports: [TerminusModule, RealtimeRedisModule],
  controllers: [HealthController],
  providers: [RedisHealthIndicator],
})
export class HealthModule {}
