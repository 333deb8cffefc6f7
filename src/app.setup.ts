import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { join } from 'node:path';
import { ApiExceptionFilter, ApiValidationPipe, installJsonBody, installStaticSite, projectRoot } from './common';
import { EnvironmentVariables } from './config';
import { GuardedIoAdapter, RealtimeRedis, RedisIoAdapter, SOCKET_LIMIT_SETTINGS, socketLimits } from './realtime';

/**
 * Everything that makes the app behave as users see it: the socket.io adapter,
 * body parsing, validation, error shape and the windows. Called by main.ts and
 * by every e2e test, before init()/listen(), because an adapter or middleware
 * installed later is silently ignored.
 */
export async function configureApp(app: NestExpressApplication): Promise<NestExpressApplication> {
  const config = app.get<ConfigService<EnvironmentVariables, true>>(ConfigService);
  // The same abuse limits on both paths (see src/realtime/socket-guards.ts).
  const limits = socketLimits(pick(config, SOCKET_LIMIT_SETTINGS));
  if (config.get('REDIS_URL', { infer: true })) {
    // Connected before it is installed: an unreachable Redis stops the start here, with one line.
    const adapter = new RedisIoAdapter(app, app.get(RealtimeRedis), limits);
    await adapter.connect();
    app.useWebSocketAdapter(adapter);
  } else {
    app.useWebSocketAdapter(new GuardedIoAdapter(app, limits));
  }
  app.disable('x-powered-by');
  // The API sets its own ETag (the row version); Express's body hash would compete with it.
  app.set('etag', false);
  installJsonBody(app);
  app.useGlobalPipes(new ApiValidationPipe());
  app.useGlobalFilters(new ApiExceptionFilter());
  installStaticSite(app, join(projectRoot(), 'static'));
  app.enableShutdownHooks();
  return app;
}

function pick<K extends keyof EnvironmentVariables>(
  config: ConfigService<EnvironmentVariables, true>,
  keys: readonly K[],
): Pick<EnvironmentVariables, K> {
  const picked = {} as Pick<EnvironmentVariables, K>;
  for (const key of keys) picked[key] = config.get(key, { infer: true });
  return picked;
}
