import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { validateEnvironment } from '../src/config';
import { Drain } from '../src/health';
import { createTestDatabase, startTestApp, TestApp, testAppSuite } from './helpers/app';
import { eventually } from './helpers/eventually';
import { startTestRedis, TestRedis } from './helpers/redis';
import { startServerProcess } from './helpers/server-process';
import { RecordingClient } from './helpers/socket-client';

interface HealthReport {
  status: 'ok' | 'error' | 'degraded' | 'shutting_down';
  info: Record<string, { status: string }>;
  error: Record<string, { status: string; message?: string }>;
  details: Record<string, { status: string }>;
}

async function health(
  t: { url: string },
  path = '/health',
): Promise<{ status: number; body: HealthReport; cacheControl?: string }> {
  const response = await request(t.url).get(path);
  return { status: response.status, body: response.body as HealthReport, cacheControl: response.headers['cache-control'] };
}

describe('GET /health/live and GET /health/ready', () => {
  it('live answers 200 whatever the dependencies do; ready answers 503 naming the database when it is gone', async () => {
    const own = await startTestApp();
    try {
      expect(await health(own, '/health/live')).toMatchObject({ status: 200, body: { status: 'ok', error: {} } });
      expect(await health(own, '/health/ready')).toMatchObject({
        status: 200,
        body: { status: 'ok', info: { database: { status: 'up' }, shutdown: { status: 'up' } } },
      });
      await own.dataSource.destroy();
      const live = await health(own, '/health/live/');
      expect(live).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect(live.cacheControl).toMatch(/no-cache/);
      expect(await health(own, '/health/ready')).toMatchObject({
        status: 503,
        body: { status: 'error', error: { database: { status: 'down' } }, info: { shutdown: { status: 'up' } } },
      });
    } finally {
      await own.close();
    }
  });

  it('once draining: ready answers 503, /health stays 200, responses close their connections, new sockets are refused', async () => {
    const own = await startTestApp();
    try {
      const connected = await RecordingClient.connect(own.url);
      // fetch keeps connections alive (supertest asks for Connection: close itself).
      expect((await fetch(`${own.url}/api/users?limit=1`)).headers.get('connection')).toBe('keep-alive');

      own.app.get(Drain).begin();

      expect(await health(own, '/health/ready')).toMatchObject({
        status: 503,
        body: { status: 'error', error: { shutdown: { status: 'down', message: expect.stringMatching(/shutting down/) } } },
      });
      expect((await health(own)).status).toBe(200);
      const served = await fetch(`${own.url}/api/users?limit=1`);
      expect(served.status).toBe(200);
      expect(served.headers.get('connection')).toBe('close');

      // A socket.io handshake, polling or WebSocket, gets a 503 a load balancer retries elsewhere.
      const polling = await request(own.url).get('/socket.io/?EIO=4&transport=polling');
      expect(polling.status).toBe(503);
      expect(polling.headers.connection).toBe('close');
      await expect(RecordingClient.connect(own.url)).rejects.toThrow(/websocket error/);
      // Those already connected stay until the shutdown moves them.
      expect(connected.socket.connected).toBe(true);
      connected.close();
    } finally {
      await own.close();
    }
  });

  it('logs a failing dependency once when it goes down and once when it is back, however often it is probed', async () => {
    const redis = await startTestRedis();
    const database = await createTestDatabase();
    const server = await startServerProcess({ ...database.env, REDIS_URL: redis.url });
    try {
      if (!redis.restartable) return;
      const linesAbout = (pattern: RegExp): string[] =>
        server
          .output()
          .split('\n')
          .filter((line) => pattern.test(line));
      await redis.stop();
      for (let probe = 0; probe < 10; probe += 1) {
        await eventually(async () => expect((await health(server, probe % 2 ? '/health' : '/health/ready')).status).toBe(503));
      }
      await redis.start();
      await eventually(async () => expect((await health(server, '/health/ready')).status).toBe(200), 10_000, 100);
      await eventually(() => expect(linesAbout(/redis is up again/)).toHaveLength(1));
      expect(linesAbout(/redis is down/)).toHaveLength(1);
      // Terminus' own logger, which printed every failed probe, is off.
      expect(linesAbout(/Health Check has failed/i)).toEqual([]);
    } finally {
      await server.stop();
      await redis.close();
      await database.dispose();
    }
  });
});

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
