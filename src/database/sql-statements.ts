import { Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { performance } from 'node:perf_hooks';
import { DataSource, EntityMetadata, ObjectLiteral, QueryResult } from 'typeorm';
import { parseUtcDatetime } from '../common';
import { AppMetrics, queryKind } from '../observability';
import { markTimedElsewhere } from './query-timer';

export type Row = ObjectLiteral;

/** The parts of node-sqlite3 used here. */
interface SqliteStatement {
  all(params: unknown[], callback: (error: Error | null, rows: Row[]) => void): void;
  finalize(callback?: () => void): void;
}

interface SqliteDatabase {
  prepare(sql: string, callback?: (error: Error | null) => void): SqliteStatement;
}

/** A statement text is prepared once; beyond this many texts, the oldest is finalized. */
const MAX_PREPARED = 64;

/**
 * Runs SQL with named parameters (`:name`, and `:...list` for IN lists) and
 * resolves with the rows it returns (a SELECT's, or an INSERT, UPDATE or
 * DELETE … RETURNING's). Each write and its read-back are one statement, so
 * the row a caller gets is exactly the row its own statement produced, even
 * with hundreds of writes in flight on SQLite's one shared connection or
 * across several server processes.
 *
 * On SQLite every statement text is prepared once and reused, with every
 * value bound (TypeORM's own escaping writes numbers into the text, so each
 * id would be a new statement); TypeORM runs any SQL that starts with
 * INSERT/UPDATE/DELETE through sqlite3's run(), which throws RETURNING rows
 * away, so this goes to the driver's one connection (queryRunner.connect())
 * directly. On PostgreSQL it goes through TypeORM's query runner.
 */
@Injectable()
export class SqlStatements implements OnModuleDestroy {
  /** By statement text, least recently used first. */
  private readonly prepared = new Map<string, Promise<SqliteStatement>>();
  private readonly readers = new Map<new () => object, readonly ColumnReader[]>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly metrics?: AppMetrics,
  ) {}

  /**
   * An entity from one of its table's rows: each mapped column converted the
   * way TypeORM's driver converts it (dates, JSON), without the Repository's
   * per-query transformer.
   */
  hydrate<T extends object>(entity: new () => T, row: Row): T {
    const instance = new entity();
    for (const { databaseName, assign } of this.readersOf(entity)) assign(instance, row[databaseName]);
    return instance;
  }

  /** getMetadata() searches every entity's metadata; a replay hydrates hundreds of rows. */
  private readersOf(entity: new () => object): readonly ColumnReader[] {
    let readers = this.readers.get(entity);
    if (!readers) {
      const sqlite = this.dataSource.options.type === 'sqlite';
      readers = this.dataSource.getMetadata(entity).columns.map((column) => columnReader(column, this.dataSource.driver, sqlite));
      this.readers.set(entity, readers);
    }
    return readers;
  }

  /** Every statement is timed (db_query_duration_seconds, by kind), failed ones too. */
  async query(sql: string, params: ObjectLiteral = {}): Promise<Row[]> {
    if (!this.metrics) return this.run(sql, params);
    const started = performance.now();
    try {
      return await this.run(sql, params);
    } finally {
      this.metrics.dbQueryDuration.observe({ kind: queryKind(sql) }, (performance.now() - started) / 1000);
    }
  }

  private async run(sql: string, params: ObjectLiteral): Promise<Row[]> {
    if (this.dataSource.options.type === 'sqlite') return this.querySqlite(sql, params);
    const [query, values] = this.dataSource.driver.escapeQueryWithParameters(sql, params, {});
    const runner = this.dataSource.createQueryRunner();
    markTimedElsewhere(runner);
    try {
      const result = (await runner.query(query, values, true)) as QueryResult<Row>;
      return result.records;
    } finally {
      await runner.release();
    }
  }

  /** Finalized before TypeORM closes the connection, which would refuse while statements are open. */
  async onModuleDestroy(): Promise<void> {
    const statements = [...this.prepared.values()];
    this.prepared.clear();
    await Promise.all(statements.map(async (pending) => finalize(await pending.catch(() => undefined))));
  }

  private async querySqlite(sql: string, params: ObjectLiteral): Promise<Row[]> {
    const { sql: text, values } = this.bind(sql, params);
    const statement = await this.statement(text);
    return new Promise<Row[]>((resolve, reject) =>
      statement.all(values, (error, rows) => (error ? reject(error) : resolve(rows))),
    );
  }

  /** `?` placeholders for the named parameters, lists expanded, and the values in order. */
  private bind(sql: string, params: ObjectLiteral): { sql: string; values: unknown[] } {
    const values: unknown[] = [];
    const text = sql.replace(/:(\.\.\.)?([A-Za-z_]\w*)/g, (whole, list: string | undefined, name: string) => {
      if (!(name in params)) return whole;
      const value: unknown = params[name];
      if (list && Array.isArray(value)) {
        values.push(...value.map(sqliteValue));
        return value.map(() => '?').join(', ');
      }
      values.push(sqliteValue(value));
      return '?';
    });
    return { sql: text, values };
  }

  private statement(sql: string): Promise<SqliteStatement> {
    const cached = this.prepared.get(sql);
    if (cached) {
      // Most recently used last, so the least recently used goes first when the cache is full.
      this.prepared.delete(sql);
      this.prepared.set(sql, cached);
      return cached;
    }
    const preparing = this.prepare(sql);
    this.prepared.set(sql, preparing);
    // A statement that failed to prepare (a syntax error) is not kept.
    preparing.catch(() => this.prepared.get(sql) === preparing && this.prepared.delete(sql));
    if (this.prepared.size > MAX_PREPARED) {
      const [oldest, evicted] = this.prepared.entries().next().value as [string, Promise<SqliteStatement>];
      this.prepared.delete(oldest);
      // Runs after the statement's calls in flight: node-sqlite3 queues them on the statement.
      void evicted.then(finalize, () => undefined);
    }
    return preparing;
  }

  private async prepare(sql: string): Promise<SqliteStatement> {
    const database = (await this.dataSource.createQueryRunner().connect()) as SqliteDatabase;
    return new Promise<SqliteStatement>((resolve, reject) => {
      const statement = database.prepare(sql, (error) => (error ? reject(error) : resolve(statement)));
    });
  }
}

