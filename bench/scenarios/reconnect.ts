import { randomBytes } from 'node:crypto';
import { sleep, waitUntil } from '../lib/clock';
import { CpuMonitor } from '../lib/cpu-monitor';
import { createUser, httpJson, isOk } from '../lib/http';
import type { MetricDef } from '../lib/results';
import type { BenchContext, CaseDef, Measurement, Scenario } from '../lib/scenario';
import { scratchDb } from '../lib/scenario';
import { ServerSpec, startServer } from '../lib/servers';
import { distribution } from '../lib/stats';
import type { Collected } from '../lib/subscriber-pool';
import type { ChurnSettings } from '../lib/worker-protocol';
import { connectSubscribers, openLoop, SendLog } from './fanout-core';

export interface ReconnectSettings {
  rateHz: number;
  durationS: number;
  warmupS: number;
  /** After the last PATCH answered: how long the clients may take to reconnect, replay and catch up. */
  drainMs: number;
  churn: ChurnSettings;
}

/** Why the floor does not run this scenario; the tables say it where the floor's figures would be. */
export const FLOOR_CANNOT_REPLAY =
  'the floor keeps no change history, so it cannot replay what a client missed; project only, no ratio';

function sockets(ctx: BenchContext): number {
  return ctx.quick ? 100 : 1_000;
}

export function reconnectSettings(ctx: BenchContext): ReconnectSettings {
  const churn: ChurnSettings = {
    fraction: 0.1,
    everyMs: 1_000,
    delayMinMs: 100,
    delayMaxMs: 1_000,
    connectTimeoutMs: 10_000,
    recoveryTimeoutMs: 15_000,
  };
  // Full: 10 s at 10% a second, so each subscriber drops and reconnects about once.
  return ctx.quick
    ? { rateHz: 50, durationS: 4, warmupS: 0.5, drainMs: 10_000, churn }
    : { rateHz: 50, durationS: 10, warmupS: 1, drainMs: 10_000, churn };
}

const caseName = (ctx: BenchContext): string =>
  `${sockets(ctx).toLocaleString('en-US')} subscribers, 10% reconnecting every second`;

const count = (key: string, label: string, aggregate: 'median' | 'sum' = 'sum'): MetricDef => ({
  key,
  label,
  unit: 'count',
  aggregate,
  ratio: false,
});
const ms = (key: string, label: string): MetricDef => ({ key, label, unit: 'ms', aggregate: 'median', ratio: false });

const METRICS: MetricDef[] = [
  count('reconnects', 'reconnects done (WebSocket dropped without a close, then handshake user_id and version)', 'median'),
  count('replayed', 'user_update events replayed after reconnects', 'median'),
  ms('recovery_p50', 'reconnect: socket.io connect to recovery, p50'),
  ms('recovery_p99', 'reconnect: socket.io connect to recovery, p99'),
  ms('recovery_max', 'reconnect: socket.io connect to recovery, max'),
  count('recovered_false', 'recovery with recovered: false'),
  count('changes_expected', 'changes expected (every version, every subscriber)'),
  count('missing', 'missing changes (a version a subscriber never applied)'),
  count('duplicates', 'duplicates dropped (a version the subscriber had already)', 'median'),
  count('duplicates_after_replay', 'of which live copies, after recovery, of a version the replay had carried', 'median'),
  count('held_ahead', 'events that came ahead of a missing version (held until it came)', 'median'),
  ms('live_p50', 'live delivery, PATCH sent to event, p50'),
  ms('live_p99', 'live delivery, PATCH sent to event, p99'),
  ms('live_max', 'live delivery, PATCH sent to event, max'),
  ms('patch_p50', 'PATCH response, p50'),
  ms('patch_p99', 'PATCH response, p99'),
  { key: 'rate', label: 'achieved PATCH rate', unit: '/s', aggregate: 'median', ratio: false },
  count('non2xx', 'non-2xx PATCHes'),
  count('replay_errors', 'replays out of order, miscounted by their recovery, or never ended'),
  count('errors', 'bad events (shape, user, value, seq order)'),
  count('connect_failures', 'failed connects and reconnects, connections the server closed'),
  count('presence', 'presence messages delivered during the run', 'median'),
  { key: 'server_cpu', label: 'server CPU', unit: 'cores', aggregate: 'median', ratio: false },
  { key: 'generator_cpu', label: 'generator CPU', unit: 'cores', aggregate: 'median', ratio: false },
];

async function userVersion(baseUrl: string, userId: number): Promise<number> {
  const result = await httpJson('GET', `${baseUrl}/api/users/${userId}`);
  const version = isOk(result.status) ? (JSON.parse(result.body) as { version?: unknown }).version : undefined;
  if (typeof version !== 'number')
    throw new Error(`GET /api/users/${userId} answered ${result.status}: ${result.body.slice(0, 200)}`);
  return version;
}

/** Live deliveries of the measured PATCHes (rows warmup.. of the matrix): PATCH sent to arrival. */
function liveLatencies(collected: Collected, sends: SendLog, firstRow: number): number[] {
  const latencies: number[] = [];
  for (const part of collected.parts) {
    const columns = part.clients.length;
    for (let p = 0; p < sends.sentAt.length; p += 1) {
      if (!isOk(sends.status[p])) continue;
      const row = (firstRow + p) * columns;
      for (let c = 0; c < columns; c += 1) {
        const at = part.times[row + c];
        if (!Number.isNaN(at)) latencies.push(at - sends.sentAt[p]);
      }
    }
  }
  return latencies;
}

/**
 * Scenario 7: N subscribers on one user, PATCHes at a fixed rate, and every
 * second the next 10% of the subscribers drop their WebSocket abruptly and
 * reconnect after 100-1,000 ms with `user_id` and `version` (the last version
 * they applied): the server replays what they missed, then `recovery`. At the
 * end every subscriber must have applied every version, in order, once.
 */
