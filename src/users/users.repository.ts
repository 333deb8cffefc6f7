import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityMetadata, FindOptionsWhere, ObjectLiteral, Raw, Repository } from 'typeorm';
import { queryReturning, Row } from '../database';
import { User } from './user.entity';

export interface NewUser {
  firstName: string;
  lastName: string;
}

/** The fields a PATCH may name; absent ones are left untouched at the database. */
export type UserChanges = Partial<NewUser>;

export interface UserPageQuery {
  limit: number;
  offset: number;
  search?: string;
}

export interface UserPage {
  items: User[];
  total: number;
}

export type UpdateOutcome =
  | { kind: 'updated'; user: User }
  | { kind: 'not_found' }
  | { kind: 'version_mismatch'; current: User };

/** The users table uses a 32-bit serial on PostgreSQL; a larger id cannot exist. */
const MAX_ID = 2_147_483_647;

const COLUMN_OF: Record<keyof NewUser, string> = { firstName: 'first_name', lastName: 'last_name' };

/**
 * Where users are read and written. Reads go through TypeORM's Repository.
 * Every write is a single statement with RETURNING (queryReturning), so the
 * row a caller gets back (and publishes) is exactly the row its own statement
 * produced, even with hundreds of writes in flight on SQLite's one shared
 * connection or across several server processes. Never repository.save():
 * that writes every column of a row read earlier and loses a concurrent edit
 * of another field.
 */
@Injectable()
export class UsersRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  findById(id: number): Promise<User | null> {
    if (id > MAX_ID) return Promise.resolve(null);
    return this.users.findOneBy({ id });
  }

  async findPage({ limit, offset, search }: UserPageQuery): Promise<UserPage> {
    const [items, total] = await this.users.findAndCount({
      where: search ? nameContains(search) : undefined,
      order: { id: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { items, total };
  }

  async insert(user: NewUser): Promise<User> {
    const now = this.timestamp();
    const rows = await this.writeReturning(
      `INSERT INTO users (first_name, last_name, created_at, updated_at, version)
       VALUES (:firstName, :lastName, :now, :now, 1) RETURNING *`,
      { firstName: user.firstName, lastName: user.lastName, now },
    );
    return this.hydrate(rows[0]);
  }

  /**
   * Sets only the named columns and bumps the version in the same UPDATE.
   * With expectedVersions, the row is changed only while it is at one of them.
   */
  async update(id: number, changes: UserChanges, expectedVersions?: readonly number[]): Promise<UpdateOutcome> {
    const assignments: string[] = [];
    const params: Record<string, unknown> = { id, now: this.timestamp() };
    for (const field of Object.keys(COLUMN_OF) as (keyof NewUser)[]) {
      if (changes[field] === undefined) continue;
      assignments.push(`${COLUMN_OF[field]} = :${field}`);
      params[field] = changes[field];
    }
    let condition = 'id = :id';
    if (expectedVersions !== undefined) {
      condition += ' AND version IN (:...expectedVersions)';
      params.expectedVersions = expectedVersions.length > 0 ? [...expectedVersions] : [0];
    }
    if (id <= MAX_ID) {
      const rows = await this.writeReturning(
        `UPDATE users SET ${[...assignments, 'version = version + 1', 'updated_at = :now'].join(', ')}
         WHERE ${condition} RETURNING *`,
        params,
      );
      if (rows.length > 0) return { kind: 'updated', user: this.hydrate(rows[0]) };
    }
    const current = await this.findById(id);
    return current ? { kind: 'version_mismatch', current } : { kind: 'not_found' };
  }

  /** Returns the row as it was, or null when there was none. */
  async delete(id: number): Promise<User | null> {
    if (id > MAX_ID) return null;
    const rows = await this.writeReturning('DELETE FROM users WHERE id = :id RETURNING *', { id });
    return rows.length > 0 ? this.hydrate(rows[0]) : null;
  }

  private get metadata(): EntityMetadata {
    return this.dataSource.getMetadata(User);
  }

  private writeReturning(sql: string, params: ObjectLiteral): Promise<Row[]> {
    return queryReturning(this.dataSource, sql, params);
  }

  /** Now, in the form the driver stores for this entity's timestamp columns. */
  private timestamp(): unknown {
    const column = this.metadata.findColumnWithDatabaseName('updated_at');
    if (!column) throw new Error('users.updated_at is not mapped');
    return this.dataSource.driver.preparePersistentValue(new Date(), column);
  }

  private hydrate(row: Row): User {
    const user = new User();
    for (const column of this.metadata.columns) {
      column.setEntityValue(user, this.dataSource.driver.prepareHydratedValue(row[column.databaseName], column));
    }
    return user;
  }
}

/** Either name contains `search`, case-insensitively; LIKE's wildcards in it are literal characters. */
function nameContains(search: string): FindOptionsWhere<User>[] {
  const pattern = `%${escapeLike(search.toLowerCase())}%`;
  const contains = Raw<string>((column) => `LOWER(${column}) LIKE :pattern ESCAPE '\\'`, { pattern });
  return [{ firstName: contains }, { lastName: contains }];
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
