import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { EnvironmentVariables } from '../config';
import { clientAddressResolver } from '../security';
import { ApiThrottlerGuard, CLIENT_ADDRESS_OF, RATE_LIMIT_OPTIONS, RATE_LIMIT_STORAGE } from './api-throttler.guard';
import { MemoryWindowStorage } from './memory-window.storage';
import { RedisWindowStorage } from './redis-window.storage';

/** Over the limit, the JSON error's message; Retry-After says when to try again. */
export const RATE_LIMIT_MESSAGE = 'too many requests: retry after the number of seconds in Retry-After';

/**
 * Rate limits on the REST API (RATE_LIMIT_MAX requests per
 * RATE_LIMIT_WINDOW_MS per client, 429 with Retry-After over it), counted
 * in this process, or in Redis when REDIS_URL is set so that every instance
 * counts together. RATE_LIMIT_MAX=0 installs nothing.
 */
@Module({})
export class RateLimitModule {
  static forRoot(env: EnvironmentVariables): DynamicModule {
    if (env.RATE_LIMIT_MAX === 0) return { module: RateLimitModule };
    const options: ThrottlerModuleOptions = {
      // Named "default" so the headers are plain Retry-After and X-RateLimit-*, without a suffix.
      throttlers: [{ name: 'default', limit: env.RATE_LIMIT_MAX, ttl: env.RATE_LIMIT_WINDOW_MS }],
      errorMessage: RATE_LIMIT_MESSAGE,
    };
    const redisUrl = env.REDIS_URL;
    return {
      module: RateLimitModule,
      providers: [
        { provide: RATE_LIMIT_OPTIONS, useValue: options },
        {
          provide: RATE_LIMIT_STORAGE,
          useFactory: (): ThrottlerStorage => (redisUrl ? new RedisWindowStorage(redisUrl) : new MemoryWindowStorage()),
        },
        { provide: CLIENT_ADDRESS_OF, useValue: clientAddressResolver(env.TRUST_PROXY) },
        { provide: APP_GUARD, useClass: ApiThrottlerGuard },
      ],
    };
  }
}
