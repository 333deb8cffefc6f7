import type { NextFunction, Request, Response } from 'express';
import { parseOrigins } from './cors';
import { nestingDepthExceeds } from './json-body';
import helmet from 'helmet';
import { replayed, securityHeaders } from './security-headers';

function headersFor(url: string, middleware: ReturnType<typeof securityHeaders>): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  } as unknown as Response;
  const next: NextFunction = jest.fn();
  middleware({ url, method: 'GET', headers: {} } as Request, response, next);
  expect(next).toHaveBeenCalledWith();
  return headers;
}

describe('securityHeaders', () => {
  const middleware = securityHeaders({
    behindHttps: false,
    pathPolicies: [{ prefix: '/docs', directives: { 'style-src': ["'self'", "'unsafe-inline'"] } }],
  });

  it('sends the strict policy and nosniff, and no HSTS unless behind HTTPS', () => {
    const headers = headersFor('/window1.html', middleware);
    expect(headers['content-security-policy']).toContain("style-src 'self';");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['strict-transport-security']).toBeUndefined();
    expect(headersFor('/', securityHeaders({ behindHttps: true }))['strict-transport-security']).toBe('max-age=31536000');
  });

  it('gives a listed path prefix its own directives, keeping the others', () => {
    const csp = headersFor('/docs/index.html', middleware)['content-security-policy'];
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("script-src 'self';");
  });
});

describe('replayed', () => {
  it('writes exactly what helmet writes, for any request', () => {
    const live = helmet({ strictTransportSecurity: { maxAge: 60 }, xFrameOptions: { action: 'deny' } }) as ReturnType<
      typeof securityHeaders
    >;
    for (const url of ['/', '/api/users/1', '/window1.html'])
      expect(headersFor(url, replayed(live))).toEqual(headersFor(url, live));
  });

  it('refuses a middleware that does not finish at once (its headers could depend on the request)', () => {
    expect(() => replayed(() => undefined)).toThrow(/synchronously/);
  });
});

describe('parseOrigins', () => {
  it('normalises origins as browsers send them', () => {
    expect([...parseOrigins(' HTTPS://App.Example:443 , http://localhost:5173,')]).toEqual([
      'https://app.example',
      'http://localhost:5173',
    ]);
    expect(parseOrigins('').size).toBe(0);
  });
});

describe('nestingDepthExceeds', () => {
  const deep = (n: number): Buffer => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`);

  it('counts brackets and braces, not those inside strings or escaped', () => {
    expect(nestingDepthExceeds(deep(32), 32)).toBe(false);
    expect(nestingDepthExceeds(deep(33), 32)).toBe(true);
    expect(nestingDepthExceeds(Buffer.from(`{"a":"${'['.repeat(100)}\\"${'{'.repeat(100)}"}`), 32)).toBe(false);
    expect(nestingDepthExceeds(Buffer.from('{"a":{"b":[1,{"c":[]}]}}'), 3)).toBe(true);
  });
});
