import request from 'supertest';
import { TEST_DB } from './helpers/app';
import { Cluster, startCluster } from './helpers/cluster';
import { eventually } from './helpers/eventually';
import { createUser, WireUser } from './helpers/factories';
import { ServerProcess, startServerProcess } from './helpers/server-process';
import { fence, RecordingClient } from './helpers/socket-client';

interface PresenceMessage {
  user_id: number;
  count: number;
}

/**
 * Two instances of the built server, as separate processes on two ports,
 * sharing one database (a SQLite file, or PostgreSQL with TEST_DB=postgres)
 * and a throwaway redis-server: what a client on either one sees.
 */
describe(`two instances on one ${TEST_DB} database and Redis`, () => {
  let cluster: Cluster;
  let a: ServerProcess;
  let b: ServerProcess;
  const clients: RecordingClient[] = [];

  async function connect(server: ServerProcess, query: Record<string, string> = {}): Promise<RecordingClient> {
    const client = await RecordingClient.connect(server.url, query);
    clients.push(client);
    return client;
  }

  async function patch(server: ServerProcess, id: number, body: Partial<WireUser>): Promise<WireUser> {
    return (await request(server.url).patch(`/api/users/${id}`).send(body).expect(200)).body as WireUser;
  }

  /** Waits until every client holds the event of this exact committed row. */
  async function deliveredTo(receivers: RecordingClient[], user: WireUser, deadlineMs: number): Promise<void> {
    await Promise.all(
      receivers.map((client) =>
        eventually(
          () => client.updates().some((update) => update.user.id === user.id && update.user.version === user.version),
          deadlineMs,
        ),
      ),
    );
  }

  beforeAll(async () => {
    cluster = await startCluster(2);
    [a, b] = cluster.instances;
  });
  afterEach(() => clients.splice(0).forEach((client) => client.close()));
  afterAll(async () => {
    clients.splice(0).forEach((client) => client.close());
    await cluster?.close();
  });

  it('presence converges: two windows joining one user on two instances at the same moment both end at 2', async () => {
    const lastPresence = (client: RecordingClient): unknown =>
      client.received.filter((entry) => entry.event === 'presence').at(-1)?.data;
    for (let round = 0; round < 5; round += 1) {
      const user = await createUser(a.url);
      const query = { user_id: String(user.id) };
      const [onA, onB] = await Promise.all([connect(a, query), connect(b, query)]);
      await eventually(() => {
        expect(lastPresence(onA)).toEqual({ user_id: user.id, count: 2 });
        expect(lastPresence(onB)).toEqual({ user_id: user.id, count: 2 });
      }, 3_000);
      onB.close();
      await eventually(() => expect(lastPresence(onA)).toEqual({ user_id: user.id, count: 1 }), 3_000);
    }
  });

  it('a PATCH through either instance reaches the clients of both within a second, once each', async () => {
    const [onA, onB] = [await connect(a), await connect(b)];
    const user = await createUser(a.url);

    let sent = Date.now();
    const throughA = await patch(a, user.id, { first_name: 'ViaA' });
    await deliveredTo([onA, onB], throughA, 1_000);
    const crossAB = Date.now() - sent;
    sent = Date.now();
    const throughB = await patch(b, user.id, { last_name: 'ViaB' });
    await deliveredTo([onA, onB], throughB, 1_000);
    const crossBA = Date.now() - sent;

    // Once each: a copy would come before the fences, one through each instance (each has its own path to a client).
    for (const updates of await fence([a.url, b.url], [onA, onB])) {
      expect(updates).toEqual([
        { action: 'create', user },
        { action: 'update', user: throughA },
        { action: 'update', user: throughB },
      ]);
    }
    expect(throughB).toMatchObject({ first_name: 'ViaA', last_name: 'ViaB', version: 3 });
    process.stdout.write(`[scale] PATCH sent -> event on both instances' clients: via A ${crossAB} ms, via B ${crossBA} ms\n`);
  });

  it('user_id rooms hold across instances: updates of that user alone, every create and delete', async () => {
    const [n, m] = [await createUser(a.url), await createUser(b.url)];
    const followsN = await connect(b, { user_id: String(n.id) });
    const followsMbySubscribe = await connect(b);
    await expect(followsMbySubscribe.socket.emitWithAck('subscribe', { user_id: m.id })).resolves.toEqual({ user_id: m.id });

    const patchedM = await patch(a, m.id, { first_name: 'M2' });
    const patchedN = await patch(a, n.id, { first_name: 'N2' });
    const created = await createUser(a.url);
    await request(a.url).delete(`/api/users/${m.id}`).expect(204);

    // Every change went through A, so one fence through A shows all that was coming.
    const [seenByN, seenByM] = await fence(a.url, [followsN, followsMbySubscribe]);
    expect(seenByN).toEqual([
      { action: 'update', user: patchedN },
      { action: 'create', user: created },
      { action: 'delete', user: patchedM },
    ]);
    expect(seenByM).toEqual([
      { action: 'update', user: patchedM },
      { action: 'create', user: created },
      { action: 'delete', user: patchedM },
    ]);
  });

  it('100 concurrent PATCHes over both instances: every client on both gets all 100, each with its own version', async () => {
    const user = await createUser(a.url);
    const receivers = [await connect(a), await connect(a), await connect(b), await connect(b, { user_id: String(user.id) })];
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        request((i % 2 ? a : b).url)
          .patch(`/api/users/${user.id}`)
          .send(i % 3 ? { first_name: `f${i}` } : { last_name: `l${i}` }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200));
    const versions = responses.map((response) => (response.body as WireUser).version).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));

    const byVersion = new Map(responses.map((response) => [(response.body as WireUser).version, response.body as WireUser]));
    // All 100 and no more: a copy would come before the fences.
    for (const received of await fence([a.url, b.url], receivers, 10_000)) {
      expect(received).toHaveLength(100);
      expect(new Set(received.map((update) => update.user.version)).size).toBe(100);
      // Each event carries exactly the row its own PATCH answered with.
      for (const update of received) expect(update.user).toEqual(byVersion.get(update.user.version));
    }
  });

  it('counts the windows viewing a user across instances (presence) and tells each of them', async () => {
    const user = await createUser(a.url);
    const viewers = [await connect(a, { user_id: String(user.id) }), await connect(b, { user_id: String(user.id) })];
    const lastPresence = (client: RecordingClient): PresenceMessage | undefined =>
      client.received
        .filter((entry) => entry.event === 'presence' && (entry.data as PresenceMessage).user_id === user.id)
        .map((entry) => entry.data as PresenceMessage)
        .at(-1);
    for (const viewer of viewers) await eventually(() => expect(lastPresence(viewer)?.count).toBe(2), 8_000);

    viewers[1].close();
    await eventually(() => expect(lastPresence(viewers[0])?.count).toBe(1), 8_000);
  });

  it('a stopped instance leaves no Redis connection open, and names each of its own', async () => {
    const realtimeClients = async (): Promise<{ name: string; cmd: string; sub: number }[]> =>
      (await cluster.redis.clients()).filter((client) => client.name.startsWith('realtime-'));
    const before = await realtimeClients();
    expect(before.map((client) => client.name).sort()).toEqual([
      'realtime-adapter',
      'realtime-adapter',
      'realtime-stream-reader',
      'realtime-stream-reader',
      'realtime-subscriber',
      'realtime-subscriber',
    ]);
    // The names follow the roles the streams adapter gives its duplicated clients.
    for (const client of before.filter((entry) => entry.name === 'realtime-stream-reader')) expect(client.cmd).toBe('xread');
    for (const client of before.filter((entry) => entry.name === 'realtime-subscriber')) expect(client.sub).toBe(2);

    const third = await startServerProcess(cluster.env);
    try {
      await eventually(async () => expect(await realtimeClients()).toHaveLength(9));
      const connected = await RecordingClient.connect(third.url);
      connected.close();
    } finally {
      const stopping = Date.now();
      await third.stop();
      process.stdout.write(`[scale] SIGTERM to exit: ${Date.now() - stopping} ms\n`);
    }
    expect(third.exitStatus()).not.toBeNull();
    expect(third.output()).not.toMatch(/ERROR|Unhandled/);
    await eventually(async () => expect(await realtimeClients()).toHaveLength(6));
  });
});
