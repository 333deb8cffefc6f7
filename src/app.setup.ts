import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import {
  ApiDocsInfo,
  ApiExceptionFilter,
  ApiValidationPipe,
  applyServerTimeouts,
  installApiDocs,
  installCors,
  installJsonBody,
  installLowLevelErrors,
  installSecurityHeaders,
  installStaticSite,
  projectRoot,
  renderMiddlewareError,
} from './common';
import { EnvironmentVariables } from './config';
import { Drain } from './health';
import { AppMetrics, installRequestObservation } from './observability';
import { GuardedIoAdapter, RealtimeRedis, RedisIoAdapter, SOCKET_LIMIT_SETTINGS, socketLimits } from './realtime';
import { clientAddressResolver, trustProxySetting } from './security';

/**
 * Everything that makes the app behave as users see it: the socket.io adapter,
 * draining, security headers, CORS, body parsing, validation, error shape, the
 * API description, the windows and the HTTP server's timeouts. Called by main.ts and
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
  // First, so it counts every request the shutdown waits for and closes every connection while draining.
  app.use(app.get(Drain).middleware);
  app.disable('x-powered-by');
  // First, so every response (a refused body too) gets its request id, its access line and its observation.
  installRequestObservation(app, {
    metrics: app.get(AppMetrics),
    clientAddress: clientAddressResolver(config.get('TRUST_PROXY', { infer: true })),
  });
  // The API sets its own ETag (the row version); Express's body hash would compete with it.
  app.set('etag', false);
  // req.ip then names the same client as the rate limits and the socket side (clientAddressResolver).
  app.set('trust proxy', trustProxySetting(config.get('TRUST_PROXY', { infer: true })));
  // Before anything that answers, so every response below carries the headers, errors and 404s included.
  installSecurityHeaders(app, { behindHttps: config.get('BEHIND_HTTPS', { infer: true }) });
  installCors(app, config.get('CORS_ORIGINS', { infer: true }));
  installJsonBody(app);
  app.useGlobalPipes(new ApiValidationPipe());
  app.useGlobalFilters(new ApiExceptionFilter());
  installApiDocs(app, apiDocsInfo());
  installStaticSite(app, join(projectRoot(), 'static'));
  app.use(renderMiddlewareError);
  const server: Server = app.getHttpServer();
  applyServerTimeouts(server, {
    headersTimeoutMs: config.get('HTTP_HEADERS_TIMEOUT_MS', { infer: true }),
    requestTimeoutMs: config.get('HTTP_REQUEST_TIMEOUT_MS', { infer: true }),
    keepAliveTimeoutMs: config.get('HTTP_KEEP_ALIVE_TIMEOUT_MS', { infer: true }),
  });
  installLowLevelErrors(server);
  return app;
}

/** The API description's title and version (the package's); `npm run openapi` writes the same document. */
export function apiDocsInfo(): ApiDocsInfo {
  const { version } = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  return {
    title: 'Realtime users',
    description:
      'A users REST API whose every committed change reaches every open browser window over socket.io. ' +
      'The events, and the conventions this document cannot express, are described in docs/api.md and docs/realtime.md.',
    version,
  };
}

function pick<K extends keyof EnvironmentVariables>(
  config: ConfigService<EnvironmentVariables, true>,
  keys: readonly K[],
): Pick<EnvironmentVariables, K> {
  const picked = {} as Pick<EnvironmentVariables, K>;
  for (const key of keys) picked[key] = config.get(key, { infer: true });
  return picked;
}
