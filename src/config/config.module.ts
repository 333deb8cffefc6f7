import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EnvironmentVariables } from './environment';

/**
 * Makes the already validated settings available to every module through
 * ConfigService<EnvironmentVariables, true>. Validation happens before the
 * app is built (see main.ts), so a bad setting stops the start with one line.
 */
@Module({})
export class AppConfigModule {
  static forRoot(env: EnvironmentVariables): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => ({ ...env })],
        }),
      ],
    };
  }
}
