import request from 'supertest';
import { startTestApp, testAppSuite } from './helpers/app';
import { createUser, getUser, WireUser } from './helpers/factories';

/** Every row of the contract's REST table, with and without the trailing slash. */
describe('users REST API', () => {
  const t = testAppSuite();

  const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

  describe('POST /api/users', () => {
    it.each(['/api/users', '/api/users/'])('creates a user at %s with 201, Location and ETag', async (path) => {
      const response = await request(t.url).post(path).send({ first_name: 'John', last_name: 'Doe' }).expect(201);
      const user = response.body as WireUser;
      expect(Object.keys(user).sort()).toEqual(['created_at', 'first_name', 'id', 'last_name', 'updated_at', 'version']);
      expect(user).toMatchObject({ first_name: 'John', last_name: 'Doe', version: 1 });
      expect(user.created_at).toMatch(ISO);
      expect(user.updated_at).toMatch(ISO);
      expect(response.headers.location).toBe(`/api/users/${user.id}`);
      expect(response.headers.etag).toBe('"1"');
      expect(response.headers['content-type']).toMatch(/application\/json/);
      await request(t.url).get(response.headers.location).expect(200, user);
    });

    it('keeps empty names and surrounding whitespace as typed', async () => {
      const user = await createUser(t.url, { first_name: '', last_name: '  spaced  ' });
      expect(await getUser(t.url, user.id)).toMatchObject({ first_name: '', last_name: '  spaced  ' });
    });

    it('accepts names of exactly 150 characters, counting characters not bytes', async () => {
      const user = await createUser(t.url, { first_name: 'é'.repeat(150), last_name: 'x'.repeat(150) });
      expect(user.first_name).toHaveLength(150);
    });
  });

  describe('GET /api/users/:id', () => {
    it.each(['', '/'])('returns the user with its ETag (suffix "%s")', async (suffix) => {
      const user = await createUser(t.url);
      const response = await request(t.url).get(`/api/users/${user.id}${suffix}`).expect(200);
      expect(response.body).toEqual(user);
      expect(response.headers.etag).toBe('"1"');
    });

    it('answers 304 to If-None-Match with the current version', async () => {
      const user = await createUser(t.url);
      await request(t.url).get(`/api/users/${user.id}`).set('If-None-Match', '"1"').expect(304);
      await request(t.url).get(`/api/users/${user.id}`).set('If-None-Match', '"7"').expect(200);
      // If-None-Match compares weakly (RFC 9110 13.1.2): a weak tag of the current version matches too.
      await request(t.url).get(`/api/users/${user.id}`).set('If-None-Match', 'W/"1"').expect(304);
      await request(t.url).get(`/api/users/${user.id}`).set('If-None-Match', 'W/"7", W/"1"').expect(304);
      await request(t.url).get(`/api/users/${user.id}`).set('If-None-Match', 'W/"7"').expect(200);
    });

    it('404s an id that does not exist, in JSON', async () => {
      const response = await request(t.url).get('/api/users/987654').expect(404);
      expect(response.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'user 987654 not found' });
    });

    it.each(['abc', '0', '-1', '1.5', '01', '1e3', '%20'])('400s the id %s', async (id) => {
      const response = await request(t.url).get(`/api/users/${id}`).expect(400);
      expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'id must be a positive integer' });
    });
  });

  describe('PATCH /api/users/:id', () => {
    it("works unchanged with the seed's curl example (trailing slash, one field)", async () => {
      const user = await createUser(t.url, { first_name: 'John', last_name: 'Doe' });
      const response = await request(t.url)
        .patch(`/api/users/${user.id}/`)
        .set('Content-Type', 'application/json')
        .send('{"first_name":"TestName"}')
        .expect(200);
      expect(response.body).toMatchObject({ id: user.id, first_name: 'TestName', last_name: 'Doe', version: 2 });
      expect(response.headers.etag).toBe('"2"');
      expect(await getUser(t.url, user.id)).toEqual(response.body);
    });

    it('changes both fields at once and keeps created_at', async () => {
      const user = await createUser(t.url);
      const { body } = await request(t.url).patch(`/api/users/${user.id}`).send({ first_name: 'A', last_name: 'B' }).expect(200);
      expect(body).toMatchObject({ first_name: 'A', last_name: 'B', version: 2, created_at: user.created_at });
      expect(Date.parse(body.updated_at)).toBeGreaterThanOrEqual(Date.parse(user.updated_at));
    });

    it('accepts a clearing edit (empty string)', async () => {
      const user = await createUser(t.url);
      await request(t.url).patch(`/api/users/${user.id}`).send({ last_name: '' }).expect(200);
      expect((await getUser(t.url, user.id)).last_name).toBe('');
    });

    it('applies a PATCH whose If-Match names the current version, and 412s an older one', async () => {
      const user = await createUser(t.url);
      await request(t.url).patch(`/api/users/${user.id}`).set('If-Match', '"1"').send({ first_name: 'v2' }).expect(200);
      const stale = await request(t.url)
        .patch(`/api/users/${user.id}`)
        .set('If-Match', '"1"')
        .send({ first_name: 'lost' })
        .expect(412);
      expect(stale.body).toMatchObject({ statusCode: 412, error: 'Precondition Failed' });
      expect(await getUser(t.url, user.id)).toMatchObject({ first_name: 'v2', version: 2 });
      await request(t.url).patch(`/api/users/${user.id}`).set('If-Match', '*').send({ first_name: 'v3' }).expect(200);
      await request(t.url).patch(`/api/users/${user.id}`).set('If-Match', 'W/"3"').send({ first_name: 'x' }).expect(412);
    });

    it('404s an unknown user and changes nothing', async () => {
      await request(t.url).patch('/api/users/987654').send({ first_name: 'x' }).expect(404);
      await request(t.url).get('/api/users/987654').expect(404);
    });

    it('415s a body that is not JSON', async () => {
      const user = await createUser(t.url);
      const response = await request(t.url)
        .patch(`/api/users/${user.id}`)
        .set('Content-Type', 'text/plain')
        .send('first_name=x')
        .expect(415);
      expect(response.body).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
      expect(await getUser(t.url, user.id)).toEqual(user);
    });
  });

  describe('DELETE /api/users/:id', () => {
    it.each(['', '/'])('deletes with 204 and no body (suffix "%s"), then 404s', async (suffix) => {
      const user = await createUser(t.url);
      const response = await request(t.url).delete(`/api/users/${user.id}${suffix}`).expect(204);
      expect(response.text).toBe('');
      await request(t.url).get(`/api/users/${user.id}`).expect(404);
      await request(t.url).delete(`/api/users/${user.id}`).expect(404);
    });

    it('400s a bad id', async () => {
      await request(t.url).delete('/api/users/abc').expect(400);
    });
  });
});

