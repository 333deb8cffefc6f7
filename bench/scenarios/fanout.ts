import { createUser } from '../lib/http';
import type { BenchContext, CaseDef, Measurement, Scenario } from '../lib/scenario';
import { scratchDb } from '../lib/scenario';
import { ServerSpec, startServer } from '../lib/servers';
import { connectSubscribers, fanoutMetrics, FanoutSettings, measureFanout } from './fanout-core';

export function fanoutSizes(ctx: BenchContext): number[] {
  return ctx.quick ? [100] : [100, 1_000];
}

export function fanoutSettings(ctx: BenchContext): FanoutSettings {
  return ctx.quick
    ? { rateHz: 50, durationS: 2, warmupS: 0.5, drainMs: 10_000 }
    : { rateHz: 50, durationS: 8, warmupS: 1, drainMs: 10_000 };
}

export const caseName = (sockets: number): string => `${sockets.toLocaleString('en-US')} sockets`;

/** Scenario 1: one instance, N windows on one user, PATCHes on that user at a fixed rate. */
export const fanout: Scenario = {
  name: 'fanout',
  title: 'Fan-out latency, one instance',
  cases: (ctx): CaseDef[] => fanoutSizes(ctx).map((n) => ({ name: caseName(n), metrics: fanoutMetrics(1) })),
  config: (ctx) => ({ sockets: fanoutSizes(ctx), ...fanoutSettings(ctx), field: 'first_name, a unique value per PATCH' }),
  async runOnce(ctx: BenchContext, spec: ServerSpec, run: number): Promise<Record<string, Measurement>> {
    const measured: Record<string, Measurement> = {};
    for (const clients of fanoutSizes(ctx)) {
      const db = scratchDb(ctx, `fanout-${spec.role}-${clients}-${run}`);
      const server = await startServer(spec, { dbPath: db.path });
      try {
        const userId = await createUser(server.url, 'Fan', 'Out');
        const target = { patchUrl: server.url, socketUrls: [server.url], userId, clients, serverPids: [server.pid] };
        const connected = await connectSubscribers(ctx, target, 60_000);
        measured[caseName(clients)] = await measureFanout(ctx, target, fanoutSettings(ctx), connected);
      } finally {
        await ctx.pool.reset();
        await server.stop();
        db.remove();
      }
    }
    return measured;
  },
};
