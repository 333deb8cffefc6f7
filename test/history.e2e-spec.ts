import request from 'supertest';
import type { UserChangeResponse } from '../src/users/user.response';
import { startTestApp, TEST_DB, TestApp } from './helpers/app';
import { createUser } from './helpers/factories';

/** A GET of the change history or feed, typed. */
async function changesAt(url: string, path: string): Promise<UserChangeResponse[]> {
  return (await request(url).get(path).expect(200)).body as UserChangeResponse[];
}

/** The durable change history: every committed write has exactly one record, written with it. */
describe('the change history', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function patch(id: number, body: object, by?: string): Promise<request.Response> {
    const req = request(t.url).patch(`/api/users/${id}`);
    if (by !== undefined) req.set('X-Changed-By', by);
    return req.send(body).expect(200);
  }

  it('records create, each update (the fields that changed, from and to) and delete, newest first, also after the delete', async () => {
    const created = (
      await request(t.url)
        .post('/api/users')
        .set('X-Changed-By', 'Window 1')
        .set('X-Request-Id', 'req-create-1')
        .send({ first_name: 'Ann', last_name: 'Lee' })
        .expect(201)
    ).body;
    await patch(created.id, { first_name: 'Anna' }, 'Window 1');
    await patch(created.id, { last_name: 'Li', first_name: 'Anna' }, 'Window 2');
    await request(t.url).delete(`/api/users/${created.id}`).set('X-Changed-By', 'script').expect(204);

    const history = await changesAt(t.url, `/api/users/${created.id}/history`);
    expect(history.map((change: { action: string }) => change.action)).toEqual(['delete', 'update', 'update', 'create']);
    const [deleted, second, first, create] = history;
    expect(create).toMatchObject({
      user_id: created.id,
      version: 1,
      by: 'Window 1',
      request_id: 'req-create-1',
      changes: { first_name: { from: null, to: 'Ann' }, last_name: { from: null, to: 'Lee' } },
      user: created,
    });
    expect(first).toMatchObject({ version: 2, by: 'Window 1', changes: { first_name: { from: 'Ann', to: 'Anna' } } });
    // Only the fields whose value changed, though the PATCH named both.
    expect(second).toMatchObject({ version: 3, by: 'Window 2', changes: { last_name: { from: 'Lee', to: 'Li' } } });
    expect(Object.keys(second.changes)).toEqual(['last_name']);
    // A delete is one version past the last, and holds the user as it was.
    expect(deleted).toMatchObject({
      version: 4,
      by: 'script',
      changes: { first_name: { from: 'Anna', to: null }, last_name: { from: 'Li', to: null } },
      user: { id: created.id, first_name: 'Anna', last_name: 'Li', version: 3 },
    });
    expect(history.map((change: { seq: number }) => change.seq)).toEqual(
      [...history.map((change: { seq: number }) => change.seq)].sort((a, b) => b - a),
    );
    for (const change of history) expect(Date.parse(change.at)).not.toBeNaN();
    // Every record has a request id: the client's when sane, one of the server's otherwise.
    expect(first.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('pages back through a user’s history with before=', async () => {
    const user = await createUser(t.url);
    for (let i = 0; i < 5; i += 1) await patch(user.id, { first_name: `v${i}` });
    const newest = await changesAt(t.url, `/api/users/${user.id}/history?limit=2`);
    expect(newest.map((change: { version: number }) => change.version)).toEqual([6, 5]);
    const older = await changesAt(t.url, `/api/users/${user.id}/history?limit=2&before=${newest[1].seq}`);
    expect(older.map((change: { version: number }) => change.version)).toEqual([4, 3]);
    const rest = await changesAt(t.url, `/api/users/${user.id}/history?before=${older[1].seq}`);
    expect(rest.map((change: { version: number }) => change.version)).toEqual([2, 1]);
  });

  it('feeds every change in sequence order, without gaps, paged with since=', async () => {
    const before = await changesAt(t.url, '/api/changes?since=0&limit=1000');
    const since = before.at(-1)?.seq ?? 0;
    const a = await createUser(t.url);
    const b = await createUser(t.url);
    await patch(a.id, { last_name: 'x' });
    await request(t.url).delete(`/api/users/${b.id}`).expect(204);

    const feed = await changesAt(t.url, `/api/changes?since=${since}`);
    expect(feed.map((change: { seq: number }) => change.seq)).toEqual([since + 1, since + 2, since + 3, since + 4]);
    expect(feed.map((change: { action: string; user_id: number }) => [change.action, change.user_id])).toEqual([
      ['create', a.id],
      ['create', b.id],
      ['update', a.id],
      ['delete', b.id],
    ]);
    const page = await changesAt(t.url, `/api/changes?since=${since + 1}&limit=2`);
    expect(page.map((change: { seq: number }) => change.seq)).toEqual([since + 2, since + 3]);
    // Sequence numbers are the events' too.
    expect(feed[0].user).toEqual(a);
  });

  it('records nothing for refused writes', async () => {
    const user = await createUser(t.url);
    const before = await changesAt(t.url, '/api/changes?since=0&limit=1000');
    await request(t.url).patch(`/api/users/${user.id}`).send({ first_name: 5 }).expect(400);
    await request(t.url).patch(`/api/users/${user.id}`).set('If-Match', '"9"').send({ first_name: 'x' }).expect(412);
    await request(t.url).patch('/api/users/999999').send({ first_name: 'x' }).expect(404);
    await request(t.url).delete('/api/users/999999').expect(404);
    const after = await changesAt(t.url, '/api/changes?since=0&limit=1000');
    expect(after).toEqual(before);
  });

  it.each([
    ['a control character', 'Window\t1'],
    ['a label over 64 characters', 'w'.repeat(65)],
  ])('refuses an X-Changed-By with %s, changing nothing', async (_, label) => {
    const user = await createUser(t.url);
    const response = await request(t.url)
      .patch(`/api/users/${user.id}`)
      .set('X-Changed-By', label)
      .send({ first_name: 'x' })
      .expect(400);
    expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining('X-Changed-By') });
    expect((await request(t.url).get(`/api/users/${user.id}`).expect(200)).body.version).toBe(1);
  });

  it('404s the history of an id that never existed, and 400s malformed ids, cursors and limits', async () => {
    const missing = await request(t.url).get('/api/users/987654/history').expect(404);
    expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    for (const path of [
      '/api/users/2147483648/history',
      '/api/users/abc/history',
      '/api/users/0/history',
      '/api/users/1/history?limit=0',
      '/api/users/1/history?limit=501',
      '/api/users/1/history?before=0',
      '/api/users/1/history?before=-1',
      '/api/users/1/history?before=1e3',
      '/api/users/1/history?before=9223372036854775808',
      '/api/changes?since=-1',
      '/api/changes?since=abc',
      '/api/changes?since=9223372036854775808',
      '/api/changes?limit=1001',
      '/api/changes?limit=0',
    ]) {
      const response = await request(t.url).get(path).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
  });
});

/**
 * No change without its record and no record without its change: a record
 * that cannot be written takes the write down with it, on either database.
 */
describe('a change and its record are one', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function refuseRecords(): Promise<void> {
    if (TEST_DB === 'postgres') {
      await t.dataSource.query(
        `CREATE FUNCTION refuse_record() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'record refused'; END $$ LANGUAGE plpgsql`,
      );
      await t.dataSource.query(
        'CREATE TRIGGER refuse_record BEFORE INSERT ON user_changes FOR EACH ROW EXECUTE FUNCTION refuse_record()',
      );
    } else {
      await t.dataSource.query(
        `CREATE TRIGGER refuse_record BEFORE INSERT ON user_changes BEGIN SELECT RAISE(ABORT, 'record refused'); END`,
      );
    }
  }

  it('rolls back the create, the update and the delete whose record fails', async () => {
    const user = await createUser(t.url, { first_name: 'Kept', last_name: 'As is' });
    const [{ seq: head }] = await t.dataSource.query('SELECT seq FROM change_counter');
    await refuseRecords();

    await request(t.url).post('/api/users').send({ first_name: 'Never', last_name: 'Stored' }).expect(500);
    await request(t.url).patch(`/api/users/${user.id}`).send({ first_name: 'Lost' }).expect(500);
    await request(t.url).delete(`/api/users/${user.id}`).expect(500);

    expect((await request(t.url).get(`/api/users/${user.id}`).expect(200)).body).toEqual(user);
    expect((await request(t.url).get('/api/users').expect(200)).body).toEqual([user]);
    expect(await t.dataSource.query('SELECT seq FROM change_counter')).toEqual([{ seq: head }]);
    expect((await t.dataSource.query('SELECT COUNT(*) AS n FROM user_changes'))[0].n).toEqual(TEST_DB === 'postgres' ? '1' : 1);
  });
});
