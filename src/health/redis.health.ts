import { Injectable } from '@nestjs/common';
import { HealthCheckAttempt, HealthIndicatorService } from '@nestjs/terminus';
import { RealtimeRedis } from '../realtime';

/** A Redis that answers more slowly than this counts as down: a health check must answer fast. */
const REDIS_PING_TIMEOUT_MS = 1_000;

/**
 * Redis as the socket.io adapter sees it: up only while every adapter
 * connection is ready and Redis answers PING through the publishing one, so
 * "up" means events can cross instances right now.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly redis: RealtimeRedis,
    private readonly health: HealthIndicatorService,
  ) {}

  /** False when REDIS_URL is unset: a single instance has no Redis to report on. */
  get configured(): boolean {
    return this.redis.configured;
  }

  pingCheck<const Key extends string>(key: Key): HealthCheckAttempt<Key> {
    return this.health
      .check(key)
      .attempt(async () => {
        await this.redis.ping();
        return { connections: this.redis.statuses() };
      })
      .withTimeout(REDIS_PING_TIMEOUT_MS);
  }
}
