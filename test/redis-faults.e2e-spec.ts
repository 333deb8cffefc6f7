import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { TEST_DB } from './helpers/app';
import { Cluster, startCluster } from './helpers/cluster';
import { eventually } from './helpers/eventually';
import { createUser, WireUser } from './helpers/factories';
import { freePort } from './helpers/ports';
import { runServerExpectingExit, ServerProcess } from './helpers/server-process';
import { RecordingClient } from './helpers/socket-client';

interface HealthReport {
  status: string;
  info: Record<string, { status: string }>;
  error: Record<string, { status: string; message?: string }>;
}

async function health(server: ServerProcess): Promise<{ status: number; body: HealthReport }> {
  const response = await request(server.url).get('/health');
  return { status: response.status, body: response.body as HealthReport };
}

function holds(client: RecordingClient, user: WireUser): boolean {
  return client.updates().some((update) => update.user.id === user.id && update.user.version === user.version);
}

/** How long Redis stays down in the outage test. */
const OUTAGE_MS = 4_000;

function log(line: string): void {
  process.stdout.write(`[redis-faults] ${line}\n`);
}

/**
 * Redis lost and back while two instances serve clients: the API keeps
 * answering, /health tells the truth, and events cross instances again once
 * Redis returns, with no restart.
 */
describe(`a Redis outage under two instances on ${TEST_DB}`, () => {
  let cluster: Cluster;
  let a: ServerProcess;
  let b: ServerProcess;
  let onA: RecordingClient;
  let onB: RecordingClient;

  beforeAll(async () => {
    cluster = await startCluster(2);
    [a, b] = cluster.instances;
    [onA, onB] = [await RecordingClient.connect(a.url), await RecordingClient.connect(b.url)];
  });
  afterAll(async () => {
    onA?.close();
    onB?.close();
    await cluster?.close();
  });

  it('keeps REST at 2xx and /health at 503 while Redis is down, then fans out again once it is back', async () => {
    if (!cluster.redis.restartable) {
      log('skipped: REDIS_URL names a Redis these tests must not stop');
      return;
    }
    const user = await createUser(a.url);
    const before = (await request(a.url).patch(`/api/users/${user.id}`).send({ first_name: 'before' }).expect(200))
      .body as WireUser;
    await eventually(() => holds(onB, before), 2_000);
    expect((await health(a)).status).toBe(200);

    await cluster.redis.stop();
    const stoppedAt = Date.now();

    for (const server of [a, b]) {
      const report = await eventually(
        async () => {
          const result = await health(server);
          expect(result.status).toBe(503);
          return result.body;
        },
        5_000,
        100,
      );
      expect(report.status).toBe('error');
      expect(report.error.redis.status).toBe('down');
      expect(report.info.database.status).toBe('up');
    }
    log(`/health 503 on both ${Date.now() - stoppedAt} ms after Redis stopped`);

    // Every kind of request, through both instances, while Redis is away.
    const during: WireUser[] = [];
    for (const server of [a, b]) {
      const started = Date.now();
      const created = (
        await request(server.url).post('/api/users').send({ first_name: 'during', last_name: 'outage' }).expect(201)
      ).body as WireUser;
      await request(server.url).get(`/api/users/${created.id}`).expect(200);
      await request(server.url).get('/api/users').expect(200);
      const patched = (
        await request(server.url)
          .patch(`/api/users/${user.id}`)
          .send({ last_name: `via ${server.port}` })
          .expect(200)
      ).body as WireUser;
      await request(server.url).delete(`/api/users/${created.id}`).expect(204);
      expect(Date.now() - started).toBeLessThan(2_000);
      during.push(patched);
    }
    // Windows on the instance that made a change still get it at once.
    await eventually(() => holds(onA, during[0]), 1_000);
    await eventually(() => holds(onB, during[1]), 1_000);

    // A timed wait on purpose, since this is about timers: the outage lasts OUTAGE_MS, long
    // enough for the reconnect attempts to back off to their slowest pace.
    await sleep(OUTAGE_MS - (Date.now() - stoppedAt));
    await cluster.redis.start();
    const restartedAt = Date.now();
    for (const server of [a, b]) await eventually(async () => (await health(server)).status === 200, 10_000, 100);
    const healthyAfter = Date.now() - restartedAt;

    // A PATCH through A reaches B again, with neither instance restarted.
    let crossed: WireUser | undefined;
    await eventually(
      async () => {
        const patched = (await request(a.url).patch(`/api/users/${user.id}`).send({ first_name: 'after' }).expect(200))
          .body as WireUser;
        try {
          await eventually(() => holds(onB, patched), 500);
          crossed = patched;
          return true;
        } catch {
          return false;
        }
      },
      10_000,
      0,
    );
    const crossedAfter = Date.now() - restartedAt;
    await eventually(() => crossed !== undefined && holds(onA, crossed), 1_000);
    // And the reverse direction.
    const back = (await request(b.url).patch(`/api/users/${user.id}`).send({ last_name: 'after' }).expect(200)).body as WireUser;
    await eventually(() => holds(onA, back), 2_000);

    // What each instance published while Redis was down was queued, and reaches the other one now.
    await eventually(() => holds(onB, during[0]) && holds(onA, during[1]), 5_000);
    for (const [client, update] of [
      [onA, during[0]],
      [onB, during[1]],
    ] as const) {
      expect(
        client.updates().filter((entry) => entry.user.version === update.version && entry.user.id === update.id),
      ).toHaveLength(1);
    }
    log(`Redis back -> /health 200 on both: ${healthyAfter} ms; -> PATCH on A seen on B: ${crossedAfter} ms`);

    expect(a.exitStatus()).toBeNull();
    expect(b.exitStatus()).toBeNull();
    for (const server of [a, b]) {
      expect(server.output()).toContain('connection to Redis lost; reconnecting');
      expect(server.output()).toMatch(/reconnected to Redis after \d+ ms/);
      expect(server.output()).not.toMatch(/Unhandled|ERROR \[ExceptionsHandler\]/);
    }
  });

  it('refuses to start, within seconds and with one line naming REDIS_URL, when Redis cannot be reached', async () => {
    const closed = await freePort();
    const started = Date.now();
    const { code, output } = await runServerExpectingExit(
      { DB_PATH: ':memory:', REDIS_URL: `redis://127.0.0.1:${closed}` },
      10_000,
    );
    const elapsed = Date.now() - started;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('REDIS_URL');
    expect(lines[0]).toContain(`redis://127.0.0.1:${closed}`);
    expect(lines[0]).toMatch(/ECONNREFUSED/);
    // Node and Nest start-up dominate (1.3-2 s idle, up to 4 s beside other suites); Redis itself refuses at once.
    expect(elapsed).toBeLessThan(8_000);
    log(`fail-fast start: exit ${code} after ${elapsed} ms: ${lines[0]}`);
  });

  it('never echoes a Redis password', async () => {
    const closed = await freePort();
    const { code, output } = await runServerExpectingExit(
      { DB_PATH: ':memory:', REDIS_URL: `redis://:s3cret@127.0.0.1:${closed}` },
      10_000,
    );
    expect(code).toBe(1);
    expect(output).toContain('REDIS_URL');
    expect(output).not.toContain('s3cret');
  });
});
