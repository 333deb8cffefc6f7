import request from 'supertest';
import { io, Socket } from 'socket.io-client';
import { startTestApp, TestApp, testAppSuite } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { createUser } from '../helpers/factories';
import { startTestRedis, TestRedis } from '../helpers/redis';
import { fence, RecordingClient } from '../helpers/socket-client';
import { watchLog } from '../helpers/log-watch';

/*
 * The socket.io side of issue 10's abuse limits: what a client may send,
 * how fast, how big, from where and how many at once. Each limit is set low
 * here so a test reaches it in a few messages; the defaults are far above
 * what the windows, the tests and the bench do.
 */

interface Refused {
  message: string;
}

function connectRaw(url: string, options: Parameters<typeof io>[1] = {}): Socket {
  return io(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...options });
}

/** Resolves when the socket connects, rejects with the connect_error. */
function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

function disconnected(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}

/** The reason engine.io gives in its JSON body when it refuses a long-polling handshake. */
async function pollingHandshake(url: string, headers: Record<string, string> = {}): Promise<request.Response> {
  return request(url).get('/socket.io/?EIO=4&transport=polling').set(headers);
}

describe('socket.io payloads', () => {
  const t = testAppSuite({ env: { SOCKET_EVENTS_PER_SECOND: '1000' } });
  const clients: RecordingClient[] = [];

  async function follower(query: Record<string, string> = {}): Promise<RecordingClient> {
    const client = await RecordingClient.connect(t.url, query);
    clients.push(client);
    return client;
  }

  afterEach(() => clients.splice(0).forEach((client) => client.close()));

  const notObjects: [string, unknown[]][] = [
    ['null', [null]],
    ['a string', ['1']],
    ['a number', [1]],
    ['true', [true]],
    ['an array', [[1]]],
    ['an array holding the object', [[{ user_id: null }]]],
    ['a Buffer', [Buffer.from('{"user_id":null}')]],
    ['two arguments', [{ user_id: null }, { user_id: null }]],
    ['nothing', []],
  ];

  it.each(notObjects)('`subscribe` with %s is refused, and the socket keeps following its user', async (_name, args) => {
    const [mine, other] = [await createUser(t.url), await createUser(t.url)];
    const client = await follower({ user_id: String(mine.id) });
    const ack = (await client.untyped.timeout(2_000).emitWithAck('subscribe', ...args)) as { error?: string };
    expect(ack.error).toMatch(/^subscribe takes an object/);
    await eventually(() => client.received.some((entry) => entry.event === 'exception'));
    // Had it widened to every user, the update of `other` would arrive before the fence.
    await request(t.url).patch(`/api/users/${other.id}`).send({ first_name: 'not for you' }).expect(200);
    const [updates] = await fence(t.url, [client]);
    expect(updates.filter((update) => update.action === 'update')).toEqual([]);
  });

  it('`subscribe` in each form of the contract still works', async () => {
    const user = await createUser(t.url);
    const client = await follower();
    expect(await client.socket.timeout(2_000).emitWithAck('subscribe', { user_id: user.id })).toEqual({ user_id: user.id });
    expect(await client.untyped.timeout(2_000).emitWithAck('subscribe', { user_id: String(user.id) })).toEqual({
      user_id: user.id,
    });
    expect(await client.socket.timeout(2_000).emitWithAck('subscribe', { user_id: user.id, version: 1 })).toEqual({
      user_id: user.id,
      recovered: true,
    });
    expect(await client.socket.timeout(2_000).emitWithAck('subscribe', { user_id: null, since: 0 })).toMatchObject({
      user_id: null,
    });
    expect(await client.socket.timeout(2_000).emitWithAck('subscribe', { user_id: null })).toEqual({ user_id: null });
  });

  it('an event no handler takes is answered with an error, on the acknowledgement and as `exception`', async () => {
    const client = await follower();
    const ack = (await client.untyped.timeout(2_000).emitWithAck('drop_table', { x: 1 })) as { error: string };
    expect(ack).toEqual({ error: 'unknown event "drop_table"' });
    await eventually(() =>
      expect(client.received).toContainEqual({
        event: 'exception',
        data: { status: 'error', message: 'unknown event "drop_table"' },
      }),
    );
    expect(client.socket.connected).toBe(true);
  });

  it('a flood of bad messages writes nothing to the log, and the socket still works after it', async () => {
    const user = await createUser(t.url);
    const client = await follower();
    const log = watchLog();
    try {
      for (let i = 0; i < 300; i += 1) {
        client.untyped.emit('subscribe', i % 2 ? null : { user_id: -i });
        client.untyped.emit(`nope${i}`, 'x');
      }
      expect(await client.socket.timeout(2_000).emitWithAck('subscribe', { user_id: user.id })).toEqual({ user_id: user.id });
      await eventually(() => client.received.filter((entry) => entry.event === 'exception').length === 600);
      expect(log.lines()).toEqual([]);
    } finally {
      log.stop();
    }
  });
});

