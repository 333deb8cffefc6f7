import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { buildDataSourceOptions } from '../config/database.options';
import { EnvironmentVariables } from '../config/environment';

/** The TypeORM connection. Pending migrations run before the app serves anything. */
@Module({})
export class DatabaseModule {
  static forRoot(env: EnvironmentVariables): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...buildDataSourceOptions(env),
          migrationsRun: true,
          // Fail the start on an unreachable database instead of retrying for minutes.
          retryAttempts: 0,
        }),
      ],
    };
  }
}
