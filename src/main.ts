import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { ConfigurationError, EnvironmentVariables, loadEnvironment } from './config';
import { installGracefulShutdown } from './health';

function loadSettingsOrExit(): EnvironmentVariables {
  try {
    return loadEnvironment();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

async function bootstrap(): Promise<void> {
  const env = loadSettingsOrExit();
  // Start-up logs are held until the server listens, so a start that fails
  // (database or Redis unreachable) prints only its one "Failed to start" line.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env), {
    abortOnError: false,
    bufferLogs: true,
    autoFlushLogs: false,
  });
  await configureApp(app);
  await app.listen(env.PORT, env.HOST);
  installGracefulShutdown(app);
  app.flushLogs();
  Logger.log(`listening on http://${env.HOST}:${env.PORT} (${env.DB_TYPE})`, 'Bootstrap');
}

bootstrap().catch((error: Error) => {
  process.stderr.write(`Failed to start: ${error.message}\n`);
  process.exit(1);
});
