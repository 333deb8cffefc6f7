import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../src/database';
import { validateEnvironment } from '../src/config';
import { createTestDatabase, startTestApp, TEST_DB } from './helpers/app';
import { createUser, getUser } from './helpers/factories';

describe('a file database', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'persistence-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps users, versions and ids across an app restart (${TEST_DB})`, async () => {
    // One database for both apps, held by the test: a SQLite file in a folder the app creates, or a PostgreSQL database.
    const database = await createTestDatabase({ sqliteFile: join('nested', 'app.sqlite') });
    try {
      const first = await startTestApp({ env: database.env });
      const user = await createUser(first.url, { first_name: 'Persist', last_name: 'Me' });
      const patched = (await request(first.url).patch(`/api/users/${user.id}`).send({ last_name: 'Kept' }).expect(200)).body;
      await first.close();

      const second = await startTestApp({ env: database.env });
      try {
        expect(await getUser(second.url, user.id)).toEqual(patched);
        const next = await createUser(second.url);
        expect(next.id).toBeGreaterThan(user.id);
      } finally {
        await second.close();
      }
    } finally {
      await database.dispose();
    }
  });

  (TEST_DB === 'sqlite' ? it : it.skip)(
    'syncs every commit to disk by default (DB_SYNCHRONOUS=full), at checkpoints with normal',
    async () => {
      for (const [setting, expected] of [
        [undefined, 2],
        ['normal', 1],
        ['full', 2],
      ] as const) {
        const app = await startTestApp({ env: setting ? { DB_SYNCHRONOUS: setting } : {} });
        try {
          expect(await app.dataSource.query('PRAGMA synchronous')).toEqual([{ synchronous: expected }]);
        } finally {
          await app.close();
        }
      }
    },
  );

  // Inspects the SQLite file itself; on PostgreSQL the restart test above is what applies.
  (TEST_DB === 'sqlite' ? it : it.skip)(
    'is created by the migrations (never synchronize), in WAL mode, and the migrations run once',
    async () => {
      const path = join(dir, 'app.sqlite');
      const app = await startTestApp({ env: { DB_PATH: path } });
      await app.close();
      const again = await startTestApp({ env: { DB_PATH: path } });
      await again.close();

      const dataSource = new DataSource(buildDataSourceOptions(validateEnvironment({ DB_PATH: path })));
      await dataSource.initialize();
      try {
        const applied = await dataSource.query<{ name: string }[]>('SELECT name FROM migrations');
        expect(applied.map((row) => row.name)).toEqual(['CreateUsers1764100000000', 'CreateUserChanges1764300000000']);
        expect(await dataSource.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
        expect(await dataSource.showMigrations()).toBe(false);
        // The entity and the migrated schema agree: migration:generate would find nothing to do.
        const pending = await dataSource.driver.createSchemaBuilder().log();
        expect(pending.upQueries.map((query) => query.query)).toEqual([]);
      } finally {
        await dataSource.destroy();
      }
    },
  );
});
