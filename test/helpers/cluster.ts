import { createTestDatabase, TestDatabase } from './app';
import { startTestRedis, TestRedis } from './redis';
import { ServerProcess, startServerProcess } from './server-process';

/** Several instances of the built server (dist/src/main.js) sharing one database and one Redis, as in production. */
export interface Cluster {
  redis: TestRedis;
  database: TestDatabase;
  instances: ServerProcess[];
  /** The settings every instance got; start another instance with them. */
  env: Record<string, string>;
  /** Stops every instance, then Redis, then drops the database; safe after a partial start. */
  close(): Promise<void>;
}

/**
 * Starts a throwaway redis-server, a database for the suite's TEST_DB, and
 * `count` server processes, one after the other: each runs the migrations at
 * start, and instances starting at the same moment on a fresh database would
 * race to create the schema. `settings` go to every instance.
 */
export async function startCluster(count = 2, settings: Record<string, string> = {}): Promise<Cluster> {
  const instances: ServerProcess[] = [];
  let redis: TestRedis | undefined;
  let database: TestDatabase | undefined;
  const close = async (): Promise<void> => {
    await Promise.allSettled(instances.map((instance) => instance.stop()));
    await redis?.close();
    await database?.dispose();
  };
  try {
    redis = await startTestRedis();
    database = await createTestDatabase();
    const env = { ...settings, ...database.env, REDIS_URL: redis.url };
    for (let i = 0; i < count; i += 1) instances.push(await startServerProcess(env));
    return { redis, database, instances, env, close };
  } catch (error) {
    await close();
    throw error;
  }
}
