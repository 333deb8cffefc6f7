import autocannon from 'autocannon';
import { CpuMonitor } from '../lib/cpu-monitor';
import { createUser } from '../lib/http';
import type { MetricDef } from '../lib/results';
import type { BenchContext, CaseDef, Measurement, Scenario } from '../lib/scenario';
import { scratchDb } from '../lib/scenario';
import { RunningServer, ServerSpec, startServer } from '../lib/servers';

const CONNECTIONS = 50;
const SEEDED_USERS = 100;

interface Endpoint {
  name: string;
  requests(userId: number): autocannon.Request[];
}

const json = { 'content-type': 'application/json' };

/** The three loads; PATCH alternates fields as Window 1 and Window 2 do. */
const ENDPOINTS: Endpoint[] = [
  {
    name: 'PATCH one user, alternating first_name / last_name',
    requests: (id) => [
      { method: 'PATCH', path: `/api/users/${id}`, headers: json, body: JSON.stringify({ first_name: 'Ada' }) },
      { method: 'PATCH', path: `/api/users/${id}`, headers: json, body: JSON.stringify({ last_name: 'Lovelace' }) },
    ],
  },
  { name: 'GET one user', requests: (id) => [{ method: 'GET', path: `/api/users/${id}` }] },
  { name: `GET the list (${SEEDED_USERS} users, default limit)`, requests: () => [{ method: 'GET', path: '/api/users' }] },
];

const METRICS: MetricDef[] = [
  { key: 'rps', label: 'requests per second', unit: 'req/s', aggregate: 'median', ratio: true },
  { key: 'p50', label: 'latency p50', unit: 'ms', aggregate: 'median', ratio: true },
  { key: 'p99', label: 'latency p99', unit: 'ms', aggregate: 'median', ratio: true },
  { key: 'requests', label: 'requests answered', unit: 'count', aggregate: 'sum', ratio: false },
  { key: 'non2xx', label: 'non-2xx responses', unit: 'count', aggregate: 'sum', ratio: false },
  { key: 'errors', label: 'connection errors and timeouts', unit: 'count', aggregate: 'sum', ratio: false },
  { key: 'server_cpu', label: 'server CPU', unit: 'cores', aggregate: 'median', ratio: false },
  /*
   * Less tied to the generator than the rate: when the generator on the same
   * two cores cannot keep a fast server busy, that server's rate drops with it,
   * but not the CPU it spends on each request it answers.
   */
  { key: 'cpu_per_request', label: 'server CPU per request', unit: 'µs', aggregate: 'median', ratio: true },
  { key: 'generator_thread', label: 'busiest generator thread', unit: 'cores', aggregate: 'median', ratio: false },
];

function durations(ctx: BenchContext): { warmupS: number; durationS: number } {
  return ctx.quick ? { warmupS: 0.3, durationS: 1 } : { warmupS: 1, durationS: 5 };
}

function load(url: string, requests: autocannon.Request[], durationS: number): Promise<autocannon.Result> {
  return autocannon({ url, connections: CONNECTIONS, pipelining: 1, duration: durationS, requests, timeout: 10 });
}

async function measureEndpoint(
  ctx: BenchContext,
  server: RunningServer,
  endpoint: Endpoint,
  userId: number,
): Promise<Measurement> {
  const { warmupS, durationS } = durations(ctx);
  const requests = endpoint.requests(userId);
  await load(server.url, requests, warmupS);
  const monitor = new CpuMonitor([server.pid]);
  monitor.start();
  const result = await load(server.url, requests, durationS);
  const cpu = monitor.stop();
  const serverCores = cpu.serverCores[0];
  return {
    metrics: {
      // Counted over the whole run, not autocannon's mean of per-second samples.
      rps: result.requests.total / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      server_cpu: serverCores,
      cpu_per_request: cpuPerRequest(serverCores, result.requests.total, result.duration),
      generator_thread: cpu.generatorBusiestThread,
    },
    cpu,
  };
}

/** Microseconds of server CPU per answered request: cores busy over requests a second. */
function cpuPerRequest(cores: number | null | undefined, requests: number, durationS: number): number | null {
  if (cores === null || cores === undefined || requests === 0 || durationS <= 0) return null;
  return (cores * 1e6 * durationS) / requests;
}

/** Creates `count` users ten at a time; resolves with their ids in creation order. */
async function seedUsers(url: string, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) => createUser(url, `First${i + j}`, `Last${i + j}`));
    ids.push(...(await Promise.all(batch)));
  }
  return ids.sort((a, b) => a - b);
}

/** Scenario 2: closed-loop load at 50 connections (autocannon in the generator's main thread). */
export const throughput: Scenario = {
  name: 'throughput',
  title: 'Throughput, 50 connections',
  cases: (): CaseDef[] => ENDPOINTS.map((endpoint) => ({ name: endpoint.name, metrics: METRICS })),
  config: (ctx) => ({
    connections: CONNECTIONS,
    seededUsers: SEEDED_USERS,
    ...durations(ctx),
    tool: 'autocannon (library), pipelining 1',
  }),
  async runOnce(ctx: BenchContext, spec: ServerSpec, run: number): Promise<Record<string, Measurement>> {
    const db = scratchDb(ctx, `throughput-${spec.role}-${run}`);
    const server = await startServer(spec, { dbPath: db.path });
    try {
      const ids = await seedUsers(server.url, SEEDED_USERS);
      const measured: Record<string, Measurement> = {};
      for (const endpoint of ENDPOINTS) measured[endpoint.name] = await measureEndpoint(ctx, server, endpoint, ids[0]);
      return measured;
    } finally {
      await server.stop();
      db.remove();
    }
  },
};
