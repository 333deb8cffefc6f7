import type { CaseResult, MetricDef, ScenarioName, ScenarioResult } from '../lib/results';
import { formatRatio, formatValue } from '../lib/results';

/** One row of the targets table: a figure, the issue's target for it, and whether the run met it. */
export interface TargetRow {
  figure: string;
  target: string;
  project: string;
  floor: string;
  ratio: string;
  /** null when the results hold no such figure (e.g. a quick run). */
  pass: boolean | null;
}

type Results = Partial<Record<ScenarioName, ScenarioResult>>;

function findCase(results: Results, scenario: ScenarioName, caseName: string): CaseResult | undefined {
  return results[scenario]?.cases.find((item) => item.name === caseName);
}

function unitOf(item: CaseResult, key: string): MetricDef['unit'] {
  return item.metrics.find((def) => def.key === key)?.unit ?? 'ms';
}

/** A figure with its unit, as the targets table shows it. */
function shown(value: number | null | undefined, unit: MetricDef['unit']): string {
  const text = formatValue(value, unit);
  if (text === 'n/a' || unit === 'count' || unit === 'yes/no') return text;
  return `${text} ${unit}`;
}

function missingRow(figure: string, target: string): TargetRow {
  return { figure, target, project: 'n/a', floor: 'n/a', ratio: '', pass: null };
}

/** project / floor of a figure at most (or at least) a bound. */
function ratioTarget(
  results: Results,
  scenario: ScenarioName,
  caseName: string,
  key: string,
  figure: string,
  bound: number,
  direction: 'max' | 'min',
): TargetRow {
  const target = `${direction === 'max' ? '≤' : '≥'} ${bound}x floor`;
  const item = findCase(results, scenario, caseName);
  if (!item) return missingRow(figure, target);
  const ratio = item.ratios[key] ?? null;
  const unit = unitOf(item, key);
  return {
    figure,
    target,
    project: shown(item.summary.project[key], unit),
    floor: shown(item.summary.floor[key], unit),
    ratio: formatRatio(ratio),
    pass: ratio === null ? null : direction === 'max' ? ratio <= bound : ratio >= bound,
  };
}

/** A figure of the project alone against an absolute bound. */
function absoluteTarget(
  results: Results,
  scenario: ScenarioName,
  caseName: string,
  key: string,
  figure: string,
  target: string,
  check: (value: number) => boolean,
): TargetRow {
  const item = findCase(results, scenario, caseName);
  if (!item) return missingRow(figure, target);
  const value = item.summary.project[key];
  const unit = unitOf(item, key);
  return {
    figure,
    target,
    project: shown(value, unit),
    floor: shown(item.summary.floor[key], unit),
    ratio: item.metrics.find((def) => def.key === key)?.ratio ? formatRatio(item.ratios[key]) : '',
    pass: value === null ? null : check(value),
  };
}

function twoInstanceTarget(results: Results): TargetRow {
  const figure = 'two instances: all clients reached p99, 1,000 sockets';
  const target = '≤ 2x one instance';
  const two = findCase(results, 'two-instances', '1,000 sockets, 2 instances');
  const one = findCase(results, 'fanout', '1,000 sockets');
  if (!two) return missingRow(figure, target);
  const value = two.summary.project.reached_p99;
  const single = one?.summary.project.reached_p99 ?? null;
  const versusSingle = value !== null && single !== null && single > 0 ? value / single : null;
  return {
    figure,
    target,
    project: `${shown(value, 'ms')} (${versusSingle === null ? 'n/a' : `${versusSingle.toFixed(2)}x`} one instance's ${shown(single, 'ms')})`,
    floor: shown(two.summary.floor.reached_p99, 'ms'),
    ratio: formatRatio(two.ratios.reached_p99),
    pass: versusSingle === null ? null : versusSingle <= 2,
  };
}

/**
 * Counts that must be zero, summed over a scenario's cases and runs; null
 * when a run failed; undefined when the scenario does not run on that server.
 */
function zeroTotal(result: ScenarioResult, role: 'project' | 'floor', keys: readonly string[]): number | null | undefined {
  if (result.notRunOn?.[role]) return undefined;
  let sum = 0;
  for (const item of result.cases) {
    if (item.runs[role].some((run) => run.error)) return null;
    for (const key of keys) {
      if (!(key in item.summary[role])) continue;
      const value = item.summary[role][key];
      if (value === null) return null;
      sum += value;
    }
  }
  return sum;
}

