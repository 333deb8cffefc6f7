import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { join } from 'node:path';
import { ApiExceptionFilter, ApiValidationPipe, installJsonBody, installStaticSite, projectRoot } from './common';
import { EnvironmentVariables } from './config';
import { Drain } from './health';
import { RealtimeRedis, RedisIoAdapter } from './realtime';

/**
 * Everything that makes the app behave as users see it: the socket.io adapter,
 * draining, body parsing, validation, error shape and the windows. Called by main.ts and
 * by every e2e test, before init()/listen(), because an adapter or middleware
 * installed later is silently ignored.
 */
export async function configureApp(app: NestExpressApplication): Promise<NestExpressApplication> {
  const config = app.get<ConfigService<EnvironmentVariables, true>>(ConfigService);
  if (config.get('REDIS_URL', { infer: true })) {
    // Connected before it is installed: an unreachable Redis stops the start here, with one line.
    const adapter = new RedisIoAdapter(app, app.get(RealtimeRedis));
    await adapter.connect();
    app.useWebSocketAdapter(adapter);
  } else {
    app.useWebSocketAdapter(new IoAdapter(app));
  }
  // First, so it counts every request the shutdown waits for and closes every connection while draining.
  app.use(app.get(Drain).middleware);
  app.disable('x-powered-by');
  // The API sets its own ETag (the row version); Express's body hash would compete with it.
  app.set('etag', false);
  installJsonBody(app);
  app.useGlobalPipes(new ApiValidationPipe());
  app.useGlobalFilters(new ApiExceptionFilter());
  installStaticSite(app, join(projectRoot(), 'static'));
  return app;
}
