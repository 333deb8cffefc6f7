import type { NestExpressApplication } from '@nestjs/platform-express';
import cors from 'cors';
import type { NextFunction, Request, Response } from 'express';
import { errorBody } from './error-body';

/** Response headers a page on an allowed origin may read, beyond the CORS-safelisted ones. */
export const CORS_EXPOSED_HEADERS = ['ETag', 'Location', 'X-Total-Count', 'X-Request-Id', 'Retry-After'];
const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'];
/** How long a browser may reuse a preflight's answer. */
const PREFLIGHT_MAX_AGE_S = 600;

/** The CORS_ORIGINS setting as the exact `Origin` values browsers send (lower-case, no default port). */
export function parseOrigins(setting: string): ReadonlySet<string> {
  return new Set(
    setting
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== '')
      .map((origin) => new URL(origin).origin),
  );
}

/**
 * Cross-origin access to the API (`/api/…`) for the listed origins only.
 * With none listed (the default) nothing is installed: no CORS header is
 * ever sent, so only pages of the server's own origin can read its answers.
 * A preflight from an origin not listed is refused with 403; a simple
 * request from one is served without CORS headers, which the browser then
 * keeps from the page. No credentials: tokens travel in a header, not in
 * cookies. Request headers asked for in a preflight are allowed as asked.
 */
export function installCors(app: NestExpressApplication, setting: string): void {
  const allowed = parseOrigins(setting);
  if (allowed.size === 0) return;
  const allow = cors({ origin: true, methods: CORS_METHODS, exposedHeaders: CORS_EXPOSED_HEADERS, maxAge: PREFLIGHT_MAX_AGE_S });
  app.use((request: Request, response: Response, next: NextFunction): void => {
    if (!request.url.startsWith('/api/') && request.url !== '/api') return next();
    // The answer depends on Origin even when it carries no CORS header: caches must not mix them.
    response.vary('Origin');
    const origin = request.headers.origin;
    if (origin !== undefined && allowed.has(origin)) return allow(request, response, next);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      response.status(403).json(errorBody(403, 'cross-origin requests from this origin are not allowed'));
      return;
    }
    next();
  });
}
