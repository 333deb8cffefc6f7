import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServerExpectingExit, startServerProcess } from './helpers/server-process';
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
      expect(server.child.exitCode ?? server.child.signalCode).not.toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
