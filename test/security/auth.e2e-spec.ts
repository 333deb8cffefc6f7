import request from 'supertest';
import { testAppSuite } from '../helpers/app';
import { bearer, HS256_ENV, signToken, TEST_SECRET, unsignedToken } from '../helpers/auth';

/*
 * Bearer authentication over HTTP (HS256 with AUTH_JWT_SECRET): writes need a
 * valid token, reads stay open unless AUTH_PROTECT_READS, /health and the
 * windows' files always do; refusals are 401 with an RFC 6750 challenge and
 * the usual JSON error body; the token's subject is who made the change.
 */

const CHALLENGE = 'Bearer realm="realtime-users"';

async function userCount(url: string): Promise<number> {
  const response = await request(url)
    .get('/api/users?limit=1')
    .set(bearer(await signToken()))
    .expect(200);
  return Number(response.headers['x-total-count']);
}

describe('authentication off (the default)', () => {
  const t = testAppSuite();

  it('writes need no token, and an Authorization header is ignored', async () => {
    await request(t.url).post('/api/users').send({ first_name: 'A', last_name: 'B' }).expect(201);
    await request(t.url)
      .post('/api/users')
      .set('Authorization', 'Bearer nonsense')
      .send({ first_name: 'A', last_name: 'B' })
      .expect(201);
  });
});

describe('authentication on, reads open', () => {
  const t = testAppSuite({ env: HS256_ENV });

  it.each([
    ['POST', '/api/users'],
    ['PATCH', '/api/users/1'],
    ['DELETE', '/api/users/1'],
  ])('%s %s without a token: 401, a challenge with no error code, a JSON body, nothing changed', async (method, path) => {
    const user = await request(t.url)
      .post('/api/users')
      .set(bearer(await signToken()))
      .send({ first_name: 'Kept', last_name: 'As is' })
      .expect(201);
    const before = await userCount(t.url);
    const target = path.replace('/1', `/${(user.body as { id: number }).id}`);
    const agent = request(t.url);
    const verb = method.toLowerCase() as 'post' | 'patch' | 'delete';
    const response = await agent[verb](target).send({ first_name: 'Changed', last_name: 'By nobody' }).expect(401);
    expect(response.headers['www-authenticate']).toBe(CHALLENGE);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: expect.stringContaining('bearer token is required'),
    });
    expect(await userCount(t.url)).toBe(before);
    const after = await request(t.url)
      .get(`/api/users/${(user.body as { id: number }).id}`)
      .expect(200);
    expect(after.body).toMatchObject({ first_name: 'Kept', version: 1 });
  });

  it('reads, /health and the windows need no token', async () => {
    await request(t.url).get('/api/users').expect(200);
    await request(t.url).get('/api/changes').expect(200);
    await request(t.url).get('/health').expect(200);
    await request(t.url).get('/').expect(200);
    await request(t.url).get('/window1.html').expect(200);
  });

  it('accepts a valid HS256 token; its subject is who made the change, whatever X-Changed-By says', async () => {
    const created = await request(t.url)
      .post('/api/users')
      .set(bearer(await signToken({ sub: 'alice' })))
      .set('X-Changed-By', 'bob')
      .send({ first_name: 'Ada', last_name: 'Lovelace' })
      .expect(201);
    const id = (created.body as { id: number }).id;
    await request(t.url)
      .patch(`/api/users/${id}`)
      .set(bearer(await signToken({ sub: 'carol@example.org' })))
      .set('X-Changed-By', 'alice')
      .send({ first_name: 'Augusta' })
      .expect(200);
    const history = await request(t.url).get(`/api/users/${id}/history`).expect(200);
    expect((history.body as { by: string }[]).map((change) => change.by)).toEqual(['carol@example.org', 'alice']);
  });

  it.each<[string, () => Promise<string> | string, RegExp]>([
    ['signed with another secret', () => signToken({ key: new TextEncoder().encode(`${TEST_SECRET}-other`) }), /signature/],
    ['expired', () => signToken({ ttl: -10 }), /expired at \d{4}-/],
    ['from another issuer', () => signToken({ iss: 'https://evil.example' }), /iss claim/],
    ['for another audience', () => signToken({ aud: 'another-app' }), /aud claim/],
    ['with alg: none', () => unsignedToken(), /algorithm/],
    ['signed with HS512', () => signToken({ alg: 'HS512' }), /algorithm/],
    ['without a subject', () => signToken({ sub: null }), /sub claim/],
    ['without an expiry', () => signToken({ ttl: null }), /exp claim/],
    ['with a subject longer than a change record holds', () => signToken({ sub: 'x'.repeat(101) }), /sub claim must be 1 to 100/],
    ['that is not a JWT', () => 'not.a.jwt', /malformed/],
  ])('refuses a token %s: 401 invalid_token with a description, nothing written', async (_what, token, description) => {
    const before = await userCount(t.url);
    const response = await request(t.url)
      .post('/api/users')
      .set(bearer(await token()))
      .send({ first_name: 'Not', last_name: 'Written' })
      .expect(401);
    const challenge = response.headers['www-authenticate'];
    expect(challenge).toMatch(/^Bearer realm="realtime-users", error="invalid_token", error_description="[^"\\]+"$/);
    expect(challenge).toMatch(description);
    expect(response.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(description) });
    expect(await userCount(t.url)).toBe(before);
  });

  it('refuses a bad token on a read too (a client learns at once that its token expired), never on /health', async () => {
    const expired = await signToken({ ttl: -1 });
    const response = await request(t.url).get('/api/users').set(bearer(expired)).expect(401);
    expect(response.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    await request(t.url).get('/health').set(bearer(expired)).expect(200);
  });

  it('treats "Bearer" with no token as a bad token, and another scheme as no token', async () => {
    const empty = await request(t.url)
      .post('/api/users')
      .set('Authorization', 'Bearer')
      .send({ first_name: 'A', last_name: 'B' });
    expect(empty.status).toBe(401);
    expect(empty.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    const basic = await request(t.url)
      .post('/api/users')
      .set('Authorization', 'Basic YTpi')
      .send({ first_name: 'A', last_name: 'B' });
    expect(basic.status).toBe(401);
    expect(basic.headers['www-authenticate']).toBe(CHALLENGE);
    await request(t.url).get('/api/users').set('Authorization', 'Basic YTpi').expect(200);
  });
});

describe('authentication on, AUTH_PROTECT_READS=true', () => {
  const t = testAppSuite({ env: { ...HS256_ENV, AUTH_PROTECT_READS: 'true' } });

  it('reads need a token too; /health and the windows stay open', async () => {
    const response = await request(t.url).get('/api/users').expect(401);
    expect(response.headers['www-authenticate']).toBe(CHALLENGE);
    expect(response.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    await request(t.url).get('/api/changes').expect(401);
    await request(t.url)
      .get('/api/users')
      .set(bearer(await signToken()))
      .expect(200);
    await request(t.url).get('/health').expect(200);
    await request(t.url).get('/').expect(200);
    await request(t.url).get('/window2.html').expect(200);
  });

  it('lets a token holder write and read back', async () => {
    const user = await request(t.url)
      .post('/api/users')
      .set(bearer(await signToken()))
      .send({ first_name: 'A', last_name: 'B' })
      .expect(201);
    await request(t.url)
      .get(`/api/users/${(user.body as { id: number }).id}`)
      .set(bearer(await signToken()))
      .expect(200);
  });
});
