import type { CpuReport } from './cpu-monitor';
import type { ServerRole } from './servers';
import { median, ratio } from './stats';

export type ScenarioName = 'fanout' | 'throughput' | 'memory' | 'two-instances' | 'cold-start' | 'presence' | 'reconnect';
export const SCENARIOS: readonly ScenarioName[] = [
  'fanout',
  'throughput',
  'memory',
  'two-instances',
  'cold-start',
  'presence',
  'reconnect',
];

/**
 * How one figure is combined over runs: timings and rates by median; counts
 * that must be zero (missing, non-2xx) by sum, so one bad run shows; yes/no
 * checks by "every run".
 */
export type Aggregate = 'median' | 'sum' | 'all';

export interface MetricDef {
  key: string;
  label: string;
  unit: 'ms' | 'µs' | 's' | 'req/s' | '/s' | 'MB' | 'KB' | 'count' | 'yes/no' | 'cores';
  aggregate: Aggregate;
  /** Whether a project / floor ratio means something for this figure. */
  ratio: boolean;
}

/** A missing value is null: a run that failed, or a percentile of nothing. */
export type MetricValues = Record<string, number | null>;

export interface RunRecord {
  run: number;
  metrics: MetricValues;
  cpu?: CpuReport;
  /** Why the run's figures may not be the server's limit (generator or machine saturated). */
  saturated: boolean;
  notes: string[];
  error?: string;
}

export interface CaseResult {
  name: string;
  metrics: MetricDef[];
  runs: Record<ServerRole, RunRecord[]>;
  summary: Record<ServerRole, MetricValues>;
  /** project / floor of each summarised figure that has a ratio. */
  ratios: MetricValues;
}

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  sqlite: string;
  os: string;
  fdLimit: string;
  commit: string;
  /** How busy the shared machine was just before the bench started: other work skews every figure. */
  before: string;
}

export interface ServerDescription {
  label: string;
  command: string;
  env: Record<string, string>;
}

export interface ScenarioResult {
  scenario: ScenarioName;
  title: string;
  runId: string;
  mode: 'quick' | 'full';
  startedAt: string;
  finishedAt: string;
  runsPerServer: number;
  machine: MachineInfo;
  servers: Record<ServerRole, ServerDescription>;
  config: Record<string, unknown>;
  /** A server the scenario does not run on, and why (e.g. the floor cannot replay): its runs are empty. */
  notRunOn?: Partial<Record<ServerRole, string>>;
  cases: CaseResult[];
}

export function aggregate(def: MetricDef, values: (number | null)[]): number | null {
  switch (def.aggregate) {
    case 'median':
      return median(values);
    case 'sum':
      // A failed run counts as not clean: its null would otherwise vanish from the sum.
      return values.some((value) => value === null) ? null : values.reduce<number>((sum, value) => sum + (value ?? 0), 0);
    case 'all':
      return values.length > 0 && values.every((value) => value === 1) ? 1 : 0;
  }
}

export function summariseCase(name: string, metrics: MetricDef[], runs: Record<ServerRole, RunRecord[]>): CaseResult {
  const summarise = (records: RunRecord[]): MetricValues =>
    Object.fromEntries(
      metrics.map((def) => [
        def.key,
        records.length === 0
          ? null
          : aggregate(
              def,
              records.map((r) => r.metrics[def.key] ?? null),
            ),
      ]),
    );
  const summary = { project: summarise(runs.project), floor: summarise(runs.floor) };
  const ratios: MetricValues = Object.fromEntries(
    metrics.filter((def) => def.ratio).map((def) => [def.key, ratio(summary.project[def.key], summary.floor[def.key])]),
  );
  return { name, metrics, runs, summary, ratios };
}

/** A figure as tables show it. */
export function formatValue(value: number | null | undefined, unit: MetricDef['unit']): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  switch (unit) {
    case 'yes/no':
      return value === 1 ? 'yes' : 'no';
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'req/s':
    case '/s':
      return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
    case 'cores':
      return value.toFixed(2);
    default:
      return value >= 100 ? Math.round(value).toLocaleString('en-US') : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  }
}

export function formatRatio(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : `${value.toFixed(2)}x`;
}

/** A run's notes with repeats folded: the same inversion is seen by every client. */
export function foldNotes(notes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const note of notes) counts.set(note, (counts.get(note) ?? 0) + 1);
  return [...counts].map(([note, count]) => (count > 1 ? `${note} (x${count})` : note)).join('; ');
}
