import { DynamicModule, Module } from '@nestjs/common';
import type { ModuleMetadata } from '@nestjs/common';
import { AppConfigModule, EnvironmentVariables } from './config';
import { DatabaseModule, ExtraSchema } from './database';
import { HealthModule } from './health';
import { RateLimitModule } from './rate-limit';
import { ObservabilityModule } from './observability';
import { RealtimeModule } from './realtime';
import { AuthModule } from './security';
import { UsersModule } from './users/users.module';

/** The feature modules: adding a feature is one line here. */
const FEATURES: NonNullable<ModuleMetadata['imports']> = [UsersModule];

/** What tests add to the app: a throwaway feature module, with its schema. */
export interface AppExtras extends ExtraSchema {
  imports?: ModuleMetadata['imports'];
}

@Module({})
export class AppModule {
  /** Built from validated settings, so tests can run the app with their own. */
  static forRoot(env: EnvironmentVariables, extras: AppExtras = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(env),
        ObservabilityModule.forRoot(env),
        DatabaseModule.forRoot(env, extras),
        AuthModule,
        RealtimeModule,
        HealthModule,
        RateLimitModule.forRoot(env),
        ...FEATURES,
        ...(extras.imports ?? []),
      ],
    };
  }
}
