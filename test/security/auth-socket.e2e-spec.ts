import { io } from 'socket.io-client';
import request from 'supertest';
import type { AuthExpiredMessage, AuthRefusal } from '../../src/realtime';
import { testAppSuite } from '../helpers/app';
import { bearer, HS256_ENV, signToken } from '../helpers/auth';
import { WireSocket } from '../helpers/socket-client';

/*
 * The socket.io handshake with authentication on: refused without or with a
 * bad token (a reason the client can read in connect_error), accepted with a
 * good one, and closed when the token expires, right after an auth_expired
 * event; and the subject of the token that made a change is its event's `by`.
 */

type ConnectError = Error & { data?: AuthRefusal };

function open(url: string, auth?: Record<string, unknown>): WireSocket {
  return io(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...(auth ? { auth } : {}) });
}

function outcome(socket: WireSocket): Promise<'connected' | ConnectError> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error: ConnectError) => resolve(error));
  });
}

describe('socket.io with authentication on', () => {
  const t = testAppSuite({ env: HS256_ENV });
  const sockets: WireSocket[] = [];
  const track = (socket: WireSocket): WireSocket => (sockets.push(socket), socket);
  afterEach(() => sockets.splice(0).forEach((socket) => socket.close()));

  it('refuses a handshake without a token, saying how to authenticate', async () => {
    const error = await outcome(track(open(t.url)));
    expect(error).toBeInstanceOf(Error);
    expect((error as ConnectError).message).toBe('authentication required: connect with a bearer token as auth.token');
    expect((error as ConnectError).data).toEqual({ code: 'auth_required' });
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['an expired token', () => signToken({ ttl: -5 }), /expired at/],
    ['a token of another audience', () => signToken({ aud: 'elsewhere' }), /aud claim/],
  ])('refuses %s, saying why', async (_what, token, why) => {
    const error = (await outcome(track(open(t.url, { token: await token() })))) as ConnectError;
    expect(error.message).toMatch(/^invalid token: /);
    expect(error.data).toEqual({ code: 'invalid_token', description: expect.stringMatching(why) });
  });

  it('refuses a token that is not a string', async () => {
    const error = (await outcome(track(open(t.url, { token: 42 })))) as ConnectError;
    expect(error.data).toEqual({ code: 'auth_required' });
  });

  it("accepts a valid token; a change's user_update names the subject of the token that made it", async () => {
    const socket = track(open(t.url, { token: await signToken({ sub: 'watcher' }) }));
    expect(await outcome(socket)).toBe('connected');
    const update = new Promise((resolve) => socket.once('user_update', resolve));
    await request(t.url)
      .post('/api/users')
      .set(bearer(await signToken({ sub: 'alice' })))
      .set('X-Changed-By', 'Window 1')
      .send({ first_name: 'Grace', last_name: 'Hopper' })
      .expect(201);
    expect(await update).toMatchObject({ action: 'create', by: 'alice', user: { first_name: 'Grace' } });
  });

  it('tells a socket its token expired, then closes it', async () => {
    // exp is in whole seconds from the current second: a 1 s token signed late in a second can expire
    // before the handshake (seen once on a loaded machine); 2 s leaves at least one whole second.
    const socket = track(open(t.url, { token: await signToken({ ttl: 2 }) }));
    const events: string[] = [];
    const expired = new Promise<AuthExpiredMessage>((resolve) => socket.once('auth_expired', resolve));
    socket.on('auth_expired', () => events.push('auth_expired'));
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    socket.on('disconnect', () => events.push('disconnect'));
    expect(await outcome(socket)).toBe('connected');
    const message = await expired;
    expect(message).toEqual({ message: expect.stringContaining('new one as auth.token'), expired_at: expect.any(String) });
    expect(Date.parse(message.expired_at)).toBeLessThanOrEqual(Date.now());
    expect(await closed).toBe('io server disconnect');
    expect(events).toEqual(['auth_expired', 'disconnect']);
  });
});

describe('socket.io with authentication off', () => {
  const t = testAppSuite();

  it('connects without a token, as before', async () => {
    const socket = open(t.url);
    try {
      expect(await outcome(socket)).toBe('connected');
    } finally {
      socket.close();
    }
  });
});
