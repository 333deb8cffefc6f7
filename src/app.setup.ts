import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { join } from 'node:path';
import { ApiExceptionFilter, ApiValidationPipe, installJsonBody, installStaticSite, projectRoot } from './common';
import { EnvironmentVariables } from './config';
import { AppMetrics, installRequestObservation } from './observability';
import { RealtimeRedis, RedisIoAdapter } from './realtime';
import { clientAddressResolver } from './security';

/**
 * Everything that makes the app behave as users see it: the socket.io adapter,
 * body parsing, validation, error shape and the windows. Called by main.ts and
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
  app.disable('x-powered-by');
  // First, so every response (a refused body too) gets its request id, its access line and its observation.
  installRequestObservation(app, {
    metrics: app.get(AppMetrics),
    clientAddress: clientAddressResolver(config.get('TRUST_PROXY', { infer: true })),
  });
  // The API sets its own ETag (the row version); Express's body hash would compete with it.
  app.set('etag', false);
  installJsonBody(app);
  app.useGlobalPipes(new ApiValidationPipe());
  app.useGlobalFilters(new ApiExceptionFilter());
  installStaticSite(app, join(projectRoot(), 'static'));
  app.enableShutdownHooks();
  return app;
}
