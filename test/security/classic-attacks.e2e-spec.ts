import http from 'node:http';
import net from 'node:net';
import request from 'supertest';
import { testAppSuite } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { createUser, WireUser } from '../helpers/factories';
import { fence, RecordingClient } from '../helpers/socket-client';
import { send } from './hostile-http';

/*
 * The classic list of hostile input (issue 10), one test each, against an app
 * in this process: what an attacker tries first. Each one also checks that
 * the refused attempt changed nothing (no row, no event) where it could have.
 * Tests that name "the http branch" check a defect issue 10's http branch
 * fixes; they fail until it is merged.
 */

/** Sends raw bytes on a fresh connection and returns everything the server answers until it closes or goes quiet. */
function rawExchange(url: string, bytes: string | Buffer, quietMs = 500): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    });
    socket.on('end', done);
    socket.on('error', reject);
    socket.write(bytes);
    timer = setTimeout(done, 5_000);
  });
}

function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
}

describe('the classic hostile inputs', () => {
  const t = testAppSuite({ env: { SOCKET_EVENTS_PER_SECOND: '10000' } });
  const clients: RecordingClient[] = [];

  async function listen(query: Record<string, string> = {}): Promise<RecordingClient> {
    const client = await RecordingClient.connect(t.url, query);
    clients.push(client);
    return client;
  }

  afterEach(() => clients.splice(0).forEach((client) => client.close()));

  async function searchNames(search: string): Promise<string[]> {
    const response = await request(t.url).get('/api/users').query({ search, limit: 500 }).expect(200);
    return (response.body as WireUser[]).map((user) => user.first_name);
  }

  it('SQL metacharacters and LIKE wildcards in search are literal characters', async () => {
    const names = ['100% sure', 'under_score', 'back\\slash', "O'Brien", 'plain', '[bracket]'];
    for (const name of names) await createUser(t.url, { first_name: name, last_name: 'Classic' });
    expect(await searchNames('%')).toEqual(['100% sure']);
    expect(await searchNames('_')).toEqual(['under_score']);
    expect(await searchNames('\\')).toEqual(['back\\slash']);
    expect(await searchNames("'")).toEqual(["O'Brien"]);
    expect(await searchNames('[b')).toEqual(['[bracket]']);
    for (const attack of ["' OR '1'='1", "'; DROP TABLE users; --", '%%', '\\%', "x' UNION SELECT * FROM users --", '"'])
      expect({ attack, found: await searchNames(attack) }).toEqual({ attack, found: [] });
    // The table is still there, with every row.
    const all = await request(t.url).get('/api/users').query({ search: 'Classic' }).expect(200);
    expect(Number(all.headers['x-total-count'])).toBe(names.length);
  });

  it('SQL in the other query values is refused as a bad number, never run', async () => {
    for (const query of ['limit=1;DROP TABLE users', "offset=0'", 'limit=1 OR 1=1', 'since=0)--', 'limit=%27'])
      expect({ query, status: (await request(t.url).get(`/api/users?${query}`)).status }).toEqual({ query, status: 400 });
    for (const query of ["since=1'", 'limit=-1'])
      expect({ query, status: (await request(t.url).get(`/api/changes?${query}`)).status }).toEqual({ query, status: 400 });
    await request(t.url).get('/api/users').expect(200);
  });

  describe('prototype pollution', () => {
    const bodies = [
      '{"__proto__": {"polluted": "yes"}, "first_name": "a", "last_name": "b"}',
      '{"constructor": {"prototype": {"polluted": "yes"}}, "first_name": "a", "last_name": "b"}',
      '{"first_name": "a", "last_name": "b", "__proto__": {"isAdmin": true}}',
      '{"first_name": {"__proto__": {"polluted": "yes"}}, "last_name": "b"}',
    ];

    afterEach(() => {
      // Whatever happened, the next test starts clean.
      delete (Object.prototype as Record<string, unknown>).polluted;
      delete (Object.prototype as Record<string, unknown>).isAdmin;
    });

    it('keys such as __proto__ and constructor.prototype in a body are refused and pollute nothing', async () => {
      const user = await createUser(t.url);
      const listener = await listen();
      for (const body of bodies) {
        const created = await request(t.url).post('/api/users').set('Content-Type', 'application/json').send(body);
        const patched = await request(t.url).patch(`/api/users/${user.id}`).set('Content-Type', 'application/json').send(body);
        expect({ body, post: created.status, patch: patched.status }).toEqual({ body, post: 400, patch: 400 });
      }
      // Not in this process (the app runs in it), not in what the API answers.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      const fresh = await request(t.url).get(`/api/users/${user.id}`).expect(200);
      expect(fresh.body).toEqual(user);
      expect(await fence(t.url, [listener])).toEqual([[]]);
    });

    it('in query strings and socket payloads too', async () => {
      for (const query of ['__proto__[polluted]=yes', 'constructor[prototype][polluted]=yes', '__proto__.polluted=yes'])
        expect((await request(t.url).get(`/api/users?${query}`)).status).toBeLessThan(500);
      const client = await listen();
      const ack = (await client.untyped
        .timeout(2_000)
        .emitWithAck('subscribe', JSON.parse('{"user_id": null, "__proto__": {"polluted": "yes"}}'))) as unknown;
      expect(ack).toBeDefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('huge and deeply nested JSON', () => {
    it('a body over 16 KiB is refused with 413, and a 10 MB one as quickly', async () => {
      const user = await createUser(t.url);
      const big = await request(t.url)
        .patch(`/api/users/${user.id}`)
        .send({ first_name: 'x'.repeat(17_000) })
        .expect(413);
      expect(big.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: expect.stringMatching(/16384 bytes/) });
      const started = Date.now();
      const huge = await request(t.url)
        .post('/api/users')
        .set('Content-Type', 'application/json')
        .send(`{"first_name": "${'x'.repeat(10_000_000)}", "last_name": "y"}`)
        .catch((error: { response?: request.Response }) => error.response);
      // The server may answer 413 and close before reading it all; either way, quickly and nothing stored.
      if (huge) expect(huge.status).toBe(413);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await request(t.url).get(`/api/users/${user.id}`).expect(200)).body).toEqual(user);
    });

    it('deep nesting within the size limit is a 400, not a 500 (defect fixed by the http branch)', async () => {
      const user = await createUser(t.url);
      const listener = await listen();
      for (const [open, close] of [
        ['[', ']'],
        ['{"a":', '}'],
      ]) {
        const name = `${open.repeat(1_900)}1${close.repeat(1_900)}`;
        const response = await request(t.url)
          .patch(`/api/users/${user.id}`)
          .set('Content-Type', 'application/json')
          .send(`{"first_name": ${name}}`);
        expect({ nesting: open, status: response.status, body: response.body as unknown }).toEqual({
          nesting: open,
          status: 400,
          body: expect.objectContaining({ statusCode: 400 }),
        });
      }
      expect(await fence(t.url, [listener])).toEqual([[]]);
    });

    it('a deeply nested socket payload is refused without harm', async () => {
      const client = await listen();
      const nested = JSON.parse(`${'['.repeat(2_000)}1${']'.repeat(2_000)}`) as unknown;
      const ack = (await client.untyped.timeout(2_000).emitWithAck('subscribe', { user_id: nested })) as { error: string };
      expect(ack.error).toBe('user_id must be a positive integer or null');
      expect(client.socket.connected).toBe(true);
    });
  });

  it('invalid UTF-8 in a body is refused with 400, not stored as U+FFFD (defect fixed by the http branch)', async () => {
    const user = await createUser(t.url);
    const listener = await listen();
    for (const bytes of [[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0x80]]) {
      const body = Buffer.concat([Buffer.from('{"first_name": "a'), Buffer.from(bytes), Buffer.from('b"}')]);
      // Not through supertest, which would send a Buffer as JSON of its own.
      const response = await send(new URL(t.url), http.globalAgent, {
        method: 'PATCH',
        path: `/api/users/${user.id}`,
        headers: { 'content-type': 'application/json' },
        body,
        tags: new Set(),
      });
      expect({ bytes, status: response?.status }).toEqual({ bytes, status: 400 });
    }
    expect((await request(t.url).get(`/api/users/${user.id}`).expect(200)).body).toEqual(user);
    expect(await fence(t.url, [listener])).toEqual([[]]);
  });

  it('a version beyond the database integers in If-Match is a 412, not a 500 (found by the fuzz, on PostgreSQL)', async () => {
    const user = await createUser(t.url);
    for (const tag of ['"99999999999999999999"', '"2147483648"', '"1e400", "99999999999999999999"']) {
      const response = await request(t.url).patch(`/api/users/${user.id}`).set('If-Match', tag).send({ first_name: 'x' });
      expect({ tag, status: response.status }).toEqual({ tag, status: 412 });
    }
    expect((await request(t.url).get(`/api/users/${user.id}`).expect(200)).body).toEqual(user);
  });

  it('CR and LF in the X-Changed-By label cannot inject a header or reach a change record or an event', async () => {
    const user = await createUser(t.url);
    const listener = await listen({ user_id: String(user.id) });
    const { host } = new URL(t.url);
    const body = '{"first_name": "injected"}';
    for (const label of ['evil\rSet-Cookie: a=b', 'evil\r\n Set-Cookie: a=b', 'evil\nSet-Cookie: a=b', 'evil\x00x', 'evil\x7f']) {
      const raw = await rawExchange(
        t.url,
        `PATCH /api/users/${user.id} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
          `X-Changed-By: ${label}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
      const [head] = raw.split('\r\n\r\n');
      expect({ label, status: statusOf(raw), injected: /set-cookie/i.test(head) }).toEqual({
        label,
        status: expect.any(Number) as number,
        injected: false,
      });
    }
    // A bare LF may end the header line (then "Set-Cookie" is a request header of its own): the label is then
    // "evil". Whatever went through, no label in the history holds a control character.
    const history = (await request(t.url).get(`/api/users/${user.id}/history`).expect(200)).body as { by: string | null }[];
    for (const change of history) expect(change.by ?? '').toMatch(/^[\x20-\x7e]*$/);
    const [updates] = await fence(t.url, [listener]);
    for (const update of updates) expect((update as unknown as { by?: string }).by ?? '').toMatch(/^[\x20-\x7e]*$/);
    // An encoded CRLF is text, kept as typed and never decoded.
    await request(t.url)
      .patch(`/api/users/${user.id}`)
      .set('X-Changed-By', 'a%0d%0aSet-Cookie: x')
      .send({ last_name: 'z' })
      .expect(200);
    const [last] = (await request(t.url).get(`/api/users/${user.id}/history?limit=1`).expect(200)).body as { by: string }[];
    expect(last.by).toBe('a%0d%0aSet-Cookie: x');
  });

  it('path traversal on the static files, plain or encoded, never reaches a file outside static/', async () => {
    const { host } = new URL(t.url);
    const paths = [
      '/../package.json',
      '/%2e%2e/package.json',
      '/%2E%2E%2Fpackage.json',
      '/..%2fpackage.json',
      '/..%5cpackage.json',
      '/%252e%252e/package.json',
      '/static/../package.json',
      '/window1.html/../../package.json',
      '/./../src/main.ts',
      '/..%00/package.json',
      '/%c0%ae%c0%ae/package.json',
      '/....//package.json',
      '/.env',
      '/site.json',
      '/tsconfig.json',
      '//etc/passwd',
      '/..\\package.json',
    ];
    for (const path of paths) {
      const raw = await rawExchange(t.url, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      const status = statusOf(raw);
      expect({ path, status: status >= 400 && status < 500 }).toEqual({ path, status: true });
      expect(raw).not.toMatch(/"name": "realtime-users"|NestFactory|root:x:0:0|"compilerOptions"|"pages"/);
    }
  });

  it('slow clients (slowloris: many half-open connections sending a header byte now and then) do not hold the server', async () => {
    const { hostname, port, host } = new URL(t.url);
    const slow: net.Socket[] = [];
    for (let i = 0; i < 200; i += 1) {
      const socket = net.connect(Number(port), hostname);
      socket.on('error', () => undefined);
      socket.write(`GET /api/users HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `);
      slow.push(socket);
    }
    const drip = setInterval(() => slow.forEach((socket) => socket.write('a')), 200);
    try {
      // Meanwhile, everyone else is answered as usual.
      const latencies: number[] = [];
      const endAt = Date.now() + 2_000;
      while (Date.now() < endAt) {
        const started = Date.now();
        await request(t.url).get('/api/users?limit=5').expect(200);
        latencies.push(Date.now() - started);
      }
      const client = await listen();
      expect(client.socket.connected).toBe(true);
      latencies.sort((a, b) => a - b);
      expect(latencies.length).toBeGreaterThan(10);
      expect(latencies[Math.floor(latencies.length * 0.9)]).toBeLessThan(250);
    } finally {
      clearInterval(drip);
      slow.forEach((socket) => socket.destroy());
    }
    await eventually(() => request(t.url).get('/health').expect(200));
  });
});