function finalize(statement: SqliteStatement | undefined): Promise<void> {
  return new Promise<void>((resolve) => (statement ? statement.finalize(() => resolve()) : resolve()));
}

/** SQLite has no booleans: 1 or 0. */
function sqliteValue(value: unknown): unknown {
  return typeof value === 'boolean' ? Number(value) : value;
}

type ColumnMetadata = EntityMetadata['columns'][number];
type Driver = DataSource['driver'];

/** Sets one entity property from its column's raw value. */
interface ColumnReader {
  databaseName: string;
  assign: (instance: object, raw: unknown) => void;
}

/** What TypeORM's SQLite driver converts on the way in (AbstractSqliteDriver.prepareHydratedValue); the rest it returns as read. */
const SQLITE_CONVERTED_TYPES: readonly unknown[] = [
  Boolean,
  Date,
  Number,
  'boolean',
  'datetime',
  'date',
  'time',
  'json',
  'simple-json',
  'simple-array',
  'simple-enum',
];
const SQLITE_DATETIME_TYPES: readonly unknown[] = [Date, 'datetime'];

/**
 * The driver's conversion, decided once per column instead of once per value.
 * On SQLite a plain column (text, integer) is taken as read, and a datetime
 * in the form TypeORM stores (UTC, `YYYY-MM-DD HH:MM:SS.mmm`) is read as the
 * same instant the driver would make of it, by arithmetic instead of two
 * pattern tests, a rewrite and the built-in parser: a page of users is a
 * hundred rows of ten columns. Anything else (a datetime in another form, a
 * transformer, an embedded or virtual column, PostgreSQL) goes through the
 * driver and TypeORM as before.
 */
function columnReader(column: ColumnMetadata, driver: Driver, sqlite: boolean): ColumnReader {
  const { databaseName, propertyName } = column;
  const generic: ColumnReader = {
    databaseName,
    assign: (instance, raw) => column.setEntityValue(instance, driver.prepareHydratedValue(raw, column)),
  };
  const plain = sqlite && !column.transformer && !column.embeddedMetadata && !column.isVirtual;
  if (!plain) return generic;
  if (SQLITE_DATETIME_TYPES.includes(column.type)) {
    return {
      databaseName,
      assign: (instance, raw) => {
        const instant = typeof raw === 'string' ? parseUtcDatetime(raw, ' ') : undefined;
        if (instant) (instance as Record<string, unknown>)[propertyName] = instant;
        else generic.assign(instance, raw);
      },
    };
  }
  if (SQLITE_CONVERTED_TYPES.includes(column.type)) return generic;
  return { databaseName, assign: (instance, raw) => void ((instance as Record<string, unknown>)[propertyName] = raw) };
}
