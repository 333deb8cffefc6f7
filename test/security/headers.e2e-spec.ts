import request from 'supertest';
import { testAppSuite } from '../helpers/app';
import { createUser } from '../helpers/factories';

const NOSNIFF = 'nosniff';

describe('Security headers (helmet)', () => {
  describe('by default (not behind HTTPS)', () => {
    const t = testAppSuite();

    it.each([
      ['an API answer', 'get', '/api/users', 200],
      ['an API error', 'get', '/api/users/abc', 400],
      ['a 404 of the API', 'get', '/api/nothing', 404],
      ['a 404 outside it', 'get', '/nothing.html', 404],
      ['a window', 'get', '/window1.html', 200],
      ['a static file', 'get', '/style.css', 200],
      ['the home page', 'get', '/', 200],
      ['a refused body', 'post', '/api/users', 415],
      ['health', 'get', '/health', 200],
    ] as const)('%s carries nosniff, the strict CSP, no X-Powered-By and no HSTS', async (_what, method, path, status) => {
      const response = await request(t.url)[method](path).set('Content-Type', 'text/plain').expect(status);
      expect(response.headers['x-content-type-options']).toBe(NOSNIFF);
      const csp = response.headers['content-security-policy'];
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['x-powered-by']).toBeUndefined();
      expect(response.headers['strict-transport-security']).toBeUndefined();
    });

    it('gives the paths listed in CSP_BY_PATH their own policy (Swagger UI draws its icons as data: images)', async () => {
      const response = await request(t.url).get('/api/docs');
      expect(response.headers['content-security-policy']).toContain("img-src 'self' data:");
      expect(response.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.headers['x-content-type-options']).toBe(NOSNIFF);
    });

    it('sends no CORS headers: same origin only', async () => {
      const user = await createUser(t.url);
      const response = await request(t.url).get(`/api/users/${user.id}`).set('Origin', 'https://elsewhere.example').expect(200);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await request(t.url)
        .options('/api/users')
        .set('Origin', 'https://elsewhere.example')
        .set('Access-Control-Request-Method', 'PATCH');
      expect(preflight.status).toBeGreaterThanOrEqual(400);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    });
  });

  describe('with BEHIND_HTTPS=true', () => {
    const t = testAppSuite({ env: { BEHIND_HTTPS: 'true' } });

    it('sends HSTS and asks browsers to upgrade insecure requests', async () => {
      const response = await request(t.url).get('/api/users').expect(200);
      expect(response.headers['strict-transport-security']).toBe('max-age=31536000');
      expect(response.headers['content-security-policy']).toContain('upgrade-insecure-requests');
    });
  });
});

describe('CORS (CORS_ORIGINS)', () => {
  const ALLOWED = 'https://app.example';
  const t = testAppSuite({ env: { CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` } });

  it('lets a listed origin read answers and the headers it needs', async () => {
    const user = await createUser(t.url);
    const response = await request(t.url).get(`/api/users/${user.id}`).set('Origin', ALLOWED).expect(200);
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    const exposed = response.headers['access-control-expose-headers'].split(',');
    expect(exposed).toEqual(expect.arrayContaining(['ETag', 'Location', 'X-Total-Count', 'X-Request-Id', 'Retry-After']));
    expect(response.headers.vary).toContain('Origin');
  });

  it('answers a listed origin preflight with the methods and the headers asked for', async () => {
    const response = await request(t.url)
      .options('/api/users/1')
      .set('Origin', 'http://localhost:5173')
      .set('Access-Control-Request-Method', 'PATCH')
      .set('Access-Control-Request-Headers', 'content-type, if-match, authorization')
      .expect(204);
    expect(response.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(response.headers['access-control-allow-methods']).toContain('PATCH');
    expect(response.headers['access-control-allow-headers']).toBe('content-type, if-match, authorization');
    expect(response.headers['access-control-max-age']).toBe('600');
  });

  it('refuses the preflight of an origin not listed, in the JSON error shape, and sends it no CORS header', async () => {
    const preflight = await request(t.url)
      .options('/api/users')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST')
      .expect(403);
    expect(preflight.body).toEqual({ statusCode: 403, error: 'Forbidden', message: expect.any(String) });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await request(t.url).get('/api/users').set('Origin', 'https://evil.example').expect(200);
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    expect(simple.headers.vary).toContain('Origin');
  });

  it('leaves the windows and health alone', async () => {
    const response = await request(t.url).get('/health').set('Origin', ALLOWED).expect(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});
