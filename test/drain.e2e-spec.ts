import { connect } from 'node:net';
import request from 'supertest';
import { Cluster, startCluster } from './helpers/cluster';
import { eventually } from './helpers/eventually';
import { createUser, getUser, WireUser } from './helpers/factories';
import { Acknowledged, patchBurst } from './helpers/keep-alive-burst';
import { expectCaughtUp, RoamingFollower } from './helpers/roaming-follower';
import { ServerProcess, startServerProcess } from './helpers/server-process';

/*
 * SIGTERM to one of two instances sharing a database and Redis, as in a
 * rolling restart (README, "Production"). Short delays through the settings
 * keep it to seconds; the defaults are for production.
 */

const SHUTDOWN_TIMEOUT_MS = 8_000;

/** Each step of the shutdown, logged once (src/health/graceful-shutdown.ts). */
const STEPS = [
  /SIGTERM: draining/,
  /stopped accepting connections/,
  /the requests in flight have finished/,
  /events for other instances handed to Redis/,
  /told \d+ socket\.io clients to reconnect/,
  /exiting with status 0/,
];

function linesMatching(server: ServerProcess, pattern: RegExp): string[] {
  return server
    .output()
    .split('\n')
    .filter((line) => pattern.test(line));
}

/** Sends SIGTERM; resolves with how it exited and how long it took. */
async function terminate(server: ServerProcess): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const sent = Date.now();
  const exit = await server.stop('SIGTERM', SHUTDOWN_TIMEOUT_MS + 5_000);
  return { ...exit, ms: Date.now() - sent };
}

