import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * The server the throwaway databases live on: TEST_PG_URL, or the local
 * server as scripts/setup.sh test leaves it (user postgres, trust auth).
 * Any database on it works as the maintenance connection.
 */
export const TEST_PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Throwaway databases are named with this prefix, so a leftover one is recognisable. */
const PREFIX = 'realtime_test_';

export interface ThrowawayDatabase {
  name: string;
  /** postgres:// URL of the new database, for DATABASE_URL. */
  url: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** Creates an empty database with a unique name on the TEST_PG_URL server. */
export async function createThrowawayDatabase(): Promise<ThrowawayDatabase> {
  const name = `${PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
  await onServer(`CREATE DATABASE "${name}"`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      // WITH (FORCE), PostgreSQL 13+: a server process killed mid-test may still hold connections.
      await onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
