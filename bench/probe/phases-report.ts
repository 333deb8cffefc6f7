/**
 * Medians of the PATCH traces the phases probe wrote (see phases.ts), one
 * column pair per server: when each mark came, in ms since the request event,
 * and the step from the mark before it.
 *
 *   node dist/bench/probe/phases-report.js [dir] [--skip N]
 *
 * A step is the median, over the PATCHes that have both marks, of the time
 * from the previous mark in the table to this one; the first --skip PATCHes
 * of each server process (default 20) are left out as its warm-up.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from '../lib/stats';
import { repoRoot } from '../lib/paths';
import { table as markdownTable } from '../report/markdown';
import type { PatchTrace, PhasesFile } from './phases';

export interface ServerPhases {
  server: string;
  patches: number;
  /** Marks in the order of their median time. */
  rows: { mark: string; at: number; step: number | null }[];
}

export function summarise(server: string, traces: readonly PatchTrace[]): ServerPhases {
  const times = new Map<string, number[]>();
  for (const trace of traces) {
    for (const [name, at] of trace.marks) {
      const list = times.get(name) ?? [];
      list.push(at);
      times.set(name, list);
    }
  }
  const order = [...times.entries()].map(([mark, values]) => ({ mark, at: median(values) ?? 0 })).sort((a, b) => a.at - b.at);
  const rows = order.map(({ mark, at }, index) => {
    if (index === 0) return { mark, at, step: null };
    const previous = order[index - 1].mark;
    const steps: number[] = [];
    for (const trace of traces) {
      const marks = new Map(trace.marks);
      const from = marks.get(previous);
      const to = marks.get(mark);
      if (from !== undefined && to !== undefined) steps.push(to - from);
    }
    return { mark, at, step: median(steps) };
  });
  return { server, patches: traces.length, rows };
}

export function readPhases(dir: string, skip: number): ServerPhases[] {
  const byServer = new Map<string, PatchTrace[]>();
  for (const name of readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()) {
    const file = JSON.parse(readFileSync(join(dir, name), 'utf8')) as PhasesFile;
    byServer.set(file.server, [...(byServer.get(file.server) ?? []), ...file.patches.slice(skip)]);
  }
  return [...byServer.entries()].map(([server, traces]) => summarise(server, traces));
}

function phasesTable(servers: readonly ServerPhases[]): string {
  // In the order of the server with the most marks; another server's own marks go where their times put them.
  const fullest = [...servers].sort((a, b) => b.rows.length - a.rows.length)[0];
  const marks = fullest ? fullest.rows.map((row) => row.mark) : [];
  for (const server of servers) {
    for (const row of server.rows) {
      if (marks.includes(row.mark)) continue;
      const later = marks.findIndex((mark) => (fullest.rows.find((r) => r.mark === mark)?.at ?? 0) > row.at);
      marks.splice(later < 0 ? marks.length : later, 0, row.mark);
    }
  }
  const ms = (value: number | null | undefined): string => (value === null || value === undefined ? '' : value.toFixed(3));
  const header = ['mark', ...servers.flatMap((s) => [`${s.server} (${s.patches} PATCHes): at`, 'step'])];
  const rows = marks.map((mark) => [
    mark,
    ...servers.flatMap((server) => {
      const row = server.rows.find((candidate) => candidate.mark === mark);
      return [ms(row?.at), ms(row?.step)];
    }),
  ]);
  return markdownTable(header, rows);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const skipAt = args.indexOf('--skip');
  const skip = skipAt >= 0 ? Number(args.splice(skipAt, 2)[1]) : 20;
  const dir = args[0] ?? join(repoRoot(), 'bench', 'results', 'phases');
  console.log(phasesTable(readPhases(dir, skip)));
}
