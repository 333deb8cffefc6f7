import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppExtras, AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { validateEnvironment } from '../../src/config';
import { createThrowawayDatabase, ThrowawayDatabase } from './postgres';

export type TestDbKind = 'sqlite' | 'postgres';

/**
 * The database the e2e suite runs on: SQLite by default, PostgreSQL with
 * TEST_DB=postgres (`npm run test:pg`), each test on a throwaway database of
 * its own on the TEST_PG_URL server (see postgres.ts).
 */
export const TEST_DB: TestDbKind = readTestDb();

function readTestDb(): TestDbKind {
  const value = process.env.TEST_DB ?? 'sqlite';
  if (value !== 'sqlite' && value !== 'postgres') throw new Error(`TEST_DB must be sqlite or postgres, not "${value}"`);
  return value;
}

export interface TestApp {
  app: NestExpressApplication;
  /** http://127.0.0.1:<port>, for supertest and socket.io clients alike. */
  url: string;
  dataSource: DataSource;
  close(): Promise<void>;
}

export interface TestAppOptions extends AppExtras {
  /**
   * Settings as environment variables; defaults to an in-memory SQLite
   * database. With TEST_DB=postgres, a test that names no DB_TYPE gets a
   * PostgreSQL database instead: a fresh one, or for a DB_PATH file the same
   * one every time that path is named in this test file, so restart tests
   * find their data again.
   */
  env?: Record<string, string>;
}

/**
 * The app in this process, configured by the same configureApp() as main.ts
 * and listening on a free port, so tests exercise what users run.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = await databaseFor(options.env);
  let app: NestExpressApplication | undefined;
  try {
    const env = validateEnvironment({
      DB_PATH: ':memory:',
      HOST: '127.0.0.1',
      PORT: '0',
      ...options.env,
      ...database.env,
    });
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(env, { imports: options.imports, entities: options.entities, migrations: options.migrations })],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error', 'warn'] });
    await configureApp(app);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    // A start that fails (e.g. Redis unreachable) must not leave a pool or a database behind.
    await app?.close().catch(() => undefined);
    await database.release();
    throw error;
  }
  const started = app;
  const { port } = started.getHttpServer().address() as AddressInfo;
  return {
    app: started,
    url: `http://127.0.0.1:${port}`,
    dataSource: started.get(DataSource),
    close: async () => {
      await started.close();
      await database.release();
    },
  };
}

export interface TestDatabase {
  kind: TestDbKind;
  /** Settings that point a server at it, in this process or as a separate one. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

/**
 * One database for several servers to share (e.g. two server processes): a
 * SQLite file in a temporary folder, or with TEST_DB=postgres a throwaway
 * PostgreSQL database.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (TEST_DB === 'postgres') {
    const database = await createThrowawayDatabase();
    return { kind: TEST_DB, env: postgresEnv(database), dispose: () => database.drop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'test-db-'));
  return {
    kind: TEST_DB,
    env: { DB_PATH: join(dir, 'app.sqlite') },
    dispose: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

interface DatabaseLease {
  env: Record<string, string>;
  release(): Promise<void>;
}

/** PostgreSQL databases standing in for SQLite files of this test file, by path; dropped after its last test. */
const databasesByPath = new Map<string, Promise<ThrowawayDatabase>>();

if (TEST_DB === 'postgres') {
  afterAll(async () => {
    const databases = [...databasesByPath.values()];
    databasesByPath.clear();
    for (const database of databases) await (await database).drop();
  });
}

async function databaseFor(env: Record<string, string> = {}): Promise<DatabaseLease> {
  if (TEST_DB !== 'postgres' || env.DB_TYPE !== undefined) return { env: {}, release: () => Promise.resolve() };
  const path = env.DB_PATH;
  if (path === undefined || path === ':memory:') {
    const database = await createThrowawayDatabase();
    return { env: postgresEnv(database), release: () => database.drop() };
  }
  let database = databasesByPath.get(path);
  if (!database) {
    database = createThrowawayDatabase();
    databasesByPath.set(path, database);
  }
  return { env: postgresEnv(await database), release: () => Promise.resolve() };
}

function postgresEnv(database: ThrowawayDatabase): Record<string, string> {
  return { DB_TYPE: 'postgres', DATABASE_URL: database.url };
}
