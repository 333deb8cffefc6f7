import { Agent } from 'node:http';
import { nowMs, sleep, waitUntil } from '../lib/clock';
import { createUser, httpJson, isOk } from '../lib/http';
import type { MetricDef } from '../lib/results';
import type { BenchContext, CaseDef, Measurement, Scenario } from '../lib/scenario';
import { scratchDb } from '../lib/scenario';
import { ServerSpec, startServer } from '../lib/servers';
import { distribution } from '../lib/stats';
import { socketUrl } from '../lib/wire';

const PROBE_INTERVAL_MS = 100;
/** With no presence message for this long (and the server answering), the joins are over. */
const QUIET_MS = 2_000;

function windows(ctx: BenchContext): number {
  return ctx.quick ? 100 : 1_000;
}

const caseName = (ctx: BenchContext): string => `${windows(ctx).toLocaleString('en-US')} windows on one user`;

const ms = (key: string, label: string): MetricDef => ({ key, label, unit: 'ms', aggregate: 'median', ratio: true });
const METRICS: MetricDef[] = [
  ms('probe_idle_max', 'probe GET before the joins, max'),
  ms('probe_join_p99', 'probe GET during the joins, p99'),
  ms('probe_join_max', 'probe GET during the joins, max'),
  ms('probe_leave_p99', 'probe GET during the mass leave, p99'),
  ms('probe_leave_max', 'probe GET during the mass leave, max'),
  { key: 'join_s', label: 'joins: first connect to the last presence message', unit: 's', aggregate: 'median', ratio: true },
  { key: 'leave_s', label: 'leave: closing to all closed', unit: 's', aggregate: 'median', ratio: true },
  {
    key: 'presence_join',
    label: 'presence messages delivered during the joins',
    unit: 'count',
    aggregate: 'median',
    ratio: true,
  },
  {
    key: 'presence_leave',
    label: 'presence messages delivered during the leave',
    unit: 'count',
    aggregate: 'median',
    ratio: true,
  },
  { key: 'right_count', label: 'every window ended with the right count', unit: 'yes/no', aggregate: 'all', ratio: false },
  { key: 'windows_right', label: 'windows whose last count was right', unit: 'count', aggregate: 'median', ratio: false },
  { key: 'probe_non2xx', label: 'non-2xx probe GETs', unit: 'count', aggregate: 'sum', ratio: false },
  { key: 'errors', label: 'bad events and failed connects', unit: 'count', aggregate: 'sum', ratio: false },
];

interface ProbeSample {
  phase: string;
  startedAt: number;
  ms: number;
  status: number;
}

/** GETs one user every 100 ms (the next waits for the last): a stalled event loop shows as one long GET. */
class Probe {
  phase = 'idle';
  readonly samples: ProbeSample[] = [];
  private stopped = false;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly loop: Promise<void>;

  constructor(private readonly url: string) {
    this.loop = this.run();
  }

  completedStartedAfter(time: number): number {
    return this.samples.filter((sample) => sample.startedAt >= time).length;
  }

  async stop(): Promise<ProbeSample[]> {
    this.stopped = true;
    await this.loop;
    this.agent.destroy();
    return this.samples;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const startedAt = nowMs();
      const phase = this.phase;
      const result = await httpJson('GET', this.url, undefined, 60_000, this.agent).catch(() => undefined);
      this.samples.push({ phase, startedAt, ms: result ? result.ms : nowMs() - startedAt, status: result?.status ?? 0 });
      const wait = startedAt + PROBE_INTERVAL_MS - nowMs();
      if (wait > 0) await sleep(wait);
    }
  }
}

function probeFigures(samples: ProbeSample[], phase: string): { p99: number | null; max: number | null } {
  const { p99, max } = distribution(samples.filter((sample) => sample.phase === phase).map((sample) => sample.ms));
  return { p99, max };
}

/**
 * Scenario 6: N windows on one user join, then all leave at once, while a
 * probe GETs the user. Every wait has a deadline: a server that never settles
 * is reported, not waited for.
 */
export const presence: Scenario = {
  name: 'presence',
  title: 'Presence storm',
  cases: (ctx): CaseDef[] => [{ name: caseName(ctx), metrics: METRICS }],
  config: (ctx) => ({
    windows: windows(ctx),
    probeIntervalMs: PROBE_INTERVAL_MS,
    quietMs: QUIET_MS,
    joinDeadlineS: 90,
    leaveDeadlineS: 60,
  }),
  async runOnce(ctx: BenchContext, spec: ServerSpec, run: number): Promise<Record<string, Measurement>> {
    const n = windows(ctx);
    const db = scratchDb(ctx, `presence-${spec.role}-${run}`);
    const server = await startServer(spec, { dbPath: db.path });
    const userId = await createUser(server.url, 'Pre', 'Sence').catch(async (error: Error) => {
      await server.stop();
      throw error;
    });
    const probe = new Probe(`${server.url}/api/users/${userId}`);
    const notes: string[] = [];
    try {
      await sleep(1_000);
      probe.phase = 'join';
      await ctx.pool.phase('join');
      const joinStart = nowMs();
      const targets = Array.from({ length: n }, (_, index) => ({ index, url: socketUrl(server.url, userId), userId }));
      const connected = await ctx.pool.connect(targets, 200, 60_000);
      notes.push(...connected.errors);
      const settled = await waitUntil(
        async () => {
          const status = await ctx.pool.status(n);
          if (status.presenceAtCount === n) return true;
          const quiet = nowMs() - status.lastPresenceAt > QUIET_MS;
          return quiet && probe.completedStartedAfter(status.lastPresenceAt) > 0;
        },
        90_000,
        100,
      );
      if (!settled) notes.push('joins did not settle within 90 s');
      const joined = await ctx.pool.status(n);
      const joinS = joined.lastPresenceAt > 0 ? (joined.lastPresenceAt - joinStart) / 1000 : null;

      probe.phase = 'leave';
      await ctx.pool.phase('leave');
      const leaveStart = nowMs();
      const closed = await ctx.pool.closeAll(60_000);
      const allClosedAt = nowMs();
      if (closed.forced > 0) notes.push(`${closed.forced} windows did not finish closing within 60 s`);
      // The leave is over for the server once it answers promptly again: a few probes started after the last close.
      await waitUntil(() => probe.completedStartedAfter(allClosedAt) >= 5, 60_000, 50);
      probe.phase = 'after';
      const samples = await probe.stop();
      const final = await ctx.pool.status(n);

      const idle = probeFigures(samples, 'idle');
      const join = probeFigures(samples, 'join');
      const leave = probeFigures(samples, 'leave');
      const metrics = {
        probe_idle_max: idle.max,
        probe_join_p99: join.p99,
        probe_join_max: join.max,
        probe_leave_p99: leave.p99,
        probe_leave_max: leave.max,
        join_s: joinS,
        leave_s: (allClosedAt - leaveStart) / 1000,
        presence_join: final.presence.join ?? 0,
        presence_leave: final.presence.leave ?? 0,
        right_count: joined.presenceAtCount === n ? 1 : 0,
        windows_right: joined.presenceAtCount,
        probe_non2xx: samples.filter((sample) => !isOk(sample.status)).length,
        errors: connected.failed + final.malformed + final.wrongUser,
      };
      notes.push(...final.errors);
      return { [caseName(ctx)]: { metrics, notes } };
    } finally {
      await probe.stop();
      await ctx.pool.reset();
      await server.stop();
      db.remove();
    }
  },
};