describe('SIGTERM', () => {
  describe('an idle instance', () => {
    let cluster: Cluster;
    beforeAll(async () => {
      cluster = await startCluster(1, { SHUTDOWN_DELAY_MS: '60000', SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS + 60_000) });
    });
    afterAll(() => cluster?.close());

    it('turns readiness 503 at once, keeps serving during the delay, then exits 0 logging each step once', async () => {
      const [server] = cluster.instances;
      process.kill(server.pid as number, 'SIGTERM');
      await eventually(async () => expect((await fetch(`${server.url}/health/ready`)).status).toBe(503));
      expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
      const served = await fetch(`${server.url}/api/users?limit=1`);
      expect(served.status).toBe(200);
      expect(served.headers.get('connection')).toBe('close');

      // A second signal skips the rest of the (here, one-minute) delay.
      const { code, signal, ms } = await terminate(server);
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      expect(linesMatching(server, /SIGTERM again: skipping the rest/)).toHaveLength(1);
      for (const step of STEPS) expect(linesMatching(server, step)).toHaveLength(1);
    });

    it('exits 1 with a line naming the step it was stuck in when the shutdown outlasts SHUTDOWN_TIMEOUT_MS', async () => {
      const server = await startServerProcess({ ...cluster.env, SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '1000' });
      // A PATCH whose body never comes: in flight for as long as the connection stays open.
      const stuck = connect(server.port, '127.0.0.1');
      stuck.on('error', () => undefined);
      await new Promise<void>((resolve) => stuck.once('connect', () => resolve()));
      stuck.write('PATCH /api/users/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
      // A fence: the server answers this one after it has read the headers written before it.
      expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
      try {
        const { code, signal, ms } = await terminate(server);
        expect({ code, signal }).toEqual({ code: 1, signal: null });
        expect(ms).toBeLessThan(5_000);
        expect(linesMatching(server, /stopped accepting connections; requests in flight: 1/)).toHaveLength(1);
        expect(
          linesMatching(server, /did not finish within 1000 ms \(SHUTDOWN_TIMEOUT_MS\) while waiting for the requests in flight/),
        ).toHaveLength(1);
      } finally {
        stuck.destroy();
      }
    });
  });

  describe('a request that finishes while the shutdown waits for it', () => {
    let cluster: Cluster;
    beforeAll(async () => {
      cluster = await startCluster(1);
    });
    afterAll(() => cluster?.close());

    it('has its access line written before the line that says the requests in flight have finished', async () => {
      const server = await startServerProcess({ ...cluster.env, SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
      const user = await createUser(server.url);
      // A PATCH whose body comes in two parts: in flight until the second is sent.
      const body = '{"first_name":"Drained"}';
      const slow = connect(server.port, '127.0.0.1');
      slow.on('error', () => undefined);
      await new Promise<void>((resolve) => slow.once('connect', () => resolve()));
      let answer = '';
      slow.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      const closed = new Promise<void>((resolve) => slow.once('close', () => resolve()));
      slow.write(
        `PATCH /api/users/${user.id} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 1)}`,
      );
      // A fence: the server answers this one after it has read the headers written before it.
      expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
      const exited = terminate(server);
      await eventually(() =>
        expect(linesMatching(server, /stopped accepting connections; requests in flight: 1/)).toHaveLength(1),
      );
      // Past the half second late connections get (graceful-shutdown.ts): the shutdown is now waiting for this request.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      slow.write(body.slice(1));
      await closed;
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect((await exited).code).toBe(0);
      const lines = server.output().split('\n');
      const accessLine = lines.findIndex((line) => line.includes('"method":"PATCH"'));
      const finished = lines.findIndex((line) => /the requests in flight have finished/.test(line));
      expect({ accessLine: accessLine >= 0, beforeFinished: accessLine < finished }).toEqual({
        accessLine: true,
        beforeFinished: true,
      });
    });
  });

  describe('one of two instances during a burst of PATCHes over keep-alive', () => {
    let cluster: Cluster;
    let users: WireUser[];
    let followers: RoamingFollower[];

    beforeAll(async () => {
      cluster = await startCluster(2, { SHUTDOWN_DELAY_MS: '400', SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
      const urls = cluster.instances.map((instance) => instance.url);
      users = [];
      for (let i = 0; i < 3; i += 1) users.push(await createUser(urls[0]));
      // Two followers of each user on each instance; each moves to the other instance when its connection drops.
      followers = [];
      for (const user of users) {
        for (const first of [0, 0, 1, 1]) followers.push(await RoamingFollower.follow(urls, first, user));
      }
    });
    afterAll(async () => {
      for (const follower of followers ?? []) follower.close();
      await cluster?.close();
    });

    it('loses no acknowledged write or event, resets no connection, and exits 0 within the bound', async () => {
      const [drained, survivor] = cluster.instances;
      const urls = [drained.url, survivor.url];
      let stopBurst: () => void = () => undefined;
      const burstOver = new Promise<void>((resolve) => (stopBurst = resolve));
      const burst = patchBurst({ urls, userIds: users.map((user) => user.id), workers: 8, until: burstOver, failover: true });

      // Let the burst run on both, then SIGTERM one of them and keep the burst going until it has exited.
      await eventually(async () => expect((await getUser(survivor.url, users[0].id)).version).toBeGreaterThan(20), 10_000);
      const exit = await terminate(drained);
      const afterExit = (await getUser(survivor.url, users[0].id)).version;
      await eventually(async () => expect((await getUser(survivor.url, users[0].id)).version).toBeGreaterThan(afterExit + 10));
      stopBurst();
      const result = await burst;

      process.stdout.write(
        `[drain] ${result.acknowledged.length} PATCHes acknowledged, ${result.closes} Connection: close, ` +
          `${result.retried503} 503 retried, ${result.failures.length} failures; SIGTERM to exit ${exit.ms} ms\n`,
      );
      expect(result.failures).toEqual([]);
      expect(result.closes).toBeGreaterThan(0);
      expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
      expect(exit.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      for (const step of STEPS) expect(linesMatching(drained, step)).toHaveLength(1);

      // Every acknowledged PATCH is in the database: its version is in the user's history.
      const byUser = new Map<number, Acknowledged[]>();
      for (const ack of result.acknowledged) byUser.set(ack.userId, [...(byUser.get(ack.userId) ?? []), ack]);
      const finals = new Map<number, number>();
      for (const user of users) {
        const final = await getUser(survivor.url, user.id);
        finals.set(user.id, final.version);
        const acknowledged = (byUser.get(user.id) ?? []).map((ack) => ack.version);
        // Versions grow by one per change, and only these PATCHes changed the user.
        expect(new Set(acknowledged).size).toBe(acknowledged.length);
        expect(final.version).toBe(user.version + acknowledged.length);
        const history = await request(survivor.url).get(`/api/users/${user.id}/history?limit=500`).expect(200);
        const recorded = new Set((history.body as { version: number }[]).map((change) => change.version));
        expect(acknowledged.filter((version) => !recorded.has(version))).toEqual([]);
      }

      // Every follower, on either instance, saw every version, in order: those of the drained
      // instance reconnected to the survivor (a lost transport, not a server-side disconnect) and replayed.
      await expectCaughtUp(followers, finals);
      for (const follower of followers) expect(follower.connected).toBe(true);
      const moved = followers.filter((follower) => follower.connections[0] === drained.url);
      expect(moved).toHaveLength(6);
      for (const follower of moved) {
        expect(follower.disconnects).toEqual(['transport close']);
        expect(follower.connections).toEqual([drained.url, survivor.url]);
      }
    });
  });
});
