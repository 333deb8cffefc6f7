import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TEST_DB } from './helpers/app';
import { runServerExpectingExit, ServerProcess, startServerProcess } from './helpers/server-process';
import { createUser, getUser } from './helpers/factories';

/** The built server, started as `npm start` does. */
describe('server start', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ DB_TYPE: 'mysql' }, 'DB_TYPE'],
    [{ DB_TYPE: 'postgres' }, 'DATABASE_URL'],
    [{ DB_TPYE: 'postgres' }, 'DB_TPYE'],
    [{ REDIS_URL: 'http://localhost' }, 'REDIS_URL'],
  ])('with %j stops at once, exit 1, one line naming %s', async (env, variable) => {
    const { code, output } = await runServerExpectingExit({ DB_PATH: ':memory:', ...env });
    expect(code).toBe(1);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
  });

  it('creates the database file and its folder, and serves from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'startup-'));
    try {
      const path = join(dir, 'deeper', 'app.sqlite');
      const server = await startServerProcess({ DB_PATH: path });
      try {
        const user = await createUser(server.url);
        expect((await getUser(server.url, user.id)).first_name).toBe(user.first_name);
      } finally {
        await server.stop();
      }
      expect(server.exitStatus()).not.toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`three instances starting at once on an empty ${TEST_DB} database all start and share one schema`, async () => {
    const database = await createTestDatabase();
    const started: ServerProcess[] = [];
    try {
      const results = await Promise.allSettled([1, 2, 3].map(() => startServerProcess(database.env)));
      for (const result of results) if (result.status === 'fulfilled') started.push(result.value);
      expect(results.map((result) => (result.status === 'rejected' ? String(result.reason) : 'started'))).toEqual([
        'started',
        'started',
        'started',
      ]);
      const user = await createUser(started[0].url);
      for (const server of started) expect(await getUser(server.url, user.id)).toEqual(user);
    } finally {
      await Promise.all(started.map((server) => server.stop()));
      await database.dispose();
    }
  });

  it('names DATABASE_URL in its one line when PostgreSQL cannot be reached', async () => {
    const { code, output } = await runServerExpectingExit({
      DB_TYPE: 'postgres',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing',
    });
    expect(code).toBe(1);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('DATABASE_URL');
  });
});
