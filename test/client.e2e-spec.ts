import { createClient, versionTag } from '../client';
import type { ApiClient } from '../client';
import { testAppSuite } from './helpers/app';

/*
 * The typed client of client/ (openapi-fetch over the generated schema), used
 * as a script or another service would use it: create a user, change it under
 * If-Match, lose a race, read its history. The compiler checks every path,
 * parameter and body here against the document.
 */
describe('the typed client (client/)', () => {
  const t = testAppSuite();
  let api: ApiClient;

  beforeAll(() => {
    api = createClient({ baseUrl: t.url, headers: { 'X-Changed-By': 'client test' } });
  });

  it('creates, patches under If-Match, is refused a stale version, and reads the history', async () => {
    const created = await api.POST('/api/users', { body: { first_name: 'Ada', last_name: 'Byron' } });
    expect(created.response.status).toBe(201);
    if (!created.data) throw new Error(`create failed: ${JSON.stringify(created.error)}`);
    const { id, version } = created.data;
    expect(created.response.headers.get('Location')).toBe(`/api/users/${id}`);
    expect(created.response.headers.get('ETag')).toBe(versionTag(version));

    const patched = await api.PATCH('/api/users/{id}', {
      params: { path: { id }, header: { 'If-Match': versionTag(version) } },
      body: { last_name: 'Lovelace' },
    });
    expect(patched.data).toEqual(expect.objectContaining({ id, first_name: 'Ada', last_name: 'Lovelace', version: version + 1 }));

    const stale = await api.PATCH('/api/users/{id}', {
      params: { path: { id }, header: { 'If-Match': versionTag(version) } },
      body: { first_name: 'Augusta' },
    });
    expect(stale.response.status).toBe(412);
    expect(stale.error).toEqual({
      statusCode: 412,
      error: 'Precondition Failed',
      message: expect.stringContaining(`version ${version + 1}`) as string,
    });

    const history = await api.GET('/api/users/{id}/history', { params: { path: { id }, query: { limit: 10 } } });
    expect(history.data?.map((change) => [change.action, change.version, change.changes, change.by])).toEqual([
      ['update', version + 1, { last_name: { from: 'Byron', to: 'Lovelace' } }, 'client test'],
      ['create', version, { first_name: { from: null, to: 'Ada' }, last_name: { from: null, to: 'Byron' } }, 'client test'],
    ]);
  });

  it('reads a page of users with its total, and answers a bad query with the error shape', async () => {
    const page = await api.GET('/api/users', { params: { query: { limit: 1 } } });
    expect(page.data).toHaveLength(1);
    expect(Number(page.response.headers.get('X-Total-Count'))).toBeGreaterThanOrEqual(1);

    const refused = await api.GET('/api/changes', { params: { query: { since: -1 } } });
    expect(refused.response.status).toBe(400);
    expect(refused.error?.message).toEqual(['since must be an integer from 0 to 2147483647']);
  });
});
