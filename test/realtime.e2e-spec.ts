import request from 'supertest';
import { io } from 'socket.io-client';
import { testAppSuite } from './helpers/app';
import { eventually } from './helpers/eventually';
import { createUser, getUser } from './helpers/factories';
import { fence, RecordingClient } from './helpers/socket-client';

/*
 * Absence ("no duplicate", "not to this client") is proved with a fence, never
 * a quiet period: one more event the client must get, sent after the one it
 * must not; once the fence is in, the unwanted event would already be there.
 */

describe('user_update events', () => {
  const t = testAppSuite();
  const clients: RecordingClient[] = [];

  async function connect(query: Record<string, string> = {}): Promise<RecordingClient> {
    const client = await RecordingClient.connect(t.url, query);
    clients.push(client);
    return client;
  }

  afterEach(() => clients.splice(0).forEach((client) => client.close()));

  it('sends create, update and delete once each, with the committed user, to every client', async () => {
    const [a, b] = [await connect(), await connect()];
    const created = await createUser(t.url, { first_name: 'John', last_name: 'Doe' });
    const patched = (await request(t.url).patch(`/api/users/${created.id}`).send({ first_name: 'Jo' }).expect(200)).body;
    await request(t.url).delete(`/api/users/${created.id}`).expect(204);
    // Once each: a second copy of any of them would arrive before the fence.
    for (const updates of await fence(t.url, [a, b])) {
      expect(updates).toEqual([
        { action: 'create', user: created },
        { action: 'update', user: patched },
        { action: 'delete', user: patched },
      ]);
    }
  });

  it('sends nothing for refused requests', async () => {
    const user = await createUser(t.url);
    const client = await connect();
    await request(t.url).patch(`/api/users/${user.id}`).send({ first_name: 5 }).expect(400);
    await request(t.url).patch(`/api/users/${user.id}`).send({}).expect(400);
    await request(t.url).patch(`/api/users/${user.id}`).set('If-Match', '"9"').send({ first_name: 'x' }).expect(412);
    await request(t.url).patch('/api/users/999999').send({ first_name: 'x' }).expect(404);
    await request(t.url).delete('/api/users/999999').expect(404);
    await request(t.url).post('/api/users').send({ first_name: 'x' }).expect(400);
    await request(t.url).patch(`/api/users/${user.id}`).set('Content-Type', 'text/plain').send('x').expect(415);
    expect(await fence(t.url, [client])).toEqual([[]]);
  });

  it('sends the event after the commit: a client that reads on receipt sees the change', async () => {
    const user = await createUser(t.url);
    const client = await connect();
    const seen = new Promise<unknown>((resolve) => client.socket.once('user_update', () => resolve(getUser(t.url, user.id))));
    await request(t.url).patch(`/api/users/${user.id}`).send({ last_name: 'Committed' }).expect(200);
    expect(await seen).toMatchObject({ last_name: 'Committed', version: 2 });
  });

  describe('user_id subscriptions', () => {
    it('a client connected with user_id=N gets updates of N only, and every create and delete', async () => {
      const [n, m] = [await createUser(t.url), await createUser(t.url)];
      const follower = await connect({ user_id: String(n.id) });
      const everything = await connect();
      await request(t.url).patch(`/api/users/${m.id}`).send({ first_name: 'other' }).expect(200);
      await request(t.url).patch(`/api/users/${n.id}`).send({ first_name: 'mine' }).expect(200);
      const created = await createUser(t.url);
      await request(t.url).delete(`/api/users/${m.id}`).expect(204);

      const [got, all] = await fence(t.url, [follower, everything]);
      expect(got.map((event) => [event.action, event.user.id])).toEqual([
        ['update', n.id],
        ['create', created.id],
        ['delete', m.id],
      ]);
      expect(all.map((event) => [event.action, event.user.id])).toEqual([
        ['update', m.id],
        ['update', n.id],
        ['create', created.id],
        ['delete', m.id],
      ]);
    });

    it('`subscribe` switches a client to one user, acknowledges it, and null switches back to everything', async () => {
      const [n, m] = [await createUser(t.url), await createUser(t.url)];
      const client = await connect();
      const ack = await client.socket.timeout(2_000).emitWithAck('subscribe', { user_id: n.id });
      expect(ack).toEqual({ user_id: n.id });
      await request(t.url).patch(`/api/users/${m.id}`).send({ first_name: 'skip' }).expect(200);
      await request(t.url).patch(`/api/users/${n.id}`).send({ first_name: 'take' }).expect(200);
      // N's update is the fence for M's: sent after it, so a wrongly delivered M update would be in first.
      await eventually(() => client.updates().some((event) => event.user.first_name === 'take'));
      expect(client.updates().map((event) => event.user.first_name)).toEqual(['take']);

      expect(await client.socket.timeout(2_000).emitWithAck('subscribe', { user_id: null })).toEqual({ user_id: null });
      await request(t.url).patch(`/api/users/${m.id}`).send({ first_name: 'now-seen' }).expect(200);
      await client.waitForUpdates(2);
      expect(client.updates().map((event) => event.user.first_name)).toEqual(['take', 'now-seen']);
    });

    it('`subscribe` to another user moves the client: it stops receiving the first user', async () => {
      const [n, m] = [await createUser(t.url), await createUser(t.url)];
      const client = await connect({ user_id: String(n.id) });
      await client.socket.timeout(2_000).emitWithAck('subscribe', { user_id: m.id });
      await request(t.url).patch(`/api/users/${n.id}`).send({ first_name: 'old' }).expect(200);
      await request(t.url).patch(`/api/users/${m.id}`).send({ first_name: 'new' }).expect(200);
      // M's update is the fence for N's, as above.
      await eventually(() => client.updates().some((event) => event.user.id === m.id));
      expect(client.updates().map((event) => event.user.id)).toEqual([m.id]);
    });

    it('a bad `subscribe` is refused with an exception event and changes nothing', async () => {
      const user = await createUser(t.url);
      const client = await connect({ user_id: String(user.id) });
      client.untyped.emit('subscribe', { user_id: 'abc' });
      await eventually(() => client.received.some((entry) => entry.event === 'exception'));
      await request(t.url).patch(`/api/users/${user.id}`).send({ first_name: 'still' }).expect(200);
      await client.waitForUpdates(1);
    });

    it('a handshake with a malformed user_id is refused, not silently widened to everything', async () => {
      const socket = io(t.url, { transports: ['websocket'], query: { user_id: 'abc' }, reconnection: false, forceNew: true });
      try {
        const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
        expect(error.message).toContain('user_id');
      } finally {
        socket.close();
      }
    });

    it('tells the windows on a user how many there are (presence)', async () => {
      const user = await createUser(t.url);
      const first = await connect({ user_id: String(user.id) });
      const presence = (client: RecordingClient): unknown[] =>
        client.received.filter((entry) => entry.event === 'presence').map((entry) => entry.data);
      await eventually(() => expect(presence(first).at(-1)).toEqual({ user_id: user.id, count: 1 }));
      const second = await connect({ user_id: String(user.id) });
      await eventually(() => expect(presence(first).at(-1)).toEqual({ user_id: user.id, count: 2 }));
      await eventually(() => expect(presence(second).at(-1)).toEqual({ user_id: user.id, count: 2 }));
      second.close();
      await eventually(() => expect(presence(first).at(-1)).toEqual({ user_id: user.id, count: 1 }));
    });

    it('says in each event who made the change (X-Changed-By) and its sequence number', async () => {
      const user = await createUser(t.url);
      const follower = await connect({ user_id: String(user.id) });
      const patched = await request(t.url)
        .patch(`/api/users/${user.id}`)
        .set('X-Changed-By', 'Window 1')
        .send({ first_name: 'by w1' })
        .expect(200);
      await request(t.url).patch(`/api/users/${user.id}`).send({ last_name: 'by nobody' }).expect(200);
      const [first, second] = await follower.waitForUpdates(2);
      expect(first).toMatchObject({ action: 'update', by: 'Window 1', user: patched.body });
      expect(second.by).toBeNull();
      expect(second.seq).toBe(first.seq + 1);
    });
  });

  it('also serves clients that start with HTTP long-polling (the socket.io default)', async () => {
    const socket = io(t.url, { reconnection: false, forceNew: true });
    try {
      const events: unknown[] = [];
      socket.on('user_update', (event: unknown) => events.push(event));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      await createUser(t.url);
      await eventually(() => events.length === 1);
    } finally {
      socket.close();
    }
  });
});