describe('GET /api/users (list)', () => {
  const t = testAppSuite();
  let users: WireUser[];

  beforeAll(async () => {
    users = [];
    for (const [first_name, last_name] of [
      ['John', 'Doe'],
      ['Jane', 'Smith'],
      ['Bob', 'Johnson'],
      ['Alice', 'Brown'],
      ['100%', 'under_score'],
    ]) {
      users.push(await createUser(t.url, { first_name, last_name }));
    }
  });

  it.each(['/api/users', '/api/users/'])('lists every user ordered by id with X-Total-Count (%s)', async (path) => {
    const response = await request(t.url).get(path).expect(200);
    expect(response.body).toEqual(users);
    expect(response.headers['x-total-count']).toBe('5');
  });

  it('pages with limit and offset; the total stays the full count', async () => {
    const response = await request(t.url).get('/api/users?limit=2&offset=1').expect(200);
    expect(response.body).toEqual(users.slice(1, 3));
    expect(response.headers['x-total-count']).toBe('5');
    const past = await request(t.url).get('/api/users?offset=10').expect(200);
    expect(past.body).toEqual([]);
  });

  it('defaults to 100 and allows up to 500', async () => {
    const many = await startTestApp();
    try {
      await Promise.all(Array.from({ length: 120 }, () => createUser(many.url)));
      const byDefault = await request(many.url).get('/api/users').expect(200);
      expect(byDefault.body).toHaveLength(100);
      expect(byDefault.headers['x-total-count']).toBe('120');
      const ids = (byDefault.body as WireUser[]).map((user) => user.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      await request(many.url).get('/api/users?limit=500').expect(200);
    } finally {
      await many.close();
    }
  });

  it('searches a substring of either name, case-insensitively, with the total of matches', async () => {
    const response = await request(t.url).get('/api/users?search=john').expect(200);
    expect((response.body as WireUser[]).map((user) => user.id)).toEqual([users[0].id, users[2].id]);
    expect(response.headers['x-total-count']).toBe('2');
    const byLast = await request(t.url).get('/api/users?search=mit').expect(200);
    expect((byLast.body as WireUser[]).map((user) => user.id)).toEqual([users[1].id]);
  });

  it('treats % and _ in a search as plain characters', async () => {
    expect((await request(t.url).get('/api/users?search=%25').expect(200)).body).toEqual([users[4]]);
    expect((await request(t.url).get('/api/users?search=_').expect(200)).body).toEqual([users[4]]);
  });

  it('refuses a search with a NUL character with 400 (PostgreSQL cannot take one; found by the fuzz)', async () => {
    const response = await request(t.url).get("/api/users?search=%5Ba-z%5D%00'").expect(400);
    expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: ['search must not contain NUL characters'] });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=-1', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=x', 'offset'],
    ['limit=1&limit=2', 'limit'],
    ['search=' + 'x'.repeat(151), 'search'],
    ['sort=name', 'sort'],
  ])('400s the bad query %s, naming %s', async (query, field) => {
    const response = await request(t.url).get(`/api/users?${query}`).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(JSON.stringify(response.body.message)).toContain(field);
  });
});

describe('static windows', () => {
  const t = testAppSuite();

  it.each(['/', '/window1.html', '/window2.html', '/socket.io/socket.io.js'])('serves %s', async (path) => {
    await request(t.url).get(path).expect(200);
  });

  it('answers an unknown path with a JSON 404', async () => {
    const response = await request(t.url).get('/api/nothing').expect(404);
    expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
