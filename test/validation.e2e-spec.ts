import request from 'supertest';
import { testAppSuite } from './helpers/app';
import { createUser, getUser, WireUser } from './helpers/factories';

/**
 * Every bad input the contract lists: refused with the right 4xx, in the
 * error shape, with a message naming the field, and nothing changed.
 */
describe('refused input', () => {
  const t = testAppSuite();
  let user: WireUser;

  beforeEach(async () => {
    user = await createUser(t.url, { first_name: 'Keep', last_name: 'Me' });
  });

  async function expectUnchanged(): Promise<void> {
    expect(await getUser(t.url, user.id)).toEqual(user);
    const { body } = await request(t.url).get('/api/users?search=should-not-exist').expect(200);
    expect(body).toEqual([]);
  }

  function expectErrorBody(body: unknown, status: number, mentions: string): void {
    expect(body).toEqual({ statusCode: status, error: expect.any(String), message: expect.anything() });
    const text = JSON.stringify((body as { message: unknown }).message);
    expect(text).toContain(mentions);
    // Never a stack trace or a file path.
    expect(text).not.toMatch(/\s+at \S+ \(|\/src\/|\.ts:\d|node_modules/);
  }

  const PATCH_CASES: [string, unknown, string][] = [
    ['an unknown field', { first_name: 'x', email: 'a@b.c' }, 'email'],
    ['only an unknown field', { nickname: 'x' }, 'nickname'],
    ['a number for a name', { first_name: 42 }, 'first_name'],
    ['null for a name', { last_name: null }, 'last_name'],
    ['an object for a name', { first_name: { a: 1 } }, 'first_name'],
    ['an array for a name', { first_name: ['a'] }, 'first_name'],
    ['a boolean for a name', { last_name: true }, 'last_name'],
    ['a 151-character name', { first_name: 'x'.repeat(151) }, 'first_name'],
    ['a NUL character', { last_name: 'a\u0000b' }, 'last_name'],
    ['an empty body', {}, 'first_name'],
    ['an id in the body', { id: 99, first_name: 'x' }, 'id'],
    ['a version in the body', { version: 99 }, 'version'],
    ['a __proto__ key', JSON.parse('{"__proto__": {"x": 1}, "first_name": "x"}'), '__proto__'],
    ['a constructor key', { constructor: { x: 1 } }, 'constructor'],
    ['a key named like a DTO method', { toChanges: 'x', toNewUser: 'x' }, 'toChanges'],
  ];

  it.each(PATCH_CASES)('PATCH with %s: 400 naming the field, nothing changed', async (_case, body, field) => {
    const response = await request(t.url)
      .patch(`/api/users/${user.id}`)
      .send(body as object)
      .expect(400);
    expectErrorBody(response.body, 400, field);
    await expectUnchanged();
  });

  it.each(PATCH_CASES.filter(([name]) => name !== 'an empty body'))(
    'POST with %s: 400 naming the field, nothing created',
    async (_case, body, field) => {
      const payload = { first_name: 'should-not-exist', last_name: 'should-not-exist', ...(body as object) };
      const response = await request(t.url).post('/api/users').send(payload).expect(400);
      expectErrorBody(response.body, 400, field);
      await expectUnchanged();
    },
  );

  it.each([
    ['first_name', { last_name: 'should-not-exist' }],
    ['last_name', { first_name: 'should-not-exist' }],
  ])('POST without %s: 400 naming it', async (field, body) => {
    const response = await request(t.url).post('/api/users').send(body).expect(400);
    expectErrorBody(response.body, 400, field);
    await expectUnchanged();
  });

  it.each([
    ['PATCH', 'patch'],
    ['POST', 'post'],
  ] as const)('%s with malformed JSON: a JSON 400, not an HTML page', async (_name, method) => {
    const path = method === 'patch' ? `/api/users/${user.id}` : '/api/users';
    const response = await request(t.url)[method](path).set('Content-Type', 'application/json').send('{"first_name": "x",');
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expectErrorBody(response.body, 400, 'JSON');
    await expectUnchanged();
  });

  it.each([
    ['an array', '[{"first_name":"x"}]'],
    ['a string', '"x"'],
    ['a number', '1'],
    ['null', 'null'],
  ])('PATCH with %s as the body: 400', async (_case, raw) => {
    const response = await request(t.url).patch(`/api/users/${user.id}`).set('Content-Type', 'application/json').send(raw);
    expect(response.status).toBe(400);
    expectErrorBody(response.body, 400, 'body');
    await expectUnchanged();
  });

  it.each([
    ['PATCH', 'patch', 413],
    ['POST', 'post', 413],
  ] as const)('%s with a body over 16 KiB: 413 in JSON', async (_name, method, status) => {
    const path = method === 'patch' ? `/api/users/${user.id}` : '/api/users';
    const body = JSON.stringify({ first_name: 'x', last_name: 'y'.repeat(17 * 1024) });
    const response = await request(t.url)[method](path).set('Content-Type', 'application/json').send(body);
    expect(response.status).toBe(status);
    expectErrorBody(response.body, status, 'body');
    await expectUnchanged();
  });

  it('accepts a body just under 16 KiB up to validation (then refuses the long name)', async () => {
    const body = JSON.stringify({ first_name: 'z'.repeat(16 * 1024 - 40) });
    const response = await request(t.url).patch(`/api/users/${user.id}`).set('Content-Type', 'application/json').send(body);
    expect(response.status).toBe(400);
    expectErrorBody(response.body, 400, 'first_name');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'PATCH sent as %s: 415',
    async (type) => {
      const response = await request(t.url).patch(`/api/users/${user.id}`).set('Content-Type', type).send('first_name=x');
      expect(response.status).toBe(415);
      expectErrorBody(response.body, 415, 'Content-Type');
      await expectUnchanged();
    },
  );

  it('POST sent as a form: 415, nothing created', async () => {
    const response = await request(t.url)
      .post('/api/users')
      .type('form')
      .send({ first_name: 'should-not-exist', last_name: 'should-not-exist' });
    expect(response.status).toBe(415);
    expectErrorBody(response.body, 415, 'Content-Type');
    await expectUnchanged();
  });

  it.each(['abc', '0', '-3', '2.5'])('PATCH and DELETE of id %s: 400 naming id', async (id) => {
    for (const method of ['patch', 'delete'] as const) {
      const response = await request(t.url)[method](`/api/users/${id}`).send({ first_name: 'x' });
      expect(response.status).toBe(400);
      expectErrorBody(response.body, 400, 'id');
    }
    await expectUnchanged();
  });
});
