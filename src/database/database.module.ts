import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { buildDataSourceOptions } from '../config/database.options';
import { EnvironmentVariables } from '../config/environment';
import { runMigrationsExclusively } from './run-migrations';

export class DatabaseUnreachableError extends Error {
  constructor(setting: string, cause: string) {
    super(`Database unreachable (${setting}): ${cause}`);
    this.name = 'DatabaseUnreachableError';
  }
}

/** The TypeORM connection. Pending migrations run before the app serves anything. */
@Module({})
export class DatabaseModule {
  static forRoot(env: EnvironmentVariables): DynamicModule {
    const setting = env.DB_TYPE === 'postgres' ? 'DATABASE_URL' : 'DB_PATH';
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          // Fail the start on an unreachable database instead of retrying for minutes.
          useFactory: () => ({ ...buildDataSourceOptions(env), migrationsRun: false, retryAttempts: 0 }),
          dataSourceFactory: async (options?: DataSourceOptions) => {
            const dataSource = new DataSource(options ?? buildDataSourceOptions(env));
            try {
              await dataSource.initialize();
            } catch (error) {
              throw new DatabaseUnreachableError(setting, (error as Error).message);
            }
            await runMigrationsExclusively(dataSource);
            return dataSource;
          },
        }),
      ],
    };
  }
}
