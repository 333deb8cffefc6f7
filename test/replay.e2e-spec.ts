import request from 'supertest';
import type { UserChangeResponse } from '../src/users/user.response';
import { io } from 'socket.io-client';
import { DomainEventBus } from '../src/events';
import { UsersRetention } from '../src/users/users.retention';
import { startTestApp, TestApp } from './helpers/app';
import { eventually } from './helpers/eventually';
import { createUser, getUser, WireUser } from './helpers/factories';
import { RecordingClient, UserUpdate } from './helpers/socket-client';

type Received = RecordingClient['received'][number];

/** A GET of the change history or feed, typed. */
async function changesAt(url: string, path: string): Promise<UserChangeResponse[]> {
  return (await request(url).get(path).expect(200)).body as UserChangeResponse[];
}

/** What a client received, as [event, seq or recovered] pairs, in order. */
function timeline(client: RecordingClient): Received[] {
  return client.received.filter((entry) => entry.event === 'user_update' || entry.event === 'recovery');
}

function versionsOf(client: RecordingClient, userId: number): number[] {
  return client
    .updates()
    .filter((update) => update.user.id === userId)
    .map((update) => update.user.version);
}

describe('replay from the change history', () => {
  let t: TestApp;
  const clients: RecordingClient[] = [];

  async function connect(query: Record<string, string> = {}): Promise<RecordingClient> {
    const client = await RecordingClient.connect(t.url, query);
    clients.push(client);
    return client;
  }

  async function patch(id: number, body: object, by = 'Window 2'): Promise<WireUser> {
    return (await request(t.url).patch(`/api/users/${id}`).set('X-Changed-By', by).send(body).expect(200)).body as WireUser;
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { REALTIME_HEAD_INTERVAL_MS: '100', HISTORY_KEEP_PER_USER: '2' } });
  });
  afterEach(() => clients.splice(0).forEach((client) => client.close()));
  afterAll(() => t.close());

  it('a window that reconnects with user_id and version gets what it missed, in order, then recovery, then live events', async () => {
    const user = await createUser(t.url);
    const missed = [
      await patch(user.id, { first_name: 'a' }),
      await patch(user.id, { last_name: 'b' }),
      await patch(user.id, { first_name: 'c' }),
    ];
    const client = await connect({ user_id: String(user.id), version: '1' });
    await eventually(() => expect(client.received.some((entry) => entry.event === 'recovery')).toBe(true));
    const live = await patch(user.id, { first_name: 'live' });
    await client.waitForUpdates(4);

    expect(timeline(client).map((entry) => entry.event)).toEqual([
      'user_update',
      'user_update',
      'user_update',
      'recovery',
      'user_update',
    ]);
    expect(client.updates().map((update) => update.user)).toEqual([...missed, live]);
    expect(client.updates().map((update) => update.by)).toEqual(['Window 2', 'Window 2', 'Window 2', 'Window 2']);
    const seqs = client.updates().map((update) => update.seq);
    expect(seqs).toEqual([seqs[0], seqs[0] + 1, seqs[0] + 2, seqs[0] + 3]);
    expect(client.received.find((entry) => entry.event === 'recovery')?.data).toEqual({
      user_id: user.id,
      recovered: true,
      replayed: 3,
    });
  });

  it('replays on `subscribe` with a version, before the acknowledgement, including a delete', async () => {
    const [user, other] = [await createUser(t.url), await createUser(t.url)];
    const client = await connect({ user_id: String(other.id) });
    const changed = await patch(user.id, { first_name: 'x' });
    await request(t.url).delete(`/api/users/${user.id}`).set('X-Changed-By', 'Window 1').expect(204);
    const ack = await client.socket.timeout(2_000).emitWithAck('subscribe', { user_id: user.id, version: 1 });
    expect(ack).toEqual({ user_id: user.id, recovered: true });
    const replayed = client.updates().filter((update) => update.user.id === user.id);
    // The live delete reached it too (every client gets deletes); the replay carries both, in order.
    expect(replayed.map((update) => [update.action, update.by])).toEqual([
      ['delete', 'Window 1'],
      ['update', 'Window 2'],
      ['delete', 'Window 1'],
    ]);
    // The delete carries the user as it was.
    expect(replayed[2].user).toEqual(changed);
  });

  it('a client following everything replays every change since the last seq it saw', async () => {
    const feed = await changesAt(t.url, '/api/changes?since=0&limit=1000');
    const since = feed.at(-1)?.seq ?? 0;
    const a = await createUser(t.url);
    await patch(a.id, { last_name: 'y' });
    const b = await createUser(t.url);
    const client = await connect({ since: String(since) });
    await eventually(() => expect(client.received.some((entry) => entry.event === 'recovery')).toBe(true));
    expect(client.updates().map((update) => [update.action, update.user.id, update.seq])).toEqual([
      ['create', a.id, since + 1],
      ['update', a.id, since + 2],
      ['create', b.id, since + 3],
    ]);
    expect(client.received.find((entry) => entry.event === 'recovery')?.data).toEqual({
      user_id: null,
      recovered: true,
      replayed: 3,
    });
  });

  it('says recovered: false, and replays nothing, when the position is unknown or the history no longer reaches back', async () => {
    const user = await createUser(t.url);
    for (let i = 0; i < 4; i += 1) await patch(user.id, { first_name: `n${i}` });
    const ahead = await connect();
    expect(await ahead.socket.timeout(2_000).emitWithAck('subscribe', { user_id: user.id, version: 99 })).toEqual({
      user_id: user.id,
      recovered: false,
    });
    expect(await ahead.socket.timeout(2_000).emitWithAck('subscribe', { user_id: 987654, version: 1 })).toEqual({
      user_id: 987654,
      recovered: false,
    });
    expect(await ahead.socket.timeout(2_000).emitWithAck('subscribe', { user_id: null, since: 2_000_000_000 })).toEqual({
      user_id: null,
      recovered: false,
    });
    expect(ahead.updates()).toEqual([]);

    // Forty days on, only the newest two of each user are kept (HISTORY_KEEP_PER_USER=2).
    const trimmed = await t.app.get(UsersRetention).trim(new Date(Date.now() + 40 * 24 * 3600 * 1000));
    expect(trimmed).toBeGreaterThan(0);
    const history = await changesAt(t.url, `/api/users/${user.id}/history`);
    expect(history.map((change: { version: number }) => change.version)).toEqual([5, 4]);
    const behind = await connect();
    expect(await behind.socket.timeout(2_000).emitWithAck('subscribe', { user_id: user.id, version: 1 })).toEqual({
      user_id: user.id,
      recovered: false,
    });
    expect(await behind.socket.timeout(2_000).emitWithAck('subscribe', { user_id: user.id, version: 3 })).toEqual({
      user_id: user.id,
      recovered: true,
    });
    expect(versionsOf(behind, user.id)).toEqual([4, 5]);
    expect(await behind.socket.timeout(2_000).emitWithAck('subscribe', { user_id: null, since: 0 })).toEqual({
      user_id: null,
      recovered: false,
    });
  });

  // Live events of concurrent writes can reach clients a little out of version order on PostgreSQL (its
  // writes commit on several connections; see docs/realtime.md), so the live part is compared as a set.
  it('under a stream of concurrent writes, every client gets each version once, contiguous from its position, replay first', async () => {
    const user = await createUser(t.url);
    const writes: Promise<unknown>[] = [];
    const joined: { client: RecordingClient; from: number }[] = [];
    for (let round = 0; round < 10; round += 1) {
      for (let i = 0; i < 20; i += 1) writes.push(patch(user.id, { first_name: `r${round}-${i}` }));
      // Join from wherever the user stands now, some versions back, while writes are in flight.
      const current = await getUser(t.url, user.id);
      const from = Math.max(1, current.version - (round % 4) * 3);
      joined.push({ client: await connect({ user_id: String(user.id), version: String(from) }), from });
    }
    await Promise.all(writes);
    const last = 1 + writes.length;
    for (const { client, from } of joined) {
      await eventually(() => expect(versionsOf(client, user.id).at(-1)).toBe(last), 10_000);
      const versions = versionsOf(client, user.id);
      expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: last - from }, (_, i) => from + 1 + i));
      // The replay comes first, in order, and everything after it is newer.
      const recovery = timeline(client).findIndex((entry) => entry.event === 'recovery');
      const replayed = (timeline(client).slice(0, recovery) as { data: UserUpdate }[]).map((entry) => entry.data.user.version);
      expect(replayed).toEqual(versions.slice(0, replayed.length));
      expect(replayed).toEqual(Array.from({ length: replayed.length }, (_, i) => from + 1 + i));
      expect(client.received.find((entry) => entry.event === 'recovery')?.data).toMatchObject({
        recovered: true,
        replayed: replayed.length,
      });
    }
  });

  /** Makes a change whose event waits until `publish()` (as it does while its write is still coming back). */
  async function changePublishedLater(id: number, body: object): Promise<{ changed: WireUser; publish: () => void }> {
    const bus = t.app.get(DomainEventBus);
    const publish = bus.publish.bind(bus);
    const late: (() => void)[] = [];
    bus.publish = (name, payload) => void late.push(() => publish(name, payload));
    try {
      return { changed: await patch(id, body), publish: () => late.forEach((send) => send()) };
    } finally {
      bus.publish = publish;
    }
  }

  it('sends no live copy of a replayed change whose event is published only after the replay', async () => {
    const user = await createUser(t.url);
    const { changed, publish } = await changePublishedLater(user.id, { first_name: 'published late' });
    const client = await connect({ user_id: String(user.id), version: '1' });
    await eventually(() => expect(client.received.some((entry) => entry.event === 'recovery')).toBe(true));
    publish();
    const next = await patch(user.id, { first_name: 'after' });
    await eventually(() => expect(versionsOf(client, user.id)).toContain(next.version));
    expect(client.updates().map((update) => update.user)).toEqual([changed, next]);
  });

  // On PostgreSQL a change's event can be published after a later change of the user was read (its write
  // came back last): a window that read the later one holds it already, and the stale event is not news.
  it.each([
    ['a window at the version it read', (user: WireUser) => ({ user_id: String(user.id), version: String(user.version) })],
    ['a client following everything at the seq it saw', (_user: WireUser, seq: number) => ({ since: String(seq) })],
  ])('sends %s no live event of a change at or before its position published after it joined', async (_name, position) => {
    const user = await createUser(t.url);
    const { changed, publish } = await changePublishedLater(user.id, { first_name: 'published after the join' });
    const seq = (await changesAt(t.url, `/api/users/${user.id}/history`))[0].seq;
    const client = await connect(position(changed, seq));
    await eventually(() => expect(client.received.some((entry) => entry.event === 'recovery')).toBe(true));
    expect(client.received.find((entry) => entry.event === 'recovery')?.data).toMatchObject({ recovered: true, replayed: 0 });
    publish();
    const next = await patch(user.id, { last_name: 'after' });
    await eventually(() => expect(versionsOf(client, user.id)).toContain(next.version));
    expect(client.updates().map((update) => update.user)).toEqual([next]);
  });

  it('still sends live events to a client whose position the history does not reach', async () => {
    const user = await createUser(t.url);
    const client = await connect({ user_id: String(user.id), version: '50' });
    await eventually(() => expect(client.received.some((entry) => entry.event === 'recovery')).toBe(true));
    const next = await patch(user.id, { first_name: 'live' });
    await eventually(() => expect(client.updates().map((update) => update.user)).toEqual([next]));
  });

  it('tells each client the latest change every REALTIME_HEAD_INTERVAL_MS', async () => {
    const user = await createUser(t.url);
    const changed = await patch(user.id, { first_name: 'head' });
    const window = await connect({ user_id: String(user.id) });
    const everything = await connect();
    await eventually(() =>
      expect(window.received.filter((entry) => entry.event === 'head').at(-1)?.data).toMatchObject({
        user_id: user.id,
        version: changed.version,
      }),
    );
    const feed = await changesAt(t.url, '/api/changes?since=0&limit=1000');
    await eventually(() =>
      expect(everything.received.filter((entry) => entry.event === 'head').at(-1)?.data).toEqual({ seq: feed.at(-1)?.seq }),
    );
  });

  it.each([
    [{ user_id: '1', version: 'abc' }, 'version'],
    [{ version: '3' }, 'version'],
    [{ user_id: '1', since: '3' }, 'since'],
    [{ since: '-1' }, 'since'],
  ])('refuses a handshake with a malformed position %j', async (query, word) => {
    const socket = io(t.url, { transports: ['websocket'], query, reconnection: false, forceNew: true });
    try {
      const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
      expect(error.message).toContain(word);
    } finally {
      socket.close();
    }
  });

  it.each([[null], ['1'], [[1]], [{}], [{ user_id: 'abc' }], [{ user_id: 1, version: 0 }]])(
    'refuses subscribe %j: an error acknowledgement and an exception event, and the subscription stays as it was',
    async (payload) => {
      const [n, m] = [await createUser(t.url), await createUser(t.url)];
      const client = await connect({ user_id: String(n.id) });
      const ack = (await client.untyped.timeout(2_000).emitWithAck('subscribe', payload)) as { error?: string };
      expect(ack.error).toEqual(expect.any(String));
      await eventually(() => expect(client.received.some((entry) => entry.event === 'exception')).toBe(true));
      // A fence: m's update would come before n's if the client had been widened to everything.
      await patch(m.id, { first_name: 'not for this client' });
      await patch(n.id, { first_name: 'for this client' });
      await client.waitForUpdates(1);
      expect(client.updates().map((update) => update.user.id)).toEqual([n.id]);
    },
  );
});
