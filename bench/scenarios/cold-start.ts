import { createUser } from '../lib/http';
import { rssBytes } from '../lib/proc';
import type { MetricDef } from '../lib/results';
import type { BenchContext, CaseDef, Measurement, Scenario } from '../lib/scenario';
import { scratchDb } from '../lib/scenario';
import { ROLES, ServerRole, ServerSpec, startServer } from '../lib/servers';

const CASE = 'start on an existing SQLite file';
const SEEDED_USERS = 20;
/** The readiness poll: fine enough to resolve a start of about a second. */
const POLL_MS = 5;

const METRICS: MetricDef[] = [
  { key: 'cold_start_ms', label: 'process start to first 200 on GET /api/users', unit: 'ms', aggregate: 'median', ratio: true },
  { key: 'rss_at_start', label: 'RSS at first answer', unit: 'MB', aggregate: 'median', ratio: true },
];

const databases = new Map<ServerRole, ReturnType<typeof scratchDb>>();

/** Scenario 5: the database already migrated and seeded; the OS file cache warm (one start discarded). */
export const coldStart: Scenario = {
  name: 'cold-start',
  title: 'Cold start',
  cases: (): CaseDef[] => [{ name: CASE, metrics: METRICS }],
  config: () => ({ seededUsers: SEEDED_USERS, pollMs: POLL_MS, cache: 'warm: one unrecorded start per server first' }),
  async prepare(ctx: BenchContext): Promise<void> {
    for (const role of ROLES) {
      const db = scratchDb(ctx, `cold-${role}`);
      const server = await startServer(ctx.servers[role], { dbPath: db.path });
      try {
        for (let i = 0; i < SEEDED_USERS; i += 1) await createUser(server.url, `First${i}`, `Last${i}`);
      } finally {
        await server.stop();
      }
      databases.set(role, db);
      // A discarded start reads the server's files into the page cache, as on any restart after the first
      // (the seeding start above already did most of it; quick mode relies on that alone).
      if (!ctx.quick) {
        const warm = await startServer(ctx.servers[role], { dbPath: db.path, pollMs: POLL_MS });
        await warm.stop();
      }
    }
  },
  async runOnce(_ctx: BenchContext, spec: ServerSpec): Promise<Record<string, Measurement>> {
    const db = databases.get(spec.role);
    if (!db) throw new Error('cold-start database not prepared');
    const server = await startServer(spec, { dbPath: db.path, pollMs: POLL_MS });
    const rss = rssBytes(server.pid);
    await server.stop();
    return { [CASE]: { metrics: { cold_start_ms: server.startMs, rss_at_start: rss === undefined ? null : rss / 2 ** 20 } } };
  },
  cleanup(): Promise<void> {
    for (const db of databases.values()) db.remove();
    databases.clear();
    return Promise.resolve();
  },
};
