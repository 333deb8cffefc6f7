import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from './config/config.module';
import { EnvironmentVariables } from './config/environment';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { RealtimeModule } from './realtime';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  /** Built from validated settings, so tests can run the app with their own. */
  static forRoot(env: EnvironmentVariables): DynamicModule {
    return {
      module: AppModule,
      imports: [AppConfigModule.forRoot(env), DatabaseModule.forRoot(env), RealtimeModule, UsersModule, HealthModule],
    };
  }
}
