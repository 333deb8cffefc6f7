import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

type CspDirectives = Record<string, string[]>;

/**
 * What the windows need and nothing more: their own scripts (native ES
 * modules), stylesheet, images and socket.io connection (`'self'` covers
 * ws: and wss: to the same host), no inline script or style, no plugins, no
 * framing, no form posts.
 */
export const SITE_CSP: Readonly<CspDirectives> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

export interface PathPolicy {
  /** The request path starts with this (`/api/docs` covers `/api/docs-json` too). */
  prefix: string;
  /** Directives that replace the site policy's, the rest kept. */
  directives: CspDirectives;
}

/**
 * The one place where a path gets another Content-Security-Policy than the
 * windows' strict one; first matching prefix wins. Swagger UI (the OpenAPI
 * page under /api/docs, served with no inline script or style) draws its
 * icons from data: URLs.
 */
export const CSP_BY_PATH: readonly PathPolicy[] = [{ prefix: '/api/docs', directives: { 'img-src': ["'self'", 'data:'] } }];

export interface SecurityHeadersOptions {
  /** BEHIND_HTTPS: only then HSTS and upgrade-insecure-requests, which would break plain-HTTP access. */
  behindHttps: boolean;
  pathPolicies?: readonly PathPolicy[];
}

type Middleware = (request: Request, response: Response, next: NextFunction) => void;

/**
 * helmet on every response Express sends (API, errors, 404s, static files):
 * the CSP above, `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
 * `Referrer-Policy: no-referrer` and helmet's other defaults; HSTS only
 * behind HTTPS. Each policy's header values are built once, here.
 */
export function securityHeaders(options: SecurityHeadersOptions): Middleware {
  const site = helmetWith(SITE_CSP, options.behindHttps);
  const byPath = (options.pathPolicies ?? CSP_BY_PATH).map(({ prefix, directives }) => ({
    prefix,
    middleware: helmetWith({ ...SITE_CSP, ...directives }, options.behindHttps),
  }));
  if (byPath.length === 0) return site;
  return (request, response, next) => {
    const special = byPath.find(({ prefix }) => request.url.startsWith(prefix));
    (special?.middleware ?? site)(request, response, next);
  };
}

export function installSecurityHeaders(app: NestExpressApplication, options: SecurityHeadersOptions): void {
  app.use(securityHeaders(options));
}

function helmetWith(directives: Readonly<CspDirectives>, behindHttps: boolean): Middleware {
  return replayed(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: behindHttps ? { ...directives, 'upgrade-insecure-requests': [] } : directives,
      },
      strictTransportSecurity: behindHttps ? { maxAge: 365 * 24 * 60 * 60, includeSubDomains: false } : false,
      xFrameOptions: { action: 'deny' },
    }) as Middleware,
  );
}

type HeaderChange = { set: string; value: string | number | readonly string[] } | { remove: string };

/**
 * helmet with static settings writes the same headers on every response, yet
 * runs a dozen middleware closures a request to do it (a few microseconds of
 * every API call's CPU). Its output is recorded once, from a request that
 * reaches every one of them, and replayed as one loop. Nothing here varies per
 * request (no nonce, no directive computed from the request); the unit test
 * compares the replay with helmet itself.
 */
export function replayed(middleware: Middleware): Middleware {
  const changes: HeaderChange[] = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => changes.push({ set: name, value }),
    removeHeader: (name: string) => changes.push({ remove: name }),
  };
  let passed = false;
  middleware({ url: '/', method: 'GET', headers: {} } as Request, recorder as unknown as Response, (error?: unknown) => {
    if (error !== undefined) throw error as Error;
    passed = true;
  });
  if (!passed) throw new Error('the security headers middleware did not run synchronously to completion');
  return (_request, response, next) => {
    for (const change of changes) {
      if ('set' in change) response.setHeader(change.set, change.value);
      else response.removeHeader(change.remove);
    }
    next();
  };
}
