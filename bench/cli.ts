import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { atExit } from './lib/children';
import { describeMachine } from './lib/machine';
import {
  BenchOptions,
  DEFAULT_FLOOR_COMMAND,
  DEFAULT_PROJECT_COMMAND,
  isCanonicalFullRun,
  parseOptions,
  USAGE,
} from './lib/options';
import { repoRoot } from './lib/paths';
import type { ScenarioResult } from './lib/results';
import { BenchContext, runScenario } from './lib/scenario';
import { probeFdLimit, ServerSpec } from './lib/servers';
import { SubscriberPool } from './lib/subscriber-pool';
import { caseTable } from './lib/table';
import { writeReport } from './report/report';
import { scenarioByName } from './scenarios';

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function requireBuilt(command: string, defaultCommand: string, file: string, how: string): void {
  if (command === defaultCommand && !existsSync(join(repoRoot(), file))) throw new Error(`${file} is missing: run ${how} first`);
}

function serverSpecs(options: BenchOptions): Record<'project' | 'floor', ServerSpec> {
  return {
    project: { role: 'project', label: options.projectLabel, command: options.projectCommand, env: options.projectEnv },
    floor: { role: 'floor', label: 'floor', command: options.floorCommand, env: {} },
  };
}

/** Results are committed: a server's error output must not carry this machine's paths. */
function withoutLocalPaths(text: string, tmp: string): string {
  return text.split(tmp).join('<tmp>').split(repoRoot()).join('<repo>');
}

/** Run ids sort by time and say the mode: 2026-11-26T07-02-57Z-full. */
function newRunId(quick: boolean): string {
  return `${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}Z-${quick ? 'quick' : 'full'}`;
}

async function runBench(options: BenchOptions): Promise<void> {
  requireBuilt(options.projectCommand, DEFAULT_PROJECT_COMMAND, 'dist/src/main.js', 'npm run build');
  requireBuilt(options.floorCommand, DEFAULT_FLOOR_COMMAND, 'dist/bench/floor/server.js', 'tsc -p bench/tsconfig.json');
  const fd = probeFdLimit();
  log(fd.note);
  const machine = await describeMachine();
  log(`machine before the run: ${machine.before}`);
  const runId = newRunId(options.quick);
  const resultsDir = resolve(repoRoot(), options.resultsDir);
  const runDir = join(resultsDir, 'runs', runId);
  mkdirSync(runDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'realtime-users-bench-'));
  atExit(() => rmSync(tmp, { recursive: true, force: true }));
  const pool = SubscriberPool.start(options.workers);
  const servers = serverSpecs(options);
  const ctx: BenchContext = { quick: options.quick, runs: options.runs, servers, pool, tmp, log };
  try {
    for (const name of options.only) {
      const scenario = scenarioByName(name);
      const startedAt = new Date().toISOString();
      log(`${scenario.title} (${options.runs} run(s) per server)`);
      const cases = await runScenario(scenario, ctx);
      const result: ScenarioResult = {
        scenario: name,
        title: scenario.title,
        runId,
        mode: options.quick ? 'quick' : 'full',
        startedAt,
        finishedAt: new Date().toISOString(),
        runsPerServer: options.runs,
        machine,
        servers: {
          project: { label: servers.project.label, command: servers.project.command, env: servers.project.env },
          floor: { label: servers.floor.label, command: servers.floor.command, env: servers.floor.env },
        },
        config: { ...scenario.config(ctx), workers: options.workers },
        ...(scenario.notRunOn ? { notRunOn: scenario.notRunOn } : {}),
        cases,
      };
      writeFileSync(join(runDir, `${name}.json`), withoutLocalPaths(`${JSON.stringify(result, null, 2)}\n`, tmp));
      for (const item of cases) process.stdout.write(`\n${caseTable(result, item)}\n`);
    }
  } finally {
    await pool.terminate();
    rmSync(tmp, { recursive: true, force: true });
  }
  if (isCanonicalFullRun(options)) {
    const lastFull = join(resultsDir, 'last-full');
    rmSync(lastFull, { recursive: true, force: true });
    cpSync(runDir, lastFull, { recursive: true });
    log(`results in ${runDir}, copied to ${lastFull}; npm run bench:report renders BENCHMARKS.md`);
  } else {
    log(`results in ${runDir} (${readdirSync(runDir).length} files)`);
  }
  process.stdout.write(`\nresults: ${runDir}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (options.report) {
    writeReport(options);
    return;
  }
  await runBench(options);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
