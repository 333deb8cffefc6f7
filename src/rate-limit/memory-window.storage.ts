import { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRecord, windowRecord } from './fixed-window';

interface Window {
  hits: number;
  endsAt: number;
}

/** Fixed-window counters of one instance (no REDIS_URL), see fixed-window.ts. */
export class MemoryWindowStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly windows = new Map<string, Window>();
  private sweeper?: NodeJS.Timeout;

  increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      window = { hits: 0, endsAt: now + ttl };
      this.windows.set(key, window);
      this.sweepEvery(ttl);
    }
    window.hits += 1;
    return Promise.resolve(windowRecord(window.hits, window.endsAt - now, limit));
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.windows.clear();
  }

  /** Ended windows of clients that went away are dropped, so the map holds only recent clients. */
  private sweepEvery(ttl: number): void {
    if (this.sweeper !== undefined) return;
    this.sweeper = setInterval(
      () => {
        const now = Date.now();
        for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
      },
      Math.max(ttl, 1_000),
    );
    this.sweeper.unref();
  }
}
