import type { CaseResult, ScenarioResult } from '../lib/results';
import { foldNotes, formatRatio, formatValue } from '../lib/results';
import { TargetRow, targetRows } from './targets';

type Results = ScenarioResult[];

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** A Markdown table; a `|` inside a cell is escaped. */
export function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

function byName(results: Results): Partial<Record<ScenarioResult['scenario'], ScenarioResult>> {
  return Object.fromEntries(results.map((result) => [result.scenario, result]));
}

export function machineBlock(results: Results): string {
  const first = results[0];
  if (!first) return '_No results yet: run `npm run bench`._';
  const m = first.machine;
  const started = results.map((r) => r.startedAt).sort()[0];
  const finished = results
    .map((r) => r.finishedAt)
    .sort()
    .reverse()[0];
  const rows = [
    ['cores', `${m.cores} (${m.cpuModel})`],
    ['memory', `${m.memoryGiB} GiB`],
    ['Node.js', m.node],
    ['SQLite', m.sqlite],
    ['OS', m.os],
    ['file descriptors', m.fdLimit],
    ['machine before the run', m.before ?? 'not recorded'],
    ['project commit', m.commit],
    [
      'run',
      `${first.runId}: ${first.mode}, ${first.runsPerServer} run(s) per server, ${started.slice(0, 16).replace('T', ' ')} to ${finished.slice(11, 16)} UTC`,
    ],
    [
      'project server',
      `\`${first.servers.project.command}\`${Object.keys(first.servers.project.env).length ? ` with ${JSON.stringify(first.servers.project.env)}` : ''}`,
    ],
    ['floor server', `\`${first.servers.floor.command}\``],
  ];
  return table(['', ''], rows);
}

function passCell(row: TargetRow): string {
  if (row.pass === null) return 'not measured';
  return row.pass ? 'pass' : '**fail**';
}

export function targetsBlock(results: Results): string {
  const rows = targetRows(byName(results)).map((row) => [
    row.figure,
    row.target,
    row.project,
    row.floor,
    row.ratio,
    passCell(row),
  ]);
  return table(['figure', 'target', 'project', 'floor', 'project / floor', 'result'], rows);
}

/** Before tuning, and the last run beside it once they differ. */
export function beforeBlock(before: Results, last: Results): string {
  if (before.length === 0) return '_No before-tuning results kept yet (`npm run bench:report -- --snapshot before-tuning`)._';
  const beforeRows = targetRows(byName(before));
  const sameRun = before[0]?.runId === last[0]?.runId;
  const intro = `Run ${before[0].runId}, project commit ${before[0].machine.commit}; kept in \`bench/results/before-tuning/\`.`;
  if (sameRun) {
    return `${intro}\n\n${table(
      ['figure', 'target', 'project', 'floor', 'project / floor', 'result'],
      beforeRows.map((row) => [row.figure, row.target, row.project, row.floor, row.ratio, passCell(row)]),
    )}`;
  }
  const lastRows = targetRows(byName(last));
  return `${intro}\n\n${table(
    ['figure', 'target', 'before: project / floor', 'before', `last run (${last[0]?.runId ?? 'none'})`, 'now'],
    beforeRows.map((row, i) => [
      row.figure,
      row.target,
      `${row.project} (${row.ratio || row.floor})`,
      passCell(row),
      `${lastRows[i]?.project ?? 'n/a'} (${lastRows[i]?.ratio || lastRows[i]?.floor || ''})`,
      lastRows[i] ? passCell(lastRows[i]) : 'not measured',
    ]),
  )}`;
}

function configLine(result: ScenarioResult): string {
  const describe = (value: unknown): string => (Array.isArray(value) ? value.join(', ') : String(value));
  return Object.entries(result.config)
    .map(([key, value]) => `${key}: ${describe(value)}`)
    .join('; ');
}

function caseBlock(result: ScenarioResult, item: CaseResult): string {
  const project = result.servers.project.label;
  const value = (role: 'project' | 'floor', def: CaseResult['metrics'][number]): string =>
    result.notRunOn?.[role] ? 'not run' : formatValue(item.summary[role][def.key], def.unit);
  const rows = item.metrics.map((def) => {
    const unit = def.unit === 'count' || def.unit === 'yes/no' ? '' : ` (${def.unit})`;
    const runs = (role: 'project' | 'floor'): string =>
      item.runs[role].map((run) => formatValue(run.metrics[def.key], def.unit)).join(' / ');
    return [
      `${def.label}${unit}${def.aggregate === 'sum' ? ', all runs' : ''}`,
      value('project', def),
      value('floor', def),
      def.ratio ? formatRatio(item.ratios[def.key]) : '',
      runs('project'),
      runs('floor'),
    ];
  });
  const flags = (['project', 'floor'] as const).flatMap((role) =>
    item.runs[role]
      .filter((run) => run.saturated || run.error || run.notes.length > 0)
      .map(
        (run) =>
          `- ${result.servers[role].label} run ${run.run}${run.saturated ? ' (saturated)' : ''}: ${run.error ?? foldNotes(run.notes)}`,
      ),
  );
  return [
    `#### ${result.title}: ${item.name}`,
    '',
    table(['figure', project, 'floor', `${project} / floor`, `${project} runs`, 'floor runs'], rows),
    ...(flags.length > 0 ? ['', ...flags] : []),
  ].join('\n');
}

/** "Not run on the floor: why", for a scenario that runs on one server only. */
function notRunLine(result: ScenarioResult): string[] {
  return (['project', 'floor'] as const).flatMap((role) => {
    const why = result.notRunOn?.[role];
    return why ? [`Not run on the ${role === 'floor' ? 'floor' : result.servers.project.label}: ${why}.`] : [];
  });
}

export function figuresBlock(results: Results): string {
  if (results.length === 0) return '_No results yet._';
  return results
    .map((result) =>
      [
        `### ${result.title}`,
        '',
        `_${configLine(result)}_`,
        '',
        ...notRunLine(result),
        ...result.cases.map((item) => caseBlock(result, item)),
      ]
        .join('\n\n')
        .replace(/\n{3,}/g, '\n\n'),
    )
    .join('\n\n');
}

/** Replaces the text between `<!-- generated:name -->` and `<!-- /generated:name -->`, or appends the block. */
export function replaceBlock(document: string, name: string, content: string, heading: string): string {
  const open = `<!-- generated:${name} -->`;
  const close = `<!-- /generated:${name} -->`;
  const block = `${open}\n${content.trim()}\n${close}`;
  const start = document.indexOf(open);
  const end = document.indexOf(close);
  if (start !== -1 && end > start) return document.slice(0, start) + block + document.slice(end + close.length);
  return `${document.trimEnd()}\n\n## ${heading}\n\n${block}\n`;
}
