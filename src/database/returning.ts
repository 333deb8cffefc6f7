import { DataSource, ObjectLiteral, QueryResult } from 'typeorm';

export type Row = ObjectLiteral;

/** The part of node-sqlite3's Database used here. */
interface SqliteDatabase {
  all(sql: string, params: unknown[], callback: (error: Error | null, rows: Row[]) => void): void;
}

/**
 * Runs one INSERT, UPDATE or DELETE … RETURNING with named parameters
 * (`:name`, `:...list`) and resolves with the rows it returned. A write and
 * its read-back as one statement: the row a caller gets is exactly the row
 * its own statement produced, even with hundreds of writes in flight on
 * SQLite's one shared connection or across several server processes.
 */
export async function queryReturning(dataSource: DataSource, sql: string, params: ObjectLiteral): Promise<Row[]> {
  const [query, values] = dataSource.driver.escapeQueryWithParameters(sql, params, {});
  const runner = dataSource.createQueryRunner();
  try {
    if (dataSource.options.type === 'sqlite') {
      // TypeORM 0.3 runs any SQL that starts with INSERT/UPDATE/DELETE through
      // sqlite3's run(), which throws the RETURNING rows away; all() keeps
      // them. connect() hands out the driver's one connection.
      const database = (await runner.connect()) as SqliteDatabase;
      return await new Promise<Row[]>((resolve, reject) =>
        database.all(query, values as unknown[], (error, rows) => (error ? reject(error) : resolve(rows))),
      );
    }
    const result = (await runner.query(query, values, true)) as QueryResult<Row>;
    return result.records;
  } finally {
    await runner.release();
  }
}
