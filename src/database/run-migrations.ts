import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Any fixed number, the same in every instance: the key of the lock below. */
const MIGRATION_LOCK_KEY = 724_151_001;

const logger = new Logger('Migrations');

/**
 * Runs pending migrations, one instance at a time. TypeORM 0.3 takes no lock
 * of its own, so instances starting together on an empty PostgreSQL database
 * raced to create the schema and all but one failed. Each instance first
 * takes a database-wide lock, so the others wait, then find nothing left to do:
 * a session-level advisory lock on PostgreSQL, the write lock (BEGIN IMMEDIATE,
 * waiting up to the busy timeout) on a shared SQLite file.
 */
export async function runMigrationsExclusively(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type === 'sqlite') {
    await runSqliteMigrationsExclusively(dataSource);
    return;
  }
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await logApplied(dataSource.runMigrations({ transaction: 'all' }));
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

async function logApplied(run: Promise<{ name: string }[]>): Promise<void> {
  const applied = await run;
  if (applied.length > 0) logger.log(`applied ${applied.map((migration) => migration.name).join(', ')}`);
}

/**
 * TypeORM's sqlite driver has one connection, so a transaction opened here
 * holds every statement of the migration run; it must not open its own.
 */
async function runSqliteMigrationsExclusively(dataSource: DataSource): Promise<void> {
  await dataSource.query('BEGIN IMMEDIATE');
  try {
    await logApplied(dataSource.runMigrations({ transaction: 'none' }));
    await dataSource.query('COMMIT');
  } catch (error) {
    await dataSource.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
