import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { MetricsServer } from '../src/observability';
import { startTestApp, testAppSuite } from './helpers/app';
import { eventually } from './helpers/eventually';
import { createUser } from './helpers/factories';
import { freePort } from './helpers/ports';
import { parsePrometheus, scrape, Scrape, valueOf } from './helpers/prometheus';
import { startTestRedis } from './helpers/redis';
import { RecordingClient } from './helpers/socket-client';

/*
 * GET /metrics after real traffic: the series an operator watches move, and
 * the Grafana dashboard in docs/ asks only for metrics that exist.
 */

describe('GET /metrics', () => {
  const t = testAppSuite();
  const clients: RecordingClient[] = [];
  afterEach(() => clients.splice(0).forEach((client) => client.close()));

  it('serves the Prometheus text format, with the process metrics', async () => {
    const response = await request(t.url).get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const scraped = parsePrometheus(response.text);
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
    ]) {
      expect(scraped.types.has(name)).toBe(true);
    }
    expect(valueOf(scraped, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('moves with traffic: requests by route, sockets, subscriptions, events, PATCH-to-emit, query time', async () => {
    const before = await scrape(t.url);
    const user = await createUser(t.url);
    const following = await RecordingClient.connect(t.url, { user_id: String(user.id) });
    const everything = await RecordingClient.connect(t.url);
    clients.push(following, everything);

    const during = await scrape(t.url);
    expect(valueOf(during, 'realtime_connected_sockets')).toBe(valueOf(before, 'realtime_connected_sockets') + 2);
    expect(valueOf(during, 'realtime_subscriptions', { kind: 'user' })).toBe(
      valueOf(before, 'realtime_subscriptions', { kind: 'user' }) + 1,
    );
    expect(valueOf(during, 'realtime_subscriptions', { kind: 'everything' })).toBe(
      valueOf(before, 'realtime_subscriptions', { kind: 'everything' }) + 1,
    );

    for (const name of ['a', 'b', 'c']) {
      await request(t.url).patch(`/api/users/${user.id}`).send({ first_name: name }).expect(200);
    }
    await following.waitForUpdates(3);
    await everything.waitForUpdates(3);
    await request(t.url).get('/api/users/0').expect(400);
    await request(t.url).get(`/api/users/${user.id}`).expect(200);

    const after = await scrape(t.url);
    const grew = (name: string, labels: Record<string, string> = {}): number =>
      valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(grew('http_request_duration_seconds_count', { method: 'PATCH', route: '/api/users/:id', status: '200' })).toBe(3);
    expect(grew('http_request_duration_seconds_count', { method: 'GET', route: '/api/users/:id', status: '400' })).toBe(1);
    expect(grew('http_request_duration_seconds_count', { method: 'POST', route: '/api/users', status: '201' })).toBe(1);
    // Route patterns only: no series names a raw path with an id.
    expect(after.samples.filter((sample) => /\/\d/.test(sample.labels.route ?? ''))).toEqual([]);
    expect(grew('realtime_commit_to_emit_seconds_count', { event: 'user.updated' })).toBe(3);
    expect(grew('realtime_commit_to_emit_seconds_count', { event: 'user.created' })).toBe(1);
    expect(grew('realtime_events_relayed_total', { event: 'user_update' })).toBe(4);
    // Each client got the three updates; the create came before they connected.
    expect(grew('realtime_events_delivered_total', { event: 'user_update' })).toBe(6);
    expect(grew('db_query_duration_seconds_count', { kind: 'update' })).toBeGreaterThanOrEqual(3);
    expect(grew('db_query_duration_seconds_count', { kind: 'select' })).toBeGreaterThanOrEqual(1);

    following.close();
    everything.close();
    await eventually(async () => {
      const closed = await scrape(t.url);
      expect(valueOf(closed, 'realtime_connected_sockets')).toBe(valueOf(before, 'realtime_connected_sockets'));
      expect(valueOf(closed, 'realtime_subscriptions', { kind: 'user' })).toBe(
        valueOf(before, 'realtime_subscriptions', { kind: 'user' }),
      );
    });
  });

  it('counts a replay as delivered to the client it was sent to', async () => {
    const user = await createUser(t.url);
    await request(t.url).patch(`/api/users/${user.id}`).send({ first_name: 'x' }).expect(200);
    const before = await scrape(t.url);
    const client = await RecordingClient.connect(t.url, { user_id: String(user.id), version: '1' });
    clients.push(client);
    await client.waitForUpdates(1);
    const after = await scrape(t.url);
    expect(valueOf(after, 'realtime_events_delivered_total', { event: 'user_update' })).toBe(
      valueOf(before, 'realtime_events_delivered_total', { event: 'user_update' }) + 1,
    );
  });
});

describe('docs/grafana-dashboard.json', () => {
  const t = testAppSuite();

  it('queries only metrics that GET /metrics declares', async () => {
    const dashboard = JSON.parse(readFileSync(join(__dirname, '..', 'docs', 'grafana-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const queried = new Set(
      dashboard.panels.flatMap((panel) =>
        panel.targets.flatMap((target) => [...target.expr.matchAll(/\b([a-z_:][\w:]*)\{/g)].map((m) => m[1])),
      ),
    );
    expect(queried.size).toBeGreaterThan(10);
    const declared = (await scrape(t.url)).types;
    const missing = [...queried].filter((name) => !declares(declared, name));
    expect(missing).toEqual([]);
  });

  it('has the panels an operator watches', () => {
    const dashboard = JSON.parse(readFileSync(join(__dirname, '..', 'docs', 'grafana-dashboard.json'), 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)).join('\n');
    for (const metric of [
      'http_request_duration_seconds_count',
      'http_request_duration_seconds_bucket',
      'realtime_connected_sockets',
      'realtime_events_delivered_total',
      'realtime_commit_to_emit_seconds_bucket',
      'realtime_redis_publish_failures_total',
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
    ]) {
      expect(exprs).toContain(metric);
    }
  });
});

/** A histogram declares name; its series are name_bucket, name_sum and name_count. */
function declares(types: Scrape['types'], name: string): boolean {
  if (types.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && types.get(base) === 'histogram';
}

describe('METRICS_PORT', () => {
  it('serves /metrics on that port only', async () => {
    const port = await freePort();
    const app = await startTestApp({ env: { METRICS_PORT: String(port) } });
    try {
      expect(app.app.get(MetricsServer).address()?.port).toBe(port);
      await request(app.url).get('/api/users').expect(200);
      await request(app.url).get('/metrics').expect(404);
      const metricsUrl = `http://127.0.0.1:${port}`;
      const scraped = await scrape(metricsUrl);
      expect(valueOf(scraped, 'http_request_duration_seconds_count', { route: '/api/users', method: 'GET' })).toBe(1);
      expect((await fetch(`${metricsUrl}/api/users`)).status).toBe(404);
      expect((await fetch(`${metricsUrl}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      await app.close();
    }
    // Closed with the app: the port is free again.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});

describe('Redis metrics', () => {
  it('report each adapter connection, and publishes that fail while Redis is away', async () => {
    const redis = await startTestRedis();
    const app = await startTestApp({ env: { REDIS_URL: redis.url, REDIS_PUBLISH_QUEUE_MS: '1000' } });
    try {
      const up = await scrape(app.url);
      expect(up.samples.filter((sample) => sample.name === 'realtime_redis_connection_up')).toEqual(
        ['realtime-adapter', 'realtime-stream-reader', 'realtime-subscriber'].map((connection): unknown =>
          expect.objectContaining({ labels: { connection }, value: 1 }),
        ),
      );
      expect(valueOf(up, 'realtime_redis_publish_failures_total')).toBe(0);
      if (!redis.restartable) return;

      await redis.stop();
      const user = await createUser(app.url);
      await eventually(async () => {
        const down = await scrape(app.url);
        expect(valueOf(down, 'realtime_redis_connection_up', { connection: 'realtime-adapter' })).toBe(0);
        expect(valueOf(down, 'realtime_redis_publish_failures_total')).toBeGreaterThanOrEqual(1);
      }, 10_000);
      await redis.start();
      await eventually(async () => {
        expect(valueOf(await scrape(app.url), 'realtime_redis_connection_up')).toBe(3);
      }, 10_000);
      expect(user.id).toBeGreaterThan(0);
    } finally {
      await app.close();
      await redis.close();
    }
  });
});
