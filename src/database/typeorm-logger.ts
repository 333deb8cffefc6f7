import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLoggerInterface } from 'typeorm';

/**
 * TypeORM's errors and warnings through the app's logger (so in its format,
 * with the request id), instead of TypeORM's own console lines. A failed
 * query is logged with its SQL text but never its parameters: they are
 * people's names. Queries, schema building, migrations and TypeORM's
 * informational lines (which entity files it found) are left out, as with
 * TypeORM's `logging: ['error', 'warn']`; run-migrations.ts says what it applied.
 */
export class TypeOrmLogger implements TypeOrmLoggerInterface {
  private readonly logger = new Logger('TypeORM');

  logQuery(): void {}

  logQueryError(error: string | Error, query: string): void {
    this.logger.error(`query failed: ${typeof error === 'string' ? error : error.message}`, { query });
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms)`, { query });
  }

  logSchemaBuild(): void {}

  logMigration(): void {}

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
  }
}
