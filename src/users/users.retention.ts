import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EnvironmentVariables } from '../config';
import { TrimRule, UserChangesRepository } from './user-changes.repository';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Small batches: each is one short statement, so writes waiting for the database are never held up for long. */
export const TRIM_BATCH_SIZE = 500;

/**
 * Trims the change history in the background: changes older than
 * HISTORY_RETENTION_DAYS go, except each user's newest HISTORY_KEEP_PER_USER
 * (so a user's history, and its delete, never vanish entirely).
 */
@Injectable()
export class UsersRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UsersRetention.name);
  private readonly retentionDays: number;
  private readonly keepPerUser: number;
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly changes: UserChangesRepository,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.retentionDays = config.get('HISTORY_RETENTION_DAYS', { infer: true });
    this.keepPerUser = config.get('HISTORY_KEEP_PER_USER', { infer: true });
    this.intervalMs = config.get('HISTORY_TRIM_INTERVAL_MS', { infer: true });
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Trims until nothing is left to trim, one batch at a time; returns how many changes went. */
  async trim(now = new Date()): Promise<number> {
    const rule: TrimRule = {
      olderThan: new Date(now.getTime() - this.retentionDays * DAY_MS),
      keepPerUser: this.keepPerUser,
      batchSize: TRIM_BATCH_SIZE,
    };
    let total = 0;
    for (;;) {
      const trimmed = await this.changes.trimBatch(rule);
      total += trimmed;
      if (trimmed < TRIM_BATCH_SIZE || this.stopped) break;
      // Let requests in between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (total > 0) this.logger.log(`trimmed ${total} changes older than ${this.retentionDays} days`);
    return total;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.trim()
        .catch((error: Error) => this.logger.warn(`history not trimmed: ${error.message}`))
        .finally(() => {
          if (!this.stopped) this.schedule();
        });
    }, this.intervalMs);
    this.timer.unref();
  }
}
