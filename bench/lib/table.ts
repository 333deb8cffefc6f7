import { CaseResult, foldNotes, formatRatio, formatValue, MetricDef, ScenarioResult } from './results';

function pad(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  '),
    )
    .join('\n');
}

/** One case as a plain-text table: medians (or sums), the ratio, and every run's value. */
export function caseTable(result: ScenarioResult, item: CaseResult): string {
  const project = result.servers.project.label;
  const floor = result.servers.floor.label;
  const header = ['figure', project, floor, 'ratio', `${project} runs`, `${floor} runs`];
  const value = (role: 'project' | 'floor', key: string, unit: MetricDef['unit']): string =>
    result.notRunOn?.[role] ? 'not run' : formatValue(item.summary[role][key], unit);
  const rows = item.metrics.map((def) => {
    const unit = def.unit === 'count' || def.unit === 'yes/no' ? '' : ` (${def.unit})`;
    const runs = (role: 'project' | 'floor'): string =>
      item.runs[role].map((run) => formatValue(run.metrics[def.key], def.unit)).join(' / ');
    return [
      `${def.label}${unit}${def.aggregate === 'sum' ? ' [sum]' : ''}`,
      value('project', def.key, def.unit),
      value('floor', def.key, def.unit),
      def.ratio ? formatRatio(item.ratios[def.key]) : '',
      runs('project'),
      runs('floor'),
    ];
  });
  const flagged = (['project', 'floor'] as const).flatMap((role) =>
    item.runs[role]
      .filter((run) => run.saturated || run.error)
      .map((run) => `  ${result.servers[role].label} run ${run.run}: ${run.error ?? foldNotes(run.notes)}`),
  );
  const notRun = (['project', 'floor'] as const).flatMap((role) =>
    result.notRunOn?.[role] ? [`  ${result.servers[role].label} not run: ${result.notRunOn[role]}`] : [],
  );
  return [`${result.title}: ${item.name}`, pad([header, ...rows]), ...notRun, ...flagged].join('\n');
}
