import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as sqlite3 from 'sqlite3';
import { DataSourceOptions } from 'typeorm';
import { EnvironmentVariables } from '../config';
import { TypeOrmLogger } from './typeorm-logger';

/** Waits this long for SQLite's write lock instead of failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

const MIGRATIONS = join(__dirname, 'migrations', '*.{ts,js}');
const ENTITIES = join(__dirname, '..', '**', '*.entity.{ts,js}');

/**
 * The one description of the database, shared by the app and the TypeORM CLI
 * (ormconfig.ts), so both see the same entities and migrations. The schema is
 * only ever created by migrations.
 */
export function buildDataSourceOptions(env: EnvironmentVariables): DataSourceOptions {
  const common = {
    entities: [ENTITIES],
    migrations: [MIGRATIONS],
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: ['error', 'warn'] as const,
    logger: new TypeOrmLogger(),
  };
  if (env.DB_TYPE === 'postgres') {
    return { ...common, type: 'postgres', url: env.DATABASE_URL, logging: ['error', 'warn'] };
  }
  if (env.DB_PATH !== ':memory:') mkdirSync(dirname(env.DB_PATH), { recursive: true });
  return {
    ...common,
    logging: ['error', 'warn'],
    type: 'sqlite',
    database: env.DB_PATH,
    // WAL lets reads run beside the single writer; the busy timeout queues
    // writers from other processes instead of failing them.
    enableWAL: env.DB_PATH !== ':memory:',
    busyTimeout: SQLITE_BUSY_TIMEOUT_MS,
    driver: quietSqlite3,
  };
}

/**
 * node-sqlite3 as TypeORM would load it, but without its verbose mode.
 * TypeORM calls verbose() on the driver it is given; that wraps every
 * statement call to build an Error and util.inspect() every parameter, which
 * costs each query a few percent of the server's CPU, and writes the
 * parameters (people's names) into the message of any database error, so into
 * the log. Here verbose() hands back the module untouched.
 */
const quietSqlite3 = Object.create(sqlite3, {
  verbose: { value: (): typeof sqlite3 => sqlite3 },
}) as typeof sqlite3;