function zeroTarget(results: Results, scenarios: readonly ScenarioName[], keys: readonly string[], figure: string): TargetRow {
  const present = scenarios.map((name) => results[name]).filter((result): result is ScenarioResult => result !== undefined);
  if (present.length === 0) return missingRow(figure, '0');
  const total = (role: 'project' | 'floor'): number | null | undefined => {
    const parts = present.map((result) => zeroTotal(result, role, keys)).filter((part) => part !== undefined);
    if (parts.length === 0) return undefined;
    return parts.some((part) => part === null) ? null : parts.reduce<number>((sum, part) => sum + (part ?? 0), 0);
  };
  const project = total('project');
  const floor = total('floor');
  const show = (value: number | null | undefined): string =>
    value === undefined ? 'not run' : value === null ? 'n/a (a run failed)' : formatValue(value, 'count');
  return {
    figure,
    target: '0',
    project: show(project),
    floor: show(floor),
    ratio: '',
    pass: project === undefined ? null : project === null ? false : project === 0,
  };
}

/** The issue's targets, in its order. */
export function targetRows(results: Results): TargetRow[] {
  return [
    ratioTarget(results, 'fanout', '100 sockets', 'reached_p99', 'all clients reached p99, 100 sockets', 1.15, 'max'),
    ratioTarget(results, 'fanout', '1,000 sockets', 'reached_p99', 'all clients reached p99, 1,000 sockets', 1.25, 'max'),
    ratioTarget(
      results,
      'throughput',
      'PATCH one user, alternating first_name / last_name',
      'rps',
      'PATCH throughput',
      0.85,
      'min',
    ),
    ratioTarget(results, 'throughput', 'GET one user', 'rps', 'GET one user throughput', 0.85, 'min'),
    ratioTarget(results, 'throughput', 'GET the list (100 users, default limit)', 'rps', 'GET list throughput', 0.85, 'min'),
    ratioTarget(results, 'memory', 'idle sockets', 'per_socket_1000', 'memory per idle socket at 1,000', 1.2, 'max'),
    ratioTarget(results, 'memory', 'idle sockets', 'per_socket_10000', 'memory per idle socket at 10,000', 1.2, 'max'),
    absoluteTarget(
      results,
      'memory',
      'idle sockets',
      'held_10000',
      '10,000 idle sockets held by one instance',
      'yes',
      (v) => v === 1,
    ),
    twoInstanceTarget(results),
    absoluteTarget(
      results,
      'cold-start',
      'start on an existing SQLite file',
      'cold_start_ms',
      'cold start to first answer',
      '≤ 1,500 ms',
      (v) => v <= 1_500,
    ),
    absoluteTarget(
      results,
      'presence',
      '1,000 windows on one user',
      'probe_join_max',
      'presence storm: slowest probe GET during the joins',
      '≤ 100 ms',
      (v) => v <= 100,
    ),
    absoluteTarget(
      results,
      'presence',
      '1,000 windows on one user',
      'probe_leave_max',
      'presence storm: slowest probe GET during the leave',
      '≤ 100 ms',
      (v) => v <= 100,
    ),
    absoluteTarget(
      results,
      'presence',
      '1,000 windows on one user',
      'right_count',
      'presence storm: every window ends with the right count',
      'yes',
      (v) => v === 1,
    ),
    ...(['fanout', 'two-instances'] as const).map((name) =>
      zeroTarget(results, [name], ['missing'], `${name}: missing deliveries`),
    ),
    zeroTarget(results, ['reconnect'], ['missing'], 'reconnect: missing changes after reconnects'),
    zeroTarget(
      results,
      ['reconnect'],
      ['recovered_false', 'replay_errors'],
      'reconnect: recovered false, replays out of order or unfinished',
    ),
    zeroTarget(
      results,
      ['fanout', 'throughput', 'two-instances', 'presence', 'reconnect'],
      ['non2xx', 'probe_non2xx'],
      'non-2xx responses, every scenario',
    ),
    zeroTarget(
      results,
      ['fanout', 'memory', 'two-instances', 'presence', 'reconnect'],
      ['errors', 'connect_failures'],
      'bad events, duplicates, failed connects',
    ),
    zeroTarget(results, ['fanout', 'two-instances'], ['out_of_order'], 'user_update older than one the client already had'),
  ];
}
