import { nowMs, sleep, waitUntil } from '../lib/clock';
import { createUser, httpJson } from '../lib/http';
import { rssBytes } from '../lib/proc';
import type { MetricDef } from '../lib/results';
import type { BenchContext, CaseDef, Measurement, Scenario } from '../lib/scenario';
import { scratchDb } from '../lib/scenario';
import { RunningServer, ServerSpec, startServer } from '../lib/servers';
import { median } from '../lib/stats';
import { socketUrl } from '../lib/wire';

const CASE = 'idle sockets';
/** Idle sockets follow users nobody else views: one window per user, as far from the presence storm as possible. */
const FIRST_IDLE_USER = 1_000_000;
const MB = 2 ** 20;

function levels(ctx: BenchContext): number[] {
  return ctx.quick ? [1_000] : [1_000, 10_000];
}

/** How long to let the server settle before reading RSS, and how long the sockets must then stay open. */
function pauses(ctx: BenchContext): { settleMs: number; holdMs: number; samples: number } {
  return ctx.quick ? { settleMs: 500, holdMs: 1_000, samples: 3 } : { settleMs: 2_000, holdMs: 3_000, samples: 5 };
}

function metricsFor(ctx: BenchContext): MetricDef[] {
  const last = levels(ctx)[levels(ctx).length - 1];
  return [
    { key: 'rss_idle', label: 'RSS idle, after a few requests', unit: 'MB', aggregate: 'median', ratio: true },
    ...levels(ctx).flatMap((n): MetricDef[] => [
      { key: `rss_${n}`, label: `RSS with ${n.toLocaleString('en-US')} sockets`, unit: 'MB', aggregate: 'median', ratio: true },
      {
        key: `per_socket_${n}`,
        label: `per idle socket at ${n.toLocaleString('en-US')}`,
        unit: 'KB',
        aggregate: 'median',
        ratio: true,
      },
    ]),
    {
      key: `connect_s_${last}`,
      label: `time to connect ${last.toLocaleString('en-US')} sockets`,
      unit: 's',
      aggregate: 'median',
      ratio: true,
    },
    {
      key: `held_${last}`,
      label: `${last.toLocaleString('en-US')} sockets held`,
      unit: 'yes/no',
      aggregate: 'all',
      ratio: false,
    },
    { key: 'connect_failures', label: 'failed connects', unit: 'count', aggregate: 'sum', ratio: false },
  ];
}

/** RSS sampled a few times, 250 ms apart: one reading can land in the middle of a GC. */
async function settledRss(pid: number, count: number): Promise<number | null> {
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const rss = rssBytes(pid);
    if (rss !== undefined) samples.push(rss);
    await sleep(250);
  }
  return median(samples);
}

async function warmUp(server: RunningServer): Promise<void> {
  const id = await createUser(server.url, 'Idle', 'Memory');
  await httpJson('GET', `${server.url}/api/users`);
  await httpJson('GET', `${server.url}/api/users/${id}`);
  await httpJson('PATCH', `${server.url}/api/users/${id}`, { first_name: 'Warm' });
}

/** Scenario 3: RSS idle, then with more and more idle sockets (RSS delta / sockets). */
export const memory: Scenario = {
  name: 'memory',
  title: 'Memory: idle RSS and per idle socket',
  cases: (ctx): CaseDef[] => [{ name: CASE, metrics: metricsFor(ctx) }],
  config: (ctx) => ({
    levels: levels(ctx),
    sockets: 'one user per socket (handshake user_id), no traffic',
    rss: 'VmRSS, median of samples 250 ms apart, once the joins are over and the server has settled',
    ...pauses(ctx),
  }),
  async runOnce(ctx: BenchContext, spec: ServerSpec, run: number): Promise<Record<string, Measurement>> {
    const db = scratchDb(ctx, `memory-${spec.role}-${run}`);
    const server = await startServer(spec, { dbPath: db.path });
    try {
      const { settleMs, holdMs, samples } = pauses(ctx);
      await warmUp(server);
      await sleep(settleMs);
      const idle = await settledRss(server.pid, samples);
      const metrics: Record<string, number | null> = { rss_idle: idle === null ? null : idle / MB, connect_failures: 0 };
      const notes: string[] = [];
      let connected = 0;
      let lastConnectS = 0;
      for (const level of levels(ctx)) {
        const targets = Array.from({ length: level - connected }, (_, i) => {
          const index = connected + i;
          return { index, url: socketUrl(server.url, FIRST_IDLE_USER + index), userId: FIRST_IDLE_USER + index };
        });
        const started = nowMs();
        const reply = await ctx.pool.connect(targets, 200, 60_000);
        lastConnectS = (nowMs() - started) / 1000;
        metrics.connect_failures = (metrics.connect_failures ?? 0) + reply.failed;
        notes.push(...reply.errors);
        connected = level;
        // Each join sends its one presence message; wait for those to stop before reading RSS.
        await waitUntil(async () => nowMs() - (await ctx.pool.status()).lastPresenceAt > 500, 30_000, 100);
        await sleep(settleMs);
        const rss = await settledRss(server.pid, samples);
        metrics[`rss_${level}`] = rss === null ? null : rss / MB;
        metrics[`per_socket_${level}`] = rss === null || idle === null ? null : (rss - idle) / level / 1024;
      }
      metrics[`connect_s_${connected}`] = lastConnectS;
      await sleep(holdMs);
      const status = await ctx.pool.status();
      const answers = await httpJson('GET', `${server.url}/api/users?limit=1`, undefined, 10_000).then(
        (r) => r.status === 200,
        () => false,
      );
      metrics[`held_${connected}`] = status.open === connected && answers ? 1 : 0;
      if (status.open !== connected) notes.push(`${status.open} of ${connected} sockets open after ${holdMs} ms`);
      return { [CASE]: { metrics, notes } };
    } finally {
      await ctx.pool.reset();
      await server.stop();
      db.remove();
    }
  },
};
