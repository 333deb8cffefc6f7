import type { CaseResult, ScenarioResult } from '../lib/results';
import { formatValue } from '../lib/results';

interface Panel {
  title: string;
  item: CaseResult;
}

const PERCENTILES = [
  ['reached_p50', 'p50'],
  ['reached_p90', 'p90'],
  ['reached_p99', 'p99'],
  ['reached_max', 'max'],
] as const;

const COLORS = { project: '#d9480f', floor: '#1864ab' };
const PANEL_WIDTH = 300;
const PLOT_HEIGHT = 220;
const TOP = 80;
const LEFT = 56;

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panels(results: ScenarioResult[]): Panel[] {
  const found: Panel[] = [];
  for (const result of results) {
    if (result.scenario !== 'fanout' && result.scenario !== 'two-instances') continue;
    for (const item of result.cases) found.push({ title: item.name, item });
  }
  return found;
}

/** Log scale from 1 ms to the next power of ten above the largest value. */
function scale(max: number): { y: (value: number) => number; ticks: number[] } {
  // Headroom above the tallest bar for its label.
  const top = 10 ** Math.max(1, Math.ceil(Math.log10(Math.max(max * 1.6, 10))));
  const y = (value: number): number => TOP + PLOT_HEIGHT - (Math.log10(Math.max(value, 1)) / Math.log10(top)) * PLOT_HEIGHT;
  const ticks: number[] = [];
  for (let tick = 1; tick <= top; tick *= 10) ticks.push(tick);
  return { y, ticks };
}

function drawPanel(panel: Panel, x0: number, y: (value: number) => number): string[] {
  const parts: string[] = [
    `<text x="${x0 + PANEL_WIDTH / 2}" y="${TOP - 14}" text-anchor="middle" font-weight="bold">${escape(panel.title)}</text>`,
  ];
  const groupWidth = (PANEL_WIDTH - 20) / PERCENTILES.length;
  PERCENTILES.forEach(([key, label], i) => {
    const gx = x0 + 10 + i * groupWidth;
    (['project', 'floor'] as const).forEach((role, j) => {
      const value = panel.item.summary[role][key];
      if (value === null) return;
      const bx = gx + 8 + j * (groupWidth / 2 - 8);
      const width = groupWidth / 2 - 12;
      const top = y(value);
      parts.push(
        `<rect x="${bx.toFixed(1)}" y="${top.toFixed(1)}" width="${width.toFixed(1)}" height="${(TOP + PLOT_HEIGHT - top).toFixed(1)}" fill="${COLORS[role]}"><title>${role} ${label}: ${formatValue(value, 'ms')} ms</title></rect>`,
      );
      parts.push(
        `<text x="${(bx + width / 2).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" font-size="10">${formatValue(value, 'ms')}</text>`,
      );
    });
    parts.push(
      `<text x="${(gx + groupWidth / 2).toFixed(1)}" y="${TOP + PLOT_HEIGHT + 16}" text-anchor="middle">${label}</text>`,
    );
  });
  return parts;
}

/**
 * The fan-out chart: "all clients reached" percentiles of both servers, one
 * panel per case, on a log scale (the tails span orders of magnitude).
 */
export function latencyChart(results: ScenarioResult[], caption: string): string {
  const shown = panels(results);
  const width = LEFT + Math.max(shown.length, 1) * PANEL_WIDTH + 20;
  const height = TOP + PLOT_HEIGHT + 70;
  const max = Math.max(
    10,
    ...shown.flatMap((panel) =>
      PERCENTILES.flatMap(([key]) => [panel.item.summary.project[key] ?? 0, panel.item.summary.floor[key] ?? 0]),
    ),
  );
  const { y, ticks } = scale(max);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" font-size="14" font-weight="bold">Fan-out: PATCH sent to the last client's user_update (all clients reached), ms, log scale</text>`,
    `<text x="${LEFT}" y="38" fill="#555">${escape(caption)}</text>`,
  ];
  for (const tick of ticks) {
    parts.push(`<line x1="${LEFT}" x2="${width - 20}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${tick.toLocaleString('en-US')}</text>`);
  }
  shown.forEach((panel, i) => parts.push(...drawPanel(panel, LEFT + i * PANEL_WIDTH, y)));
  const legendY = TOP + PLOT_HEIGHT + 44;
  const labels = { project: results[0]?.servers.project.label ?? 'project', floor: 'floor' };
  (['project', 'floor'] as const).forEach((role, i) => {
    const x = LEFT + i * 160;
    parts.push(`<rect x="${x}" y="${legendY - 10}" width="12" height="12" fill="${COLORS[role]}"/>`);
    parts.push(`<text x="${x + 18}" y="${legendY}">${escape(labels[role])}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
