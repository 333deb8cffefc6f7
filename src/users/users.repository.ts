import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityMetadata, FindOptionsWhere, ObjectLiteral, Raw, Repository } from 'typeorm';
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

export type UpdateOutcome =
  | { kind: 'updated'; user: User }
  | { kind: 'not_found' }
  | { kind: 'version_mismatch'; current: User };

/** The users table uses a 32-bit serial on PostgreSQL; a larger id cannot exist. */
export const MAX_USER_ID = 2_147_483_647;

/**
 * Where users are read and written. Reads go through TypeORM's Repository.
 * Every write is a single statement with RETURNING (SqlStatements), so the
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
    private readonly sql: SqlStatements,
  ) {}

  findById(id: number): Promise<User | null> {
    if (id > MAX_USER_ID) return Promise.resolve(null);
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
    // IN () is not valid SQL; no version is 0, so [0] matches nothing.
    if (expectedVersions !== undefined) params.expectedVersions = expectedVersions.length > 0 ? [...expectedVersions] : [0];
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
