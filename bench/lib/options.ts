import { cpus } from 'node:os';
import { SCENARIOS, ScenarioName } from './results';

export const DEFAULT_PROJECT_COMMAND = 'node dist/src/main.js';
export const DEFAULT_FLOOR_COMMAND = 'node dist/bench/floor/server.js';

export interface BenchOptions {
  quick: boolean;
  only: ScenarioName[];
  runs: number;
  workers: number;
  projectCommand: string;
  projectEnv: Record<string, string>;
  projectLabel: string;
  floorCommand: string;
  /** Where results go: <dir>/runs/<run id>/, and <dir>/last-full/ after a complete full run. */
  resultsDir: string;
  report: boolean;
  /** With --report: which results to render (default <resultsDir>/last-full). */
  from?: string;
  /** Copies the results rendered by --report to <resultsDir>/<name>/ (e.g. before-tuning). */
  snapshot?: string;
  help: boolean;
}

export const USAGE = `npm run bench [-- options]

  --quick                 about a minute: one run per server, 100 sockets, short durations
  --only a,b              scenarios: ${SCENARIOS.join(', ')}
  --runs N                runs per server (default 3, quick 1)
  --workers N             subscriber threads (default: number of cores)
  --project-cmd "CMD"     the project's server command (default "${DEFAULT_PROJECT_COMMAND}")
  --project-env K=V       extra environment for the project's server (repeatable)
  --project-label NAME    how tables name the project's server (default "project")
  --floor-cmd "CMD"       the floor's command (default "${DEFAULT_FLOOR_COMMAND}")
  --results-dir DIR       default bench/results
  --report                render BENCHMARKS.md and its chart from saved results, run nothing
  --from DIR              with --report: results to render (default <results-dir>/last-full)
  --snapshot NAME         with --report: also keep those results as <results-dir>/NAME (e.g. before-tuning)
`;

function scenarioList(text: string): ScenarioName[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(SCENARIOS as readonly string[]).includes(name))
      throw new Error(`unknown scenario "${name}"; known: ${SCENARIOS.join(', ')}`);
  }
  return names as ScenarioName[];
}

function positiveInteger(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} needs a positive integer, got "${text}"`);
  return value;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    quick: false,
    only: [...SCENARIOS],
    runs: 0,
    workers: Math.max(1, cpus().length),
    projectCommand: DEFAULT_PROJECT_COMMAND,
    projectEnv: {},
    projectLabel: 'project',
    floorCommand: DEFAULT_FLOOR_COMMAND,
    resultsDir: 'bench/results',
    report: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[i + 1];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      i += 1;
      return next;
    };
    switch (flag) {
      case '--quick':
        options.quick = true;
        break;
      case '--only':
        options.only = scenarioList(value());
        break;
      case '--runs':
        options.runs = positiveInteger(flag, value());
        break;
      case '--workers':
        options.workers = positiveInteger(flag, value());
        break;
      case '--project-cmd':
        options.projectCommand = value();
        break;
      case '--project-env': {
        const pair = value();
        const at = pair.indexOf('=');
        if (at < 1) throw new Error(`--project-env needs KEY=VALUE, got "${pair}"`);
        options.projectEnv[pair.slice(0, at)] = pair.slice(at + 1);
        break;
      }
      case '--project-label':
        options.projectLabel = value();
        break;
      case '--floor-cmd':
        options.floorCommand = value();
        break;
      case '--results-dir':
        options.resultsDir = value();
        break;
      case '--report':
        options.report = true;
        break;
      case '--from':
        options.from = value();
        break;
      case '--snapshot':
        options.snapshot = value();
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new Error(`unknown option "${flag}"\n\n${USAGE}`);
    }
  }
  if (options.runs === 0) options.runs = options.quick ? 1 : 3;
  return options;
}

/** Whether these results may stand for "the last full run" of the project as it is. */
export function isCanonicalFullRun(options: BenchOptions): boolean {
  return (
    !options.quick &&
    options.only.length === SCENARIOS.length &&
    options.runs >= 3 &&
    options.projectCommand === DEFAULT_PROJECT_COMMAND &&
    Object.keys(options.projectEnv).length === 0 &&
    options.floorCommand === DEFAULT_FLOOR_COMMAND
  );
}
