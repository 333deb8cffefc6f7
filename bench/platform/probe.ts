/**
 * `npm run bench:platform`: what the HTTP stack alone costs per request.
 * The three probe servers (probe-server.ts) run side by side; each gets a
 * warm-up, then ROUNDS loads of autocannon at 50 connections, the servers in
 * alternating order. Reported per stack: requests per second and the
 * server's CPU per request (read from /proc), medians over the rounds, and
 * each as a ratio to node:http from the same run. It answers issue 8's
 * question about @nestjs/platform-fastify without switching the project.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { stopChild, track } from '../lib/children';
import { waitUntil } from '../lib/clock';
import { freePort } from '../lib/ports';
import { processCpuSeconds } from '../lib/proc';
import { median } from '../lib/stats';
import { STACKS, Stack } from './stacks';

const ROUNDS = Number(process.env.PLATFORM_ROUNDS ?? 6);
const SECONDS = Number(process.env.PLATFORM_SECONDS ?? 3);

interface Probe {
  stack: Stack;
  pid: number;
  url: string;
  stop(): Promise<void>;
}

async function startProbe(stack: Stack): Promise<Probe> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(__dirname, 'probe-server.js'), stack, String(port)], { stdio: 'inherit' });
  track(child);
  const url = `http://127.0.0.1:${port}/api/users/7`;
  const up = await waitUntil(async () => (await fetch(url).catch(() => undefined))?.ok === true, 20_000, 50);
  if (!up) throw new Error(`${stack} probe did not start`);
  return { stack, pid: child.pid ?? 0, url, stop: () => stopChild(child) };
}

async function load(url: string, seconds: number): Promise<number> {
  const result = await autocannon({ url, connections: 50, pipelining: 1, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.total;
}

/** The stacks are only comparable if they do the same work: the same status, type and body. */
async function sameAnswerEverywhere(probes: Probe[]): Promise<void> {
  const answers = await Promise.all(
    probes.map(async (probe) => {
      const response = await fetch(probe.url);
      const type = response.headers.get('content-type') ?? '';
      return `${response.status} ${type.split(';')[0]} ${await response.text()}`;
    }),
  );
  if (new Set(answers).size !== 1) throw new Error(`the stacks answer differently: ${answers.join(' | ')}`);
}

async function main(): Promise<void> {
  const probes: Probe[] = [];
  try {
    for (const stack of STACKS) probes.push(await startProbe(stack));
    await sameAnswerEverywhere(probes);
    for (const probe of probes) await load(probe.url, 1);
    const rps = new Map<Stack, number[]>(STACKS.map((stack) => [stack, []]));
    const cpu = new Map<Stack, number[]>(STACKS.map((stack) => [stack, []]));
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const probe of round % 2 === 0 ? probes : [...probes].reverse()) {
        const before = processCpuSeconds(probe.pid) ?? 0;
        const requests = await load(probe.url, SECONDS);
        const used = (processCpuSeconds(probe.pid) ?? 0) - before;
        rps.get(probe.stack)?.push(requests / SECONDS);
        cpu.get(probe.stack)?.push((used * 1e6) / requests);
      }
    }
    const floorRps = median(rps.get('node:http') ?? []) ?? NaN;
    const floorCpu = median(cpu.get('node:http') ?? []) ?? NaN;
    console.log(`GET /api/users/:id, 50 connections, ${ROUNDS} rounds of ${SECONDS} s, medians`);
    console.log('stack          req/s   / node:http   CPU per request (us)   / node:http');
    for (const stack of STACKS) {
      const r = median(rps.get(stack) ?? []) ?? NaN;
      const c = median(cpu.get(stack) ?? []) ?? NaN;
      console.log(
        `${stack.padEnd(13)} ${r.toFixed(0).padStart(6)}   ${(r / floorRps).toFixed(2).padStart(9)}x   ${c.toFixed(0).padStart(20)}   ${(c / floorCpu).toFixed(2).padStart(9)}x`,
      );
    }
  } finally {
    await Promise.all(probes.map((probe) => probe.stop()));
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
