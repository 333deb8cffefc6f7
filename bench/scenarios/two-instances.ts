import { createUser } from '../lib/http';
import { startRedis, ThrowawayRedis } from '../lib/redis';
import type { BenchContext, CaseDef, Measurement, Scenario } from '../lib/scenario';
import { scratchDb } from '../lib/scenario';
import { RunningServer, ServerSpec, startServer } from '../lib/servers';
import { connectSubscribers, fanoutMetrics, measureFanout } from './fanout-core';
import { caseName, fanoutSettings } from './fanout';

function sockets(ctx: BenchContext): number {
  return ctx.quick ? 100 : 1_000;
}

const twoCaseName = (ctx: BenchContext): string => `${caseName(sockets(ctx))}, 2 instances`;

/**
 * Scenario 4: two instances sharing one SQLite file and a throwaway Redis;
 * the clients alternate between them, every PATCH goes through the first,
 * so half the deliveries cross Redis.
 */
export const twoInstances: Scenario = {
  name: 'two-instances',
  title: 'Fan-out latency, two instances with Redis',
  cases: (ctx): CaseDef[] => [{ name: twoCaseName(ctx), metrics: fanoutMetrics(2) }],
  config: (ctx) => ({ sockets: sockets(ctx), instances: 2, patchesThrough: 'instance 1', ...fanoutSettings(ctx) }),
  async runOnce(ctx: BenchContext, spec: ServerSpec, run: number): Promise<Record<string, Measurement>> {
    const db = scratchDb(ctx, `two-${spec.role}-${run}`);
    let redis: ThrowawayRedis | undefined;
    const servers: RunningServer[] = [];
    try {
      redis = await startRedis();
      // One after the other: the first applies the migrations, the second finds nothing to do.
      for (let i = 0; i < 2; i += 1) servers.push(await startServer(spec, { dbPath: db.path, redisUrl: redis.url }));
      const userId = await createUser(servers[0].url, 'Fan', 'Out');
      const target = {
        patchUrl: servers[0].url,
        socketUrls: servers.map((server) => server.url),
        userId,
        clients: sockets(ctx),
        serverPids: servers.map((server) => server.pid),
        redisPid: redis.pid,
      };
      const connected = await connectSubscribers(ctx, target, 60_000);
      return { [twoCaseName(ctx)]: await measureFanout(ctx, target, fanoutSettings(ctx), connected) };
    } finally {
      await ctx.pool.reset();
      await Promise.all(servers.map((server) => server.stop()));
      await redis?.stop();
      db.remove();
    }
  },
};
