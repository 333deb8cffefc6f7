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
   * Settings as environment variables. With no database named, the app gets
   * a fresh one of its own, released in close(): in-memory SQLite, or with
   * TEST_DB=postgres a throwaway PostgreSQL database. A test whose data must
   * outlive an app (a restart) passes a createTestDatabase()'s env instead,
   * and disposes of that database itself.
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

/** A TestApp that a suite helper closes: everything but close(). */
export type SuiteApp = Omit<TestApp, 'close'>;

/**
 * One app for every test of the calling describe: call it inside the describe
 * (it registers beforeAll and afterAll there; importing this module registers
 * nothing) and read the result's fields in tests and hooks.
 */
export function testAppSuite(options: TestAppOptions = {}): SuiteApp {
  let started: TestApp | undefined;
  beforeAll(async () => {
    started = await startTestApp(options);
  });
  afterAll(async () => {
    await started?.close();
  });
  const app = (): TestApp => {
    if (!started) throw new Error('testAppSuite: no app yet (read it in a test or a hook, after beforeAll)');
    return started;
  };
  return {
    get app() {
      return app().app;
    },
    get url() {
      return app().url;
    },
    get dataSource() {
      return app().dataSource;
    },
  };
}

export interface TestDatabase {
  kind: TestDbKind;
  /** Settings that point a server at it, in this process or as a separate one. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** The SQLite file's path inside its temporary folder (default app.sqlite); folders in it are not created. */
  sqliteFile?: string;
}

/**
 * A database that outlives any one app or server: for several servers to
 * share (e.g. two server processes) or for one to find again after a
 * restart. A SQLite file in a temporary folder, or with TEST_DB=postgres a
 * throwaway PostgreSQL database; the test disposes of it.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  if (TEST_DB === 'postgres') {
    const database = await createThrowawayDatabase();
    return { kind: TEST_DB, env: postgresEnv(database), dispose: () => database.drop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'test-db-'));
  return {
    kind: TEST_DB,
    env: { DB_PATH: join(dir, options.sqliteFile ?? 'app.sqlite') },
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

async function databaseFor(env: Record<string, string> = {}): Promise<DatabaseLease> {
  if (TEST_DB !== 'postgres' || env.DB_TYPE !== undefined) return { env: {}, release: () => Promise.resolve() };
  if (env.DB_PATH !== undefined && env.DB_PATH !== ':memory:') {
    // It would silently run on SQLite in the PostgreSQL pass.
    throw new Error(`With TEST_DB=postgres, pass a createTestDatabase() env instead of DB_PATH=${env.DB_PATH}`);
  }
  const database = await createThrowawayDatabase();
  return { env: postgresEnv(database), release: () => database.drop() };
}

function postgresEnv(database: ThrowawayDatabase): Record<string, string> {
  return { DB_TYPE: 'postgres', DATABASE_URL: database.url };
}
