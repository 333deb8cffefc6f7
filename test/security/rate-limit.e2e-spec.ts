import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { RATE_LIMIT_CONNECTION_NAME } from '../../src/rate-limit';
import { setPrincipal } from '../../src/security';
import { eventually } from '../helpers/eventually';
import { startTestApp, TestApp, testAppSuite } from '../helpers/app';
import { startTestRedis, TestRedis } from '../helpers/redis';

const LIMIT = 3;
const WINDOW_MS = 60_000;
const LIMITED = { RATE_LIMIT_MAX: String(LIMIT), RATE_LIMIT_WINDOW_MS: String(WINDOW_MS) };

/**
 * Stands in for authentication: attaches the subject named in X-Test-Subject
 * the way the auth middleware attaches a verified token's, before any guard.
 */
@Module({})
class TestPrincipalModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply((req: Request, _res: Response, next: NextFunction) => {
        const subject = req.header('x-test-subject');
        if (subject) setPrincipal(req, { subject });
        next();
      })
      .forRoutes('*');
  }
}

/** Spends a client's budget and checks the next request is refused as the API documents. */
async function exhaust(url: string, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < LIMIT; i += 1) {
    const ok = await request(url).get('/api/users').set(headers).expect(200);
    expect(ok.headers['x-ratelimit-remaining']).toBe(String(LIMIT - i - 1));
  }
  await expectLimited(url, headers);
}

async function expectLimited(url: string, headers: Record<string, string> = {}): Promise<void> {
  const refused = await request(url).get('/api/users').set(headers).expect(429);
  expect(refused.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.stringContaining('Retry-After') });
  const retryAfter = Number(refused.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
}

describe('Rate limits (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_MS)', () => {
  describe('by default', () => {
    const t = testAppSuite();

    it('limits no client that saves while typing: generous, and announced in X-RateLimit-*', async () => {
      const responses = await Promise.all(Array.from({ length: 50 }, () => request(t.url).get('/api/users')));
      expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200));
      expect(responses[0].headers['x-ratelimit-limit']).toBe('100000');
    });
  });

  describe('by client address, with no proxy trusted', () => {
    const t = testAppSuite({ env: LIMITED, imports: [TestPrincipalModule] });

    it('answers 429 with Retry-After past the limit, on every API route, and X-Forwarded-For changes nothing', async () => {
      await exhaust(t.url);
      await expectLimited(t.url, { 'X-Forwarded-For': '203.0.113.7' });
      const write = await request(t.url).post('/api/users').send({ first_name: 'a', last_name: 'b' });
      expect(write.status).toBe(429);
    });

    it('never limits health, the windows or their files', async () => {
      for (let i = 0; i < LIMIT + 2; i += 1) {
        await request(t.url).get('/health').expect(200);
        await request(t.url).get('/window1.html').expect(200);
        await request(t.url).get('/style.css').expect(200);
      }
    });

    it('counts an authenticated subject on its own, whatever its address', async () => {
      await exhaust(t.url, { 'X-Test-Subject': 'alice' });
      // Bob, from the same (exhausted) address, has his own budget.
      await request(t.url).get('/api/users').set('X-Test-Subject', 'bob').expect(200);
    });
  });

  describe('behind a trusted proxy (TRUST_PROXY=loopback)', () => {
    const t = testAppSuite({ env: { ...LIMITED, TRUST_PROXY: 'loopback' } });

    it('keys on the client the proxy names', async () => {
      await exhaust(t.url, { 'X-Forwarded-For': '203.0.113.7' });
      await request(t.url).get('/api/users').set('X-Forwarded-For', '203.0.113.8').expect(200);
      // One IPv6 client is its /64, so rotating through its addresses gains nothing.
      await exhaust(t.url, { 'X-Forwarded-For': '2001:db8:1:2::1' });
      await expectLimited(t.url, { 'X-Forwarded-For': '2001:db8:1:2:ffff::9' });
    });
  });

  describe('shared through Redis (REDIS_URL)', () => {
    let redis: TestRedis;
    let first: TestApp;
    let second: TestApp;

    beforeAll(async () => {
      redis = await startTestRedis();
      first = await startTestApp({ env: { ...LIMITED, REDIS_URL: redis.url } });
      second = await startTestApp({ env: { ...LIMITED, REDIS_URL: redis.url } });
    });
    afterAll(async () => {
      await first?.close();
      await second?.close();
      await redis?.close();
    });

    it('counts a client across instances', async () => {
      await request(first.url).get('/api/users').expect(200);
      await request(second.url).get('/api/users').expect(200);
      await request(first.url).get('/api/users').expect(200);
      await expectLimited(second.url);
      await expectLimited(first.url);
      const keys = (await redis.command('KEYS', 'rate-limit:*')) as string[];
      expect(keys).toEqual(['rate-limit:default:address:127.0.0.1']);
      const ttl = Number(await redis.command('PTTL', keys[0]));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
    });

    it('opens one named connection per instance and closes it with the app', async () => {
      const own = async (): Promise<number> =>
        (await redis.clients()).filter((client) => client.name === RATE_LIMIT_CONNECTION_NAME).length;
      await eventually(async () => expect(await own()).toBe(2));
      const third = await startTestApp({ env: { ...LIMITED, REDIS_URL: redis.url } });
      await eventually(async () => expect(await own()).toBe(3));
      await third.close();
      await eventually(async () => expect(await own()).toBe(2));
    });

    it('lets requests through, uncounted, while Redis is away, and counts again once it is back', async () => {
      if (!redis.restartable) return;
      await redis.stop();
      for (let i = 0; i < LIMIT + 1; i += 1) await request(first.url).get('/api/users/1').expect(404);
      await redis.start();
      await eventuallyLimited(first.url);
    });
  });
});

/** After an outage the connection comes back within about a second; the budget then runs out again. */
async function eventuallyLimited(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await request(url).get('/api/users');
    if (response.status === 429) return;
    if (Date.now() > deadline) throw new Error('never limited again after Redis came back');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
