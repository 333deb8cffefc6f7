import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { validateEnvironment } from '../src/config';
import { startTestApp, TestApp, testAppSuite } from './helpers/app';
import { eventually } from './helpers/eventually';
import { startTestRedis, TestRedis } from './helpers/redis';

interface HealthReport {
  status: 'ok' | 'error' | 'degraded' | 'shutting_down';
  info: Record<string, { status: string }>;
  error: Record<string, { status: string; message?: string }>;
  details: Record<string, { status: string }>;
}

async function health(t: { url: string }): Promise<{ status: number; body: HealthReport; cacheControl?: string }> {
  const response = await request(t.url).get('/health');
  return { status: response.status, body: response.body as HealthReport, cacheControl: response.headers['cache-control'] };
}

describe('GET /health', () => {
  describe('a single instance (no REDIS_URL)', () => {
    const t = testAppSuite();

    it('answers 200 with the database up, uncached, and reports no Redis', async () => {
      const { status, body, cacheControl } = await health(t);
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } }, error: {} });
      expect(body.details).not.toHaveProperty('redis');
      expect(cacheControl).toMatch(/no-cache/);
    });

    it('answers 503 naming the database when it is gone', async () => {
      const own = await startTestApp();
      try {
        await own.dataSource.destroy();
        const { status, body } = await health(own);
        expect(status).toBe(503);
        expect(body).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
      } finally {
        await own.close();
      }
    });
  });

  describe('with REDIS_URL', () => {
    let redis: TestRedis;
    let t: TestApp;
    beforeAll(async () => {
      redis = await startTestRedis();
      t = await startTestApp({ env: { REDIS_URL: redis.url } });
    });
    afterAll(async () => {
      await t?.close();
      await redis?.close();
    });

    it('reports Redis up with each adapter connection by name', async () => {
      const { status, body } = await health(t);
      expect(status).toBe(200);
      expect(body.info).toMatchObject({
        database: { status: 'up' },
        redis: {
          status: 'up',
          connections: { 'realtime-adapter': 'ready', 'realtime-stream-reader': 'ready', 'realtime-subscriber': 'ready' },
        },
      });
    });

    it('answers 503 while Redis is down and 200 again once it is back, without a restart', async () => {
      if (!redis.restartable) return;
      await redis.stop();
      try {
        const down = await eventually(async () => {
          const result = await health(t);
          expect(result.status).toBe(503);
          return result;
        });
        expect(down.body).toMatchObject({
          status: 'error',
          error: { redis: { status: 'down' } },
          info: { database: { status: 'up' } },
        });
      } finally {
        await redis.start();
      }
      await eventually(async () => (await health(t)).status === 200, 5_000, 100);
    });

    it('closes cleanly when closed before it ever listened', async () => {
      const env = validateEnvironment({ DB_PATH: ':memory:', REDIS_URL: redis.url });
      const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(env)] }).compile();
      const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error', 'warn'] });
      await configureApp(app);
      await app.close();
      // A timed wait on purpose, since this is about timers: a reader loop spinning on its closed
      // client would starve them, and this one would never fire (the test would time out). No
      // event could fence it: a starved loop delivers none.
      await sleep(200);
      const names = (await redis.clients()).map((client) => client.name).filter((name) => name.startsWith('realtime-'));
      expect(names).toHaveLength(3);
    });

    it('leaves no Redis connection open after app.close()', async () => {
      const own = await startTestApp({ env: { REDIS_URL: redis.url } });
      const realtime = async (): Promise<string[]> =>
        (await redis.clients()).map((client) => client.name).filter((name) => name.startsWith('realtime-'));
      // Its own three, beside the three of the app above.
      await eventually(async () => expect(await realtime()).toHaveLength(6));
      await own.close();
      await eventually(async () => expect(await realtime()).toHaveLength(3));
    });
  });
});
