import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EnvironmentVariables } from '../config';
import { RealtimeTopics } from '../realtime';
import { UserChangesRepository } from './user-changes.repository';
import { topicForUser, userOfTopic } from './users.topics';

/**
 * Every REALTIME_HEAD_INTERVAL_MS, tells this instance's clients the latest
 * change the database has: each user's followers its newest version, clients
 * following everything the newest seq. A client behind that missed an event
 * (a process killed between commit and publish, a publish dropped during a
 * long Redis outage) and replays it, with no reload. Read from the database,
 * not from Redis, so it heals exactly what Redis lost.
 */
@Injectable()
export class UsersHeads implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UsersHeads.name);
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly topics: RealtimeTopics,
    private readonly changes: UserChangesRepository,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.intervalMs = config.get('REALTIME_HEAD_INTERVAL_MS', { infer: true });
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One round: read the heads, tell the clients. Exposed for tests. */
  async announce(): Promise<void> {
    const topics = this.topics.localTopics();
    const userIds = topics.map(userOfTopic).filter((id): id is number => id !== undefined);
    const [seq, versions] = await Promise.all([this.changes.head(), this.changes.latestVersions(userIds)]);
    this.topics.sendLocal(null, { event: 'head', data: { seq } });
    for (const userId of userIds) {
      const version = versions.get(userId);
      if (version !== undefined) {
        this.topics.sendLocal(topicForUser(userId), { event: 'head', data: { seq, user_id: userId, version } });
      }
    }
  }

  private schedule(): void {
    // One round at a time: a slow database never stacks them up.
    this.timer = setTimeout(() => {
      this.announce()
        .then(() => this.recovered())
        .catch((error: Error) => this.failed(error))
        .finally(() => {
          if (this.timer !== undefined) this.schedule();
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  private failed(error: Error): void {
    if (!this.failing) this.logger.warn(`latest changes not announced: ${error.message}`);
    this.failing = true;
  }

  private recovered(): void {
    if (this.failing) this.logger.log('announcing the latest changes again');
    this.failing = false;
  }
}
