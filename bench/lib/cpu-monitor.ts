import { cpus } from 'node:os';
import { machineCpu, MachineCpu, ownThreadCpu, processCpuSeconds } from './proc';

/** A generator thread busier than this was probably the limit, not the server. */
const THREAD_SATURATED = 0.9;
/** Machine idle below this share of all cores: server and generator were fighting for CPU. */
const MACHINE_SATURATED_IDLE = 0.05;

export interface CpuReport {
  wallSeconds: number;
  /** CPU the generator process used (all its threads), in cores. */
  generatorCores: number;
  /** The busiest generator thread, as a share of one core. */
  generatorBusiestThread: number;
  /** CPU each server process used, in cores. */
  serverCores: number[];
  /** Share of all the machine's cores left idle, whoever used the rest. */
  machineIdle: number;
  saturated: boolean;
  reasons: string[];
}

interface Snapshot {
  at: number;
  own: NodeJS.CpuUsage;
  threads: Map<string, number>;
  servers: (number | undefined)[];
  machine: MachineCpu;
}

/** Measures CPU over one window: start() before the load, stop() after it. */
export class CpuMonitor {
  private begin?: Snapshot;

  constructor(private readonly serverPids: readonly number[]) {}

  start(): void {
    this.begin = this.snapshot();
  }

  stop(): CpuReport {
    const begin = this.begin;
    if (!begin) throw new Error('CpuMonitor.stop() before start()');
    const end = this.snapshot();
    const wall = Math.max((end.at - begin.at) / 1000, 1e-3);
    const own = process.cpuUsage(begin.own);
    let busiest = 0;
    for (const [tid, seconds] of end.threads) busiest = Math.max(busiest, seconds - (begin.threads.get(tid) ?? 0));
    const machineTotal = end.machine.total - begin.machine.total;
    const machineIdle = machineTotal > 0 ? (end.machine.idle - begin.machine.idle) / machineTotal : 1;
    const report: CpuReport = {
      wallSeconds: wall,
      generatorCores: (own.user + own.system) / 1e6 / wall,
      generatorBusiestThread: busiest / wall,
      serverCores: end.servers
        .map((seconds, i) => (seconds ?? Number.NaN) - (begin.servers[i] ?? Number.NaN))
        .map((s) => s / wall),
      machineIdle,
      saturated: false,
      reasons: [],
    };
    if (report.generatorBusiestThread >= THREAD_SATURATED) {
      report.reasons.push(`generator thread at ${(report.generatorBusiestThread * 100).toFixed(0)}% of a core`);
    }
    if (machineIdle < MACHINE_SATURATED_IDLE) {
      report.reasons.push(`machine ${(machineIdle * 100).toFixed(1)}% idle over ${cpus().length} cores`);
    }
    report.saturated = report.reasons.length > 0;
    return report;
  }

  private snapshot(): Snapshot {
    return {
      at: performance.now(),
      own: process.cpuUsage(),
      threads: ownThreadCpu(),
      servers: this.serverPids.map((pid) => processCpuSeconds(pid)),
      machine: machineCpu(),
    };
  }
}
