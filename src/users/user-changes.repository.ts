import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, ObjectLiteral, QueryResult, Repository } from 'typeorm';
import { SqlStatements } from '../database';
import { UserChange } from './user-change.entity';

export interface HistoryPage {
  limit: number;
  /** Only changes with a smaller seq (paging back through older changes). */
  before?: number;
}

export interface FeedPage {
  /** Only changes with a greater seq. */
  since: number;
  limit: number;
}

export interface TrimRule {
  /** Changes older than this may go... */
  olderThan: Date;
  /** ...except the newest this many of each user. */
  keepPerUser: number;
  batchSize: number;
}

/**
 * Reads the change history (written only by the users' own write statements)
 * and trims it. The reads a client's replay and the history routes make are
 * plain SQL through SqlStatements, like the users' own reads: a reconnecting
 * window replays up to hundreds of changes, and the Repository's query
 * building and per-row transformer were most of TypeORM's share of a replay.
 */
@Injectable()
export class UserChangesRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(UserChange) private readonly changes: Repository<UserChange>,
    private readonly sql: SqlStatements,
  ) {}

  /** A user's changes, newest first. */
  ofUser(userId: number, { limit, before }: HistoryPage): Promise<UserChange[]> {
    const older = before !== undefined ? ' AND seq < :before' : '';
    return this.read(`SELECT * FROM user_changes WHERE user_id = :userId${older} ORDER BY seq DESC LIMIT :limit`, {
      userId,
      before,
      limit,
    });
  }

  /** Every change after `since`, in sequence order. */
  feed({ since, limit }: FeedPage): Promise<UserChange[]> {
    return this.read('SELECT * FROM user_changes WHERE seq > :since ORDER BY seq ASC LIMIT :limit', { since, limit });
  }

  /** A user's changes past `version`, oldest first, at most `limit`. */
  ofUserSinceVersion(userId: number, version: number, limit: number): Promise<UserChange[]> {
    return this.read('SELECT * FROM user_changes WHERE user_id = :userId AND version > :version ORDER BY seq ASC LIMIT :limit', {
      userId,
      version,
      limit,
    });
  }

  private async read(sql: string, params: ObjectLiteral): Promise<UserChange[]> {
    const rows = await this.sql.query(sql, params);
    return rows.map((row) => this.sql.hydrate(UserChange, row));
  }

  async hasAny(userId: number): Promise<boolean> {
    return (await this.changes.findOne({ where: { userId }, select: { seq: true } })) !== null;
  }

  /** The newest version each user has reached (a delete counts as one past its last). */
  async latestVersions(userIds: readonly number[]): Promise<Map<number, number>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.changes
      .createQueryBuilder('change')
      .select('change.user_id', 'userId')
      .addSelect('MAX(change.version)', 'version')
      .where({ userId: In([...userIds]) })
      .groupBy('change.user_id')
      .getRawMany<{ userId: number | string; version: number | string }>();
    return new Map(rows.map((row) => [Number(row.userId), Number(row.version)]));
  }

  /** The seq of the newest committed change (0 before the first). */
  async head(): Promise<number> {
    const rows = await this.dataSource.query<{ seq: number | string }[]>('SELECT seq FROM change_counter WHERE id = 1');
    return rows.length > 0 ? Number(rows[0].seq) : 0;
  }

  /**
   * Deletes one batch of changes the rule lets go; returns how many. Small
   * batches keep each statement short, so writes (which wait for SQLite's one
   * writer) are never held up for long.
   */
  async trimBatch({ olderThan, keepPerUser, batchSize }: TrimRule): Promise<number> {
    const column = this.dataSource.getMetadata(UserChange).findColumnWithPropertyName('changedAt');
    if (!column) throw new Error('user_changes.changed_at is not mapped');
    const cutoff = this.dataSource.driver.preparePersistentValue(olderThan, column) as unknown;
    const [query, values] = this.dataSource.driver.escapeQueryWithParameters(
      // The oldest changes first (by the changed_at index); each kept if fewer than keepPerUser of its
      // user's changes are newer (a look at most keepPerUser deep into the (user_id, seq) index).
      `DELETE FROM user_changes WHERE seq IN (
         SELECT c.seq FROM user_changes c
         WHERE c.changed_at < :cutoff
           AND EXISTS (
             SELECT 1 FROM user_changes n WHERE n.user_id = c.user_id AND n.seq > c.seq
             ORDER BY n.seq LIMIT 1 OFFSET :newerToSkip
           )
         ORDER BY c.changed_at
         LIMIT :batchSize
       )`,
      { newerToSkip: keepPerUser - 1, cutoff, batchSize },
      {},
    );
    const runner = this.dataSource.createQueryRunner();
    try {
      const result: QueryResult = await runner.query(query, values, true);
      return result.affected ?? 0;
    } finally {
      await runner.release();
    }
  }
}