describe('socket.io limits', () => {
  let app: TestApp | undefined;
  const sockets: Socket[] = [];

  async function start(env: Record<string, string>): Promise<TestApp> {
    app = await startTestApp({ env });
    return app;
  }

  function track(socket: Socket): Socket {
    sockets.push(socket);
    return socket;
  }

  afterEach(async () => {
    sockets.splice(0).forEach((socket) => socket.close());
    await app?.close();
    app = undefined;
  });

  it('a socket sending more than SOCKET_EVENTS_PER_SECOND messages in a second is told why and disconnected', async () => {
    const { url } = await start({ SOCKET_EVENTS_PER_SECOND: '20' });
    const calm = track(connectRaw(url));
    const flooder = track(connectRaw(url));
    await Promise.all([connected(calm), connected(flooder)]);
    const told = new Promise<Refused>((resolve) => flooder.once('exception', resolve));
    const gone = disconnected(flooder);
    const log = watchLog();
    try {
      for (let i = 0; i < 1_000; i += 1) flooder.emit('subscribe', { user_id: null });
      expect(await told).toEqual({
        status: 'error',
        message: 'more than 20 messages in one second (SOCKET_EVENTS_PER_SECOND): disconnected',
      });
      // socket.io's reason for a disconnect by the server: the client does not reconnect by itself.
      expect(await gone).toBe('io server disconnect');
      expect(log.lines()).toEqual([]);
    } finally {
      log.stop();
    }
    // Up to the limit is fine, and the flood cost the other socket nothing.
    for (let i = 0; i < 19; i += 1) calm.emit('subscribe', { user_id: null });
    expect(await calm.timeout(2_000).emitWithAck('subscribe', { user_id: null })).toEqual({ user_id: null });
    expect(calm.connected).toBe(true);
  });

  it('a message over SOCKET_MAX_PAYLOAD_BYTES closes that connection; smaller ones pass', async () => {
    const { url } = await start({ SOCKET_MAX_PAYLOAD_BYTES: '1024' });
    const socket = track(connectRaw(url));
    await connected(socket);
    expect(await socket.timeout(2_000).emitWithAck('subscribe', { user_id: null, pad: 'x'.repeat(900) })).toEqual({
      user_id: null,
    });
    const gone = disconnected(socket);
    socket.emit('subscribe', { user_id: null, pad: 'x'.repeat(2_000) });
    expect(await gone).toBe('transport close');

    // Long-polling: the same limit on the POSTed body.
    const handshake = await pollingHandshake(url);
    const { sid } = JSON.parse(handshake.text.slice(1)) as { sid: string };
    const big = await request(url)
      .post(`/socket.io/?EIO=4&transport=polling&sid=${sid}`)
      .set('Content-Type', 'text/plain')
      .send(`40${'x'.repeat(2_000)}`);
    expect(big.status).toBeGreaterThanOrEqual(400);
    expect(big.status).toBeLessThan(500);
  });

  it('connections from one address beyond SOCKET_CONNECTIONS_PER_ADDRESS are refused at the handshake, with the reason', async () => {
    const { url } = await start({ SOCKET_CONNECTIONS_PER_ADDRESS: '3' });
    const first = [track(connectRaw(url)), track(connectRaw(url)), track(connectRaw(url))];
    await Promise.all(first.map(connected));
    await expect(connected(track(connectRaw(url)))).rejects.toThrow();
    const refused = await pollingHandshake(url);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      code: 4,
      message: 'too many connections from this address: at most 3 at once (SOCKET_CONNECTIONS_PER_ADDRESS)',
    });
    // A closed connection frees its place.
    first[0].close();
    await eventually(async () => expect((await pollingHandshake(url)).status).toBe(200));
  });

  it('counts the client behind a trusted proxy, not the proxy', async () => {
    const { url } = await start({ SOCKET_CONNECTIONS_PER_ADDRESS: '1', TRUST_PROXY: 'loopback' });
    const a = track(connectRaw(url, { extraHeaders: { 'X-Forwarded-For': '203.0.113.1' } }));
    const b = track(connectRaw(url, { extraHeaders: { 'X-Forwarded-For': '203.0.113.2' } }));
    await Promise.all([connected(a), connected(b)]);
    expect((await pollingHandshake(url, { 'X-Forwarded-For': '203.0.113.1' })).status).toBe(403);
  });

  it('a page on another origin may not connect; same-origin pages and clients without Origin may', async () => {
    const { url } = await start({});
    const host = new URL(url).host;
    const foreign = track(connectRaw(url, { extraHeaders: { Origin: 'https://evil.example' } }));
    await expect(connected(foreign)).rejects.toThrow();
    const refused = await pollingHandshake(url, { Origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/CORS_ORIGINS/);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    // The page on the server's own origin (the windows), and a script that sends no Origin.
    await connected(track(connectRaw(url, { extraHeaders: { Origin: `http://${host}` } })));
    await connected(track(connectRaw(url)));
    for (const origin of ['null', 'http://127.0.0.1.evil.example', `http://${host}.evil.example`, 'file://', '']) {
      expect({ origin, status: (await pollingHandshake(url, { Origin: origin })).status }).toEqual({ origin, status: 403 });
    }
  });

  it('CORS_ORIGINS lets the listed origins connect, with CORS headers on long-polling', async () => {
    const { url } = await start({ CORS_ORIGINS: 'https://app.example, http://localhost:5173' });
    await connected(track(connectRaw(url, { extraHeaders: { Origin: 'https://app.example' } })));
    const polling = await pollingHandshake(url, { Origin: 'http://localhost:5173' });
    expect(polling.status).toBe(200);
    expect(polling.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    const foreign = await pollingHandshake(url, { Origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("marks engine.io's own HTTP answers nosniff: handshake, errors and the client script", async () => {
    const { url } = await start({});
    const answers = await Promise.all([
      pollingHandshake(url),
      request(url).get('/socket.io/?EIO=4&transport=bogus'),
      pollingHandshake(url, { Origin: 'https://evil.example' }),
      request(url).get('/socket.io/socket.io.esm.min.js'),
    ]);
    expect(answers.map((answer) => [answer.status, answer.headers['x-content-type-options']])).toEqual([
      [200, 'nosniff'],
      [400, 'nosniff'],
      [403, 'nosniff'],
      [200, 'nosniff'],
    ]);
  });

  describe('with Redis (several instances)', () => {
    let redis: TestRedis;
    beforeAll(async () => {
      redis = await startTestRedis();
    });
    afterAll(async () => {
      await redis?.close();
    });

    it('the same limits hold on the Redis adapter path', async () => {
      const { url } = await start({
        REDIS_URL: redis.url,
        SOCKET_CONNECTIONS_PER_ADDRESS: '2',
        SOCKET_EVENTS_PER_SECOND: '5',
        SOCKET_MAX_PAYLOAD_BYTES: '1024',
      });
      expect((await pollingHandshake(url, { Origin: 'https://evil.example' })).status).toBe(403);
      const [a, b] = [track(connectRaw(url)), track(connectRaw(url))];
      await Promise.all([connected(a), connected(b)]);
      expect((await pollingHandshake(url)).status).toBe(403);
      const goneA = disconnected(a);
      for (let i = 0; i < 10; i += 1) a.emit('subscribe', { user_id: null });
      expect(await goneA).toBe('io server disconnect');
      const goneB = disconnected(b);
      b.emit('subscribe', { user_id: null, pad: 'x'.repeat(2_000) });
      expect(await goneB).toBe('transport close');
    });
  });
});
