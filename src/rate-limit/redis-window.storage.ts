import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { ThrottlerStorageRecord, windowRecord } from './fixed-window';

/** The name this connection shows in CLIENT LIST. */
export const RATE_LIMIT_CONNECTION_NAME = 'http-rate-limit';
const KEY_PREFIX = 'rate-limit:';
/** A Redis slower than this fails the count open rather than holding the request. */
const COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 3_000;

/**
 * One round trip per request, atomic: count the hit, open the window on the
 * first one (or on a key left without expiry), and say how long it has left.
 */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {hits, left}
`;

interface HitCommand {
  rateLimitHit(key: string, ttlMs: number): Promise<[number, number]>;
}

/**
 * Fixed-window counters in Redis (see fixed-window.ts), so every instance
 * behind a balancer counts one client's requests together. While Redis is
 * unreachable requests are let through (fail open) rather than refused: the
 * limit is a guard against abuse, not a reason for an outage; one warning
 * when counting stops and one line when it resumes.
 */
export class RedisWindowStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis & HitCommand;
  private failing = false;

  constructor(url: string) {
    this.redis = new Redis(url, {
      connectionName: RATE_LIMIT_CONNECTION_NAME,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      // Fail at once while disconnected instead of queueing behind the outage.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 1_000),
    }) as Redis & HitCommand;
    this.redis.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    // Without a listener an 'error' event would crash the process.
    this.redis.on('error', () => undefined);
  }

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    try {
      const [hits, left] = await this.redis.rateLimitHit(KEY_PREFIX + key, ttl);
      this.recovered();
      return windowRecord(hits, left, limit);
    } catch (error) {
      this.failed(error as Error);
      return windowRecord(0, ttl, limit);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private failed(error: Error): void {
    if (!this.failing) this.logger.warn(`requests are not counted while Redis is unreachable: ${error.message}`);
    this.failing = true;
  }

  private recovered(): void {
    if (this.failing) this.logger.log('counting requests in Redis again');
    this.failing = false;
  }
}
