import { CaseResult, foldNotes, formatRatio, formatValue, ScenarioResult } from './results';

function pad(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ')).join('\n');
}

/** One case as a plain-text table: medians (or sums), the ratio, and every run's value. */
export function caseTable(result: ScenarioResult, item: CaseResult): string {
  const project = result.servers.project.label;
  const floor = result.servers.floor.label;
  const header = ['figure', project, floor, 'ratio', `${project} runs`, `${floor} runs`];
  const rows = item.metrics.map((def) => {
    const unit = def.unit === 'count' || def.unit === 'yes/no' ? '' : ` (${def.unit})`;
    const runs = (role: 'project' | 'floor'): string => item.runs[role].map((run) => formatValue(run.metrics[def.key], def.unit)).join(' / ');
    return [
      `${def.label}${unit}${def.aggregate === 'sum' ? ' [sum]' : ''}`,
      formatValue(item.summary.project[def.key], def.unit),
      formatValue(item.summary.floor[def.key], def.unit),
      def.ratio ? formatRatio(item.ratios[def.key]) : '',
      runs('project'),
      runs('floor'),
    ];
  });
  const flagged = (['project', 'floor'] as const).flatMap((role) =>
    item.runs[role].filter((run) => run.saturated || run.error).map((run) => `  ${result.servers[role].label} run ${run.run}: ${run.error ?? foldNotes(run.notes)}`),
  );
  return [`${result.title}: ${item.name}`, pad([header, ...rows]), ...flagged].join('\n');
}
