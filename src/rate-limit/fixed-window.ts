import type { ThrottlerStorage } from '@nestjs/throttler';

/** What a storage answers for one request (the package does not export the type by name). */
export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * The rate limit counts requests in fixed windows: the first request of a
 * client opens a window of RATE_LIMIT_WINDOW_MS, every request in it counts
 * one, and past the limit each is refused until the window ends. One counter
 * per client, O(1) per request, the same in memory and in Redis.
 * (@nestjs/throttler's own storage keeps one timestamp per request and scans
 * them on every request, which at the default limit would cost more than the
 * request itself.)
 */
export function windowRecord(hits: number, msLeft: number, limit: number): ThrottlerStorageRecord {
  const secondsLeft = Math.max(1, Math.ceil(msLeft / 1000));
  const isBlocked = hits > limit;
  return { totalHits: hits, timeToExpire: secondsLeft, isBlocked, timeToBlockExpire: isBlocked ? secondsLeft : 0 };
}
