import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions, MixedList, EntitySchema, MigrationInterface } from 'typeorm';
import { EnvironmentVariables } from '../config';
import { buildDataSourceOptions } from './database.options';
import { runMigrationsExclusively } from './run-migrations';
import { SeedRunner } from './seeding';
import { QueryTimer } from './query-timer';
import { SqlStatements } from './sql-statements';

export class DatabaseUnreachableError extends Error {
  constructor(setting: string, cause: string) {
    super(`Database unreachable (${setting}): ${cause}`);
    this.name = 'DatabaseUnreachableError';
  }
}

/**
 * Entities and migrations beyond those the app finds in src/ (every
 * `*.entity.ts`, every file in src/database/migrations): a module defined
 * outside src/, such as a test's throwaway feature.
 */
export interface ExtraSchema {
  entities?: MixedList<string | (abstract new () => unknown) | EntitySchema>;
  migrations?: MixedList<string | (new () => MigrationInterface)>;
}

/** The TypeORM connection. Pending migrations run before the app serves anything. */
@Module({})
export class DatabaseModule {
  static forRoot(env: EnvironmentVariables, extra: ExtraSchema = {}): DynamicModule {
    const setting = env.DB_TYPE === 'postgres' ? 'DATABASE_URL' : 'DB_PATH';
    const options = withExtra(buildDataSourceOptions(env), extra);
    return {
      module: DatabaseModule,
      // Like TypeORM's DataSource, SqlStatements serves every feature module.
      global: true,
      imports: [
        DiscoveryModule,
        TypeOrmModule.forRootAsync({
          // Fail the start on an unreachable database instead of retrying for minutes.
          useFactory: () => ({ ...options, migrationsRun: false, retryAttempts: 0 }),
          dataSourceFactory: async (given?: DataSourceOptions) => {
            const dataSource = new DataSource(given ?? options);
            try {
              await dataSource.initialize();
            } catch (error) {
              throw new DatabaseUnreachableError(setting, (error as Error).message);
            }
            await runMigrationsExclusively(dataSource);
            if (dataSource.options.type === 'sqlite') {
              await dataSource.query(`PRAGMA synchronous = ${env.DB_SYNCHRONOUS === 'normal' ? 'NORMAL' : 'FULL'}`);
            }
            return dataSource;
          },
        }),
      ],
      providers: [SeedRunner, SqlStatements, QueryTimer],
      exports: [SeedRunner, SqlStatements],
    };
  }
}

function withExtra(options: DataSourceOptions, extra: ExtraSchema): DataSourceOptions {
  return {
    ...options,
    entities: [...asList(options.entities), ...asList(extra.entities)],
    migrations: [...asList(options.migrations), ...asList(extra.migrations)],
  };
}

/** TypeORM takes these lists as arrays or as objects of named entries. */
function asList<T>(value: MixedList<T> | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : Object.values(value);
}
