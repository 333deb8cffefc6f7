import { randomBytes } from 'node:crypto';
import { nowMs, sleep, waitUntil } from '../lib/clock';
import { CpuMonitor } from '../lib/cpu-monitor';
import { httpJson, isOk } from '../lib/http';
import type { MetricDef } from '../lib/results';
import type { BenchContext, Measurement } from '../lib/scenario';
import { distribution } from '../lib/stats';
import type { Collected } from '../lib/subscriber-pool';
import { socketUrl } from '../lib/wire';

export interface FanoutSettings {
  rateHz: number;
  durationS: number;
  warmupS: number;
  /** How long deliveries may still arrive after the last PATCH answered. */
  drainMs: number;
}

export interface FanoutTarget {
  /** Every PATCH goes here. */
  patchUrl: string;
  /** Client i connects to socketUrls[i % length]: several instances share the clients. */
  socketUrls: string[];
  userId: number;
  clients: number;
  serverPids: number[];
  /** A Redis shared by the instances, whose CPU is reported beside theirs. */
  redisPid?: number;
}

const ms = (key: string, label: string, ratio = true): MetricDef => ({ key, label, unit: 'ms', aggregate: 'median', ratio });

export function fanoutMetrics(instances: number): MetricDef[] {
  const defs: MetricDef[] = [
    ms('reached_p50', 'all clients reached, p50'),
    ms('reached_p90', 'all clients reached, p90'),
    ms('reached_p99', 'all clients reached, p99'),
    ms('reached_max', 'all clients reached, max'),
    ms('delivery_p50', 'per delivery, p50'),
    ms('delivery_p90', 'per delivery, p90'),
    ms('delivery_p99', 'per delivery, p99'),
    ms('delivery_max', 'per delivery, max'),
    ms('patch_p50', 'PATCH response, p50'),
    ms('patch_p99', 'PATCH response, p99'),
  ];
  if (instances > 1) defs.push(ms('remote_delivery_p99', 'per delivery to the other instance, p99'));
  defs.push({
    key: 'settle_s',
    label: 'connect and presence settle before the PATCHes',
    unit: 's',
    aggregate: 'median',
    ratio: true,
  });
  defs.push(
    { key: 'rate', label: 'achieved PATCH rate', unit: '/s', aggregate: 'median', ratio: false },
    { key: 'deliveries', label: 'deliveries expected', unit: 'count', aggregate: 'sum', ratio: false },
    { key: 'missing', label: 'missing deliveries', unit: 'count', aggregate: 'sum', ratio: false },
    { key: 'non2xx', label: 'non-2xx PATCHes', unit: 'count', aggregate: 'sum', ratio: false },
    { key: 'errors', label: 'bad events, duplicates, failed connects', unit: 'count', aggregate: 'sum', ratio: false },
    // Windows drop a version older than the one they show, so this is not a lost update; but it is not commit order either.
    { key: 'out_of_order', label: 'events older than one the client already had', unit: 'count', aggregate: 'sum', ratio: false },
    {
      key: 'server_cpu',
      label: instances > 1 ? 'server CPU, both instances' : 'server CPU',
      unit: 'cores',
      aggregate: 'median',
      ratio: true,
    },
    { key: 'generator_cpu', label: 'generator CPU', unit: 'cores', aggregate: 'median', ratio: false },
  );
  if (instances > 1) defs.push({ key: 'redis_cpu', label: 'Redis CPU', unit: 'cores', aggregate: 'median', ratio: true });
  return defs;
}

export interface SendLog {
  sentAt: Float64Array;
  doneAt: Float64Array;
  status: Int32Array;
  /** The version each 2xx answer carried; 0 when none could be read. */
  version: Int32Array;
  failures: string[];
}

function versionOf(body: string): number {
  try {
    const version = (JSON.parse(body) as { version?: unknown }).version;
    return typeof version === 'number' && Number.isInteger(version) ? version : 0;
  } catch {
    return 0;
  }
}

/**
 * PATCHes sent open loop: PATCH i leaves at start + i / rate whether or not
 * the earlier ones have answered, as independent windows would send them.
 */
export async function openLoop(url: string, count: number, rateHz: number, valueOf: (i: number) => string): Promise<SendLog> {
  const log: SendLog = {
    sentAt: new Float64Array(count),
    doneAt: new Float64Array(count),
    status: new Int32Array(count),
    version: new Int32Array(count),
    failures: [],
  };
  const interval = 1000 / rateHz;
  const start = nowMs() + 5;
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    const wait = start + i * interval - nowMs();
    if (wait >= 1) await sleep(wait);
    inflight.push(
      httpJson('PATCH', url, { first_name: valueOf(i) }).then(
        (result) => {
          log.sentAt[i] = result.sentAt;
          log.doneAt[i] = result.sentAt + result.ms;
          log.status[i] = result.status;
          if (isOk(result.status)) log.version[i] = versionOf(result.body);
        },
        (error: Error) => {
          log.status[i] = 0;
          if (log.failures.length < 5) log.failures.push(error.message);
        },
      ),
    );
  }
  await Promise.all(inflight);
  return log;
}

/** Connects the clients and waits until the joins' presence messages have died down. */
export interface Connected {
  failed: number;
  /** From the first connect to the joins' presence messages dying down. */
  settleS: number;
  notes: string[];
}