export const reconnect: Scenario = {
  name: 'reconnect',
  title: 'Reconnects during fan-out: replay from the change history',
  notRunOn: { floor: FLOOR_CANNOT_REPLAY },
  cases: (ctx): CaseDef[] => [{ name: caseName(ctx), metrics: METRICS }],
  config: (ctx) => {
    const { churn, ...settings } = reconnectSettings(ctx);
    return {
      sockets: sockets(ctx),
      ...settings,
      churn: `${churn.fraction * 100}% of the subscribers every ${churn.everyMs} ms, in turn; reconnect after ${churn.delayMinMs}-${churn.delayMaxMs} ms`,
      field: 'first_name, a unique value per PATCH',
    };
  },
  async runOnce(ctx: BenchContext, spec: ServerSpec, run: number): Promise<Record<string, Measurement>> {
    const settings = reconnectSettings(ctx);
    const clients = sockets(ctx);
    const db = scratchDb(ctx, `reconnect-${spec.role}-${run}`);
    const server = await startServer(spec, { dbPath: db.path });
    try {
      const userId = await createUser(server.url, 'Re', 'Connect');
      const startVersion = await userVersion(server.url, userId);
      const target = { patchUrl: server.url, socketUrls: [server.url], userId, clients, serverPids: [server.pid] };
      const connected = await connectSubscribers(ctx, target, 60_000);

      const token = `r${randomBytes(4).toString('hex')}`;
      const warmups = Math.round(settings.warmupS * settings.rateHz);
      const measured = Math.round(settings.durationS * settings.rateHz);
      const patchUrl = `${server.url}/api/users/${userId}`;
      // One value space for every PATCH of the run: PATCH i sets `${token}-${i}`, warm-up ones first.
      await ctx.pool.followVersions(token, warmups + measured, startVersion);
      const warm = await openLoop(patchUrl, warmups, settings.rateHz, (i) => `${token}-${i}`);
      await sleep(500);

      await ctx.pool.phase('churn');
      const monitor = new CpuMonitor([server.pid]);
      monitor.start();
      await ctx.pool.churn(settings.churn);
      const sends = await openLoop(patchUrl, measured, settings.rateHz, (i) => `${token}-${warmups + i}`);
      await ctx.pool.stopChurn();

      // Every version up to the last must reach every subscriber: live, or replayed after its reconnect.
      const finalVersion = await userVersion(server.url, userId);
      await waitUntil(
        async () => {
          const status = await ctx.pool.resumeReport(finalVersion);
          return status.offline === 0 && status.replaying === 0 && status.behind === 0;
        },
        settings.drainMs,
        100,
      );
      const cpu = monitor.stop();
      const patchOfVersion: number[] = new Array<number>(finalVersion + 1).fill(-1);
      [warm, sends].forEach((log, part) =>
        log.version.forEach((version, i) => {
          if (version > 0 && version <= finalVersion) patchOfVersion[version] = (part === 0 ? 0 : warmups) + i;
        }),
      );
      const report = await ctx.pool.resumeReport(finalVersion, patchOfVersion);
      const status = await ctx.pool.status();
      const collected = await ctx.pool.collect();

      const live = distribution(liveLatencies(collected, sends, warmups));
      const recovery = distribution(report.recoveryMs);
      const patch = distribution(
        Array.from(sends.sentAt, (sentAt, i) => sends.doneAt[i] - sentAt).filter((_, i) => isOk(sends.status[i])),
      );
      const ok = (log: SendLog): number => log.status.reduce((n, code) => n + (isOk(code) ? 1 : 0), 0);
      const spanS = (sends.sentAt[measured - 1] - sends.sentAt[0]) / 1000;
      const metrics = {
        reconnects: report.reconnects,
        replayed: report.replayedEvents,
        recovery_p50: recovery.p50,
        recovery_p99: recovery.p99,
        recovery_max: recovery.max,
        recovered_false: report.recoveredFalse,
        changes_expected: (finalVersion - startVersion) * clients,
        missing: report.missing,
        duplicates: report.duplicatesDropped,
        duplicates_after_replay: report.duplicatesAfterReplay,
        held_ahead: report.heldAhead,
        live_p50: live.p50,
        live_p99: live.p99,
        live_max: live.max,
        patch_p50: patch.p50,
        patch_p99: patch.p99,
        rate: spanS > 0 ? (measured - 1) / spanS : null,
        non2xx: warmups + measured - ok(warm) - ok(sends),
        replay_errors:
          report.replayOutOfOrder +
          report.replayCountMismatch +
          report.recoveryTimeouts +
          report.unexpectedRecoveries +
          report.replaying,
        errors:
          report.malformed + report.wrongUser + report.unmatched + report.wrongValue + report.seqNotGrowing + status.malformed,
        connect_failures: connected.failed + report.reconnectFailures + report.unexpectedCloses + report.offline,
        presence: status.presence.churn ?? 0,
        server_cpu: cpu.serverCores[0],
        generator_cpu: cpu.generatorCores,
      };
      const notes = [
        ...connected.notes,
        ...[...warm.failures, ...sends.failures].map((failure) => `PATCH: ${failure}`),
        ...(report.drops !== report.reconnects ? [`${report.drops} drops, ${report.reconnects} reconnects`] : []),
        ...(report.behind > 0 ? [`${report.behind} subscribers still behind version ${finalVersion} after the drain`] : []),
        ...report.errors,
        ...status.errors,
      ];
      return { [caseName(ctx)]: { metrics, cpu, notes } };
    } finally {
      await ctx.pool.reset();
      await server.stop();
      db.remove();
    }
  },
};
