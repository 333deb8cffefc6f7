import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CpuReport } from './cpu-monitor';
import { CaseResult, MetricDef, MetricValues, RunRecord, ScenarioName, summariseCase } from './results';
import { ROLES, ServerRole, ServerSpec } from './servers';
import type { SubscriberPool } from './subscriber-pool';

export interface BenchContext {
  quick: boolean;
  runs: number;
  servers: Record<ServerRole, ServerSpec>;
  pool: SubscriberPool;
  /** A scratch directory for databases, removed at the end. */
  tmp: string;
  log(line: string): void;
}

/** What one run of one case measured. */
export interface Measurement {
  metrics: MetricValues;
  cpu?: CpuReport;
  notes?: string[];
}

export interface CaseDef {
  name: string;
  metrics: MetricDef[];
}

export interface Scenario {
  name: ScenarioName;
  title: string;
  cases(ctx: BenchContext): CaseDef[];
  config(ctx: BenchContext): Record<string, unknown>;
  /**
   * Servers this scenario is not run on, each with the reason the tables give
   * (the floor has no change history to replay from, say): no run, no ratio.
   */
  notRunOn?: Partial<Record<ServerRole, string>>;
  /** Once before the runs, e.g. a database to cold-start on. */
  prepare?(ctx: BenchContext): Promise<void>;
  /** One run on one server: every case, each by name. */
  runOnce(ctx: BenchContext, spec: ServerSpec, run: number): Promise<Record<string, Measurement>>;
  cleanup?(ctx: BenchContext): Promise<void>;
}

/**
 * Runs a scenario `runs` times per server, alternating project and floor so
 * that drift in the machine's speed lands on both (a server in the scenario's
 * notRunOn is skipped, and has no runs). The order is project, floor, floor,
 * project, project, floor…: neither server is always the first of a pair (in
 * A/B runs of two builds, the first of a pair was the slower at PATCH in 10 of
 * 11 pairs, whichever build it was). A run that throws is kept as an error
 * (its figures null), and the bench goes on.
 */
export async function runScenario(scenario: Scenario, ctx: BenchContext): Promise<CaseResult[]> {
  const defs = scenario.cases(ctx);
  const runs = new Map(defs.map((def) => [def.name, { project: [] as RunRecord[], floor: [] as RunRecord[] }]));
  // A preparation that fails fails every run of the scenario, not the whole bench.
  const prepared = await (scenario.prepare?.(ctx) ?? Promise.resolve()).then(
    () => undefined,
    (error: Error) => new Error(`preparation failed: ${error.message}`),
  );
  try {
    for (let run = 1; run <= ctx.runs; run += 1) {
      for (const role of run % 2 === 1 ? ROLES : [...ROLES].reverse()) {
        if (scenario.notRunOn?.[role]) continue;
        ctx.log(`${scenario.name}: run ${run}/${ctx.runs} on ${ctx.servers[role].label}`);
        const measured = prepared ?? (await measureSafely(scenario, ctx, ctx.servers[role], run));
        for (const def of defs) runs.get(def.name)?.[role].push(toRecord(def, run, measured));
      }
    }
  } finally {
    await scenario.cleanup?.(ctx);
  }
  return defs.map((def) => summariseCase(def.name, def.metrics, runs.get(def.name) ?? { project: [], floor: [] }));
}

async function measureSafely(
  scenario: Scenario,
  ctx: BenchContext,
  spec: ServerSpec,
  run: number,
): Promise<Record<string, Measurement> | Error> {
  try {
    return await scenario.runOnce(ctx, spec, run);
  } catch (error) {
    ctx.log(`  ${spec.label} run ${run} failed: ${(error as Error).message}`);
    return error as Error;
  } finally {
    await ctx.pool.reset().catch(() => undefined);
  }
}

function toRecord(def: CaseDef, run: number, measured: Record<string, Measurement> | Error): RunRecord {
  const measurement = measured instanceof Error ? undefined : measured[def.name];
  const metrics: MetricValues = Object.fromEntries(
    def.metrics.map((metric) => [metric.key, measurement?.metrics[metric.key] ?? null]),
  );
  const error = measured instanceof Error ? measured.message : measurement ? undefined : 'case not measured';
  return {
    run,
    metrics,
    cpu: measurement?.cpu,
    saturated: measurement?.cpu?.saturated ?? false,
    notes: [...(measurement?.notes ?? []), ...(measurement?.cpu?.reasons ?? [])],
    ...(error ? { error } : {}),
  };
}

/** A database file for one run, and its removal with SQLite's WAL and shared-memory files. */
export function scratchDb(ctx: BenchContext, name: string): { path: string; remove(): void } {
  const path = join(ctx.tmp, `${name}.sqlite`);
  return {
    path,
    remove: () => ['', '-wal', '-shm', '-journal'].forEach((suffix) => rmSync(path + suffix, { force: true })),
  };
}