export async function connectSubscribers(ctx: BenchContext, target: FanoutTarget, settleDeadlineMs: number): Promise<Connected> {
  const started = nowMs();
  const targets = Array.from({ length: target.clients }, (_, index) => ({
    index,
    url: socketUrl(target.socketUrls[index % target.socketUrls.length], target.userId),
    userId: target.userId,
  }));
  const connected = await ctx.pool.connect(targets, 100, 30_000);
  const notes = connected.errors.map((error) => `connect: ${error}`);
  const settled = await waitUntil(
    async () => {
      const status = await ctx.pool.status(target.clients);
      return status.presenceAtCount === status.open || (status.lastPresenceAt > 0 && nowMs() - status.lastPresenceAt > 1_000);
    },
    settleDeadlineMs,
    100,
  );
  if (!settled) notes.push(`presence still settling after ${settleDeadlineMs} ms`);
  return { failed: connected.failed, settleS: (nowMs() - started) / 1000, notes };
}

/**
 * Scenario 1's measurement on servers already started and subscribers
 * already connected: PATCHes at a fixed rate, each first_name unique, and
 * for every (PATCH, client) pair the time from sending to that client's event.
 */
export async function measureFanout(
  ctx: BenchContext,
  target: FanoutTarget,
  settings: FanoutSettings,
  connected: Connected,
): Promise<Measurement> {
  const token = `b${randomBytes(4).toString('hex')}`;
  const patchUrl = `${target.patchUrl}/api/users/${target.userId}`;
  // Warm-up PATCHes carry another token: their events count as unmatched, not as deliveries.
  await openLoop(patchUrl, Math.round(settings.warmupS * settings.rateHz), settings.rateHz, (i) => `warm-${token}-${i}`);
  await sleep(500);

  const count = Math.round(settings.durationS * settings.rateHz);
  await ctx.pool.arm(token, count);
  const monitor = new CpuMonitor([...target.serverPids, ...(target.redisPid ? [target.redisPid] : [])]);
  monitor.start();
  const sends = await openLoop(patchUrl, count, settings.rateHz, (i) => `${token}-${i}`);
  const ok = sends.status.reduce((n, status) => n + (isOk(status) ? 1 : 0), 0);
  const expected = ok * target.clients;
  await waitUntil(async () => (await ctx.pool.status()).received >= expected, settings.drainMs, 50);
  const cpu = monitor.stop();
  const status = await ctx.pool.status();
  const collected = await ctx.pool.collect();

  const latencies = analyse(collected, sends, target);
  const reached = distribution(latencies.reached);
  const delivery = distribution(latencies.all);
  const patch = distribution(
    Array.from(sends.sentAt, (sentAt, i) => sends.doneAt[i] - sentAt).filter((_, i) => isOk(sends.status[i])),
  );
  const spanS = (sends.sentAt[count - 1] - sends.sentAt[0]) / 1000;
  const metrics = {
    reached_p50: reached.p50,
    reached_p90: reached.p90,
    reached_p99: reached.p99,
    reached_max: reached.max,
    delivery_p50: delivery.p50,
    delivery_p90: delivery.p90,
    delivery_p99: delivery.p99,
    delivery_max: delivery.max,
    patch_p50: patch.p50,
    patch_p99: patch.p99,
    remote_delivery_p99: target.socketUrls.length > 1 ? distribution(latencies.remote).p99 : null,
    rate: spanS > 0 ? (count - 1) / spanS : null,
    deliveries: count * target.clients,
    // A PATCH that failed was never delivered: its clients count as missing too.
    missing: count * target.clients - latencies.all.length,
    non2xx: count - ok,
    errors: status.malformed + status.duplicates + status.wrongUser + connected.failed,
    out_of_order: status.outOfOrder,
    settle_s: connected.settleS,
    server_cpu: cpu.serverCores.slice(0, target.serverPids.length).reduce((sum, cores) => sum + cores, 0),
    redis_cpu: target.redisPid ? cpu.serverCores[target.serverPids.length] : null,
    generator_cpu: cpu.generatorCores,
  };
  const notes = [...connected.notes, ...sends.failures.map((failure) => `PATCH: ${failure}`), ...status.errors];
  return { metrics, cpu, notes };
}

interface Latencies {
  all: Float64Array;
  reached: number[];
  remote: number[];
}

function analyse(collected: Collected, sends: SendLog, target: FanoutTarget): Latencies {
  const count = sends.sentAt.length;
  const slowest = new Float64Array(count);
  const arrived = new Int32Array(count);
  const all: number[] = [];
  const remote: number[] = [];
  for (const part of collected.parts) {
    const columns = part.clients.length;
    for (let p = 0; p < count; p += 1) {
      if (!isOk(sends.status[p])) continue;
      for (let c = 0; c < columns; c += 1) {
        const at = part.times[p * columns + c];
        if (Number.isNaN(at)) continue;
        const latency = at - sends.sentAt[p];
        all.push(latency);
        if (part.clients[c] % target.socketUrls.length !== 0) remote.push(latency);
        arrived[p] += 1;
        if (latency > slowest[p]) slowest[p] = latency;
      }
    }
  }
  const reached: number[] = [];
  for (let p = 0; p < count; p += 1) if (arrived[p] === target.clients) reached.push(slowest[p]);
  return { all: Float64Array.from(all), reached, remote };
}
