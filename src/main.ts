import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { ConfigurationError, EnvironmentVariables, loadEnvironment, loadLogFormat, LogFormatSetting } from './config';
import { installGracefulShutdown } from './health';
import { AppLogger, resolveLogFormat } from './observability';

/** The app's logger, in the format LOG_FORMAT asks for (or would, for the line that says a setting is wrong). */
function appLogger(format: LogFormatSetting, env?: EnvironmentVariables): AppLogger {
  const terminal = process.stdout.isTTY === true;
  return new AppLogger({ format: resolveLogFormat(format, terminal), level: env?.LOG_LEVEL ?? 'log', colors: terminal });
}

function loadSettingsOrExit(): EnvironmentVariables {
  try {
    return loadEnvironment();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    appLogger(loadLogFormat()).fatal(error.message, 'Bootstrap');
    process.exit(1);
  }
}

async function bootstrap(logger: AppLogger, env: EnvironmentVariables): Promise<void> {
  // Start-up logs are held until the server listens, so a start that fails
  // (database or Redis unreachable) prints only its one "Failed to start" line.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env), {
    abortOnError: false,
    bufferLogs: true,
    autoFlushLogs: false,
    logger,
  });
  await configureApp(app);
  await app.listen(env.PORT, env.HOST);
  installGracefulShutdown(app);
  app.flushLogs();
  Logger.log(`listening on http://${env.HOST}:${env.PORT} (${env.DB_TYPE})`, 'Bootstrap');
}

const env = loadSettingsOrExit();
const logger = appLogger(env.LOG_FORMAT, env);
bootstrap(logger, env).catch((error: Error) => {
  logger.fatal(`Failed to start: ${error.message}`, 'Bootstrap');
  process.exit(1);
});
