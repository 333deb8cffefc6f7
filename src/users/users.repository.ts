import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityMetadata, ObjectLiteral } from 'typeorm';
import { Row, SqlStatements } from '../database';
import { User } from './user.entity';
import { COLUMN_OF, deleteUserSql, Dialect, EditableField, insertUserSql, updateUserSql } from './user-writes.sql';

export interface NewUser {
  firstName: string;
  lastName: string;
}

/** The fields a PATCH may name; absent ones are left untouched at the database. */
export type UserChanges = Partial<NewUser>;

/** Who made a change and in which request, recorded with it. */
export interface ChangeContext {
  by: string | null;
  requestId: string | null;
}

export interface UserPageQuery {
  limit: number;
  offset: number;
  search?: string;
}

export interface UserPage {
  items: User[];
  total: number;
}

export type UpdateOutcome = { kind: 'updated'; user: User } | { kind: 'not_found' } | { kind: 'version_mismatch'; current: User };

/** The users table uses a 32-bit serial on PostgreSQL; a larger id cannot exist. */
export const MAX_USER_ID = 2_147_483_647;
/** Versions are 32-bit integers in the database too. */
const MAX_VERSION = 2_147_483_647;

/**
 * Where users are read and written, in SQL through SqlStatements (see below
 * for why reads are not the Repository's). Every write is a single statement
 * with RETURNING, so the
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
    private readonly sql: SqlStatements,
  ) {}

  /*
   * Reads are plain SQL through SqlStatements, not the TypeORM Repository:
   * they are the hot paths (every window's GET), and a profile under load put
   * a third of the server's time in the Repository's query building and
   * hydration and in node-sqlite3 preparing each query anew.
   */

  async findById(id: number): Promise<User | null> {
    if (id > MAX_USER_ID) return null;
    const rows = await this.sql.query('SELECT * FROM users WHERE id = :id', { id });
    return rows.length > 0 ? this.hydrate(rows[0]) : null;
  }

  async findPage({ limit, offset, search }: UserPageQuery): Promise<UserPage> {
    const params: ObjectLiteral = { limit, offset };
    let where = '';
    if (search) {
      // Either name contains the search, case-insensitively; LIKE's wildcards in it are literal characters.
      where = `WHERE LOWER(first_name) LIKE :pattern ESCAPE '\\' OR LOWER(last_name) LIKE :pattern ESCAPE '\\'`;
      params.pattern = `%${escapeLike(search.toLowerCase())}%`;
    }
    const [rows, counted] = await Promise.all([
      this.sql.query(`SELECT * FROM users ${where} ORDER BY id LIMIT :limit OFFSET :offset`, params),
      this.sql.query(`SELECT COUNT(*) AS total FROM users ${where}`, params),
    ]);
    return { items: rows.map((row) => this.hydrate(row)), total: Number(counted[0].total) };
  }

  async insert(user: NewUser, change: ChangeContext): Promise<User> {
    const rows = await this.writeReturning(insertUserSql(this.dialect), {
      firstName: user.firstName,
      lastName: user.lastName,
      ...this.changeParams(change),
    });
    return this.hydrate(rows[0]);
  }

  /**
   * Sets only the named columns and bumps the version in the same UPDATE.
   * With expectedVersions, the row is changed only while it is at one of them.
   */
  async update(
    id: number,
    changes: UserChanges,
    change: ChangeContext,
    expectedVersions?: readonly number[],
  ): Promise<UpdateOutcome> {
    const fields = (Object.keys(COLUMN_OF) as EditableField[]).filter((field) => changes[field] !== undefined);
    const params: ObjectLiteral = { id, ...changes, ...this.changeParams(change) };
    if (expectedVersions !== undefined) {
      // A version beyond the column's integers matches no row, and PostgreSQL refuses to compare it (a 500).
      const possible = expectedVersions.filter((version) => version <= MAX_VERSION);
      // IN () is not valid SQL; no version is 0, so [0] matches nothing.
      params.expectedVersions = possible.length > 0 ? possible : [0];
    }
    if (id <= MAX_USER_ID) {
      const rows = await this.writeReturning(updateUserSql(this.dialect, fields, expectedVersions !== undefined), params);
      if (rows.length > 0) return { kind: 'updated', user: this.hydrate(rows[0]) };
    }
    const current = await this.findById(id);
    return current ? { kind: 'version_mismatch', current } : { kind: 'not_found' };
  }

  /** Returns the row as it was, or null when there was none. */
  async delete(id: number, change: ChangeContext): Promise<User | null> {
    if (id > MAX_USER_ID) return null;
    const rows = await this.writeReturning(deleteUserSql(this.dialect), { id, ...this.changeParams(change) });
    if (rows.length === 0) return null;
    const user = this.hydrate(rows[0]);
    // On SQLite the statement that deletes sets the flag its trigger acts on; the row as it was had it unset.
    user.deleted = false;
    return user;
  }

  private get dialect(): Dialect {
    return this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  private changeParams(change: ChangeContext): ObjectLiteral {
    return { now: this.timestamp(), by: change.by, requestId: change.requestId };
  }

  private get metadata(): EntityMetadata {
    return this.dataSource.getMetadata(User);
  }

  private writeReturning(sql: string, params: ObjectLiteral): Promise<Row[]> {
    return this.sql.query(sql, params);
  }

  /** Now, in the form the driver stores for this entity's timestamp columns. */
  private timestamp(): unknown {
    const column = this.metadata.findColumnWithDatabaseName('updated_at');
    if (!column) throw new Error('users.updated_at is not mapped');
    return this.dataSource.driver.preparePersistentValue(new Date(), column);
  }

  private hydrate(row: Row): User {
    return this.sql.hydrate(User, row);
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
