import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { sleep } from './clock';
import { machineCpu } from './proc';
import type { MachineInfo } from './results';
import { probeFdLimit } from './servers';
import { repoRoot } from './paths';

function gitCommit(): string {
  try {
    const run = (...args: string[]): string =>
      execFileSync('git', args, { cwd: repoRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = run('rev-parse', '--short', 'HEAD');
    // Only the server's own sources decide whether the measured build matches the commit.
    const dirty = run('status', '--porcelain', '--', 'src', 'package.json', 'package-lock.json') !== '';
    return dirty ? `${commit} + uncommitted changes to src/ or the package files` : commit;
  } catch {
    return 'unknown';
  }
}

function sqliteVersion(): string {
  try {
    // The driver both servers use, with the SQLite it was built with.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const driver = require('sqlite3') as { VERSION: string };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require('sqlite3/package.json') as { version: string };
    return `${driver.VERSION} (sqlite3 npm ${pkg.version})`;
  } catch {
    return 'unknown';
  }
}

/** Idle share of the machine over a second, and the load averages. */
async function busyness(): Promise<string> {
  const begin = machineCpu();
  await sleep(1_000);
  const end = machineCpu();
  const idle = (end.idle - begin.idle) / Math.max(end.total - begin.total, 1);
  return `${(idle * 100).toFixed(0)}% idle over 1 s, load average ${loadavg()
    .map((load) => load.toFixed(1))
    .join(' / ')}`;
}

/** What the figures were measured on; no path or host name of the machine. */
export async function describeMachine(): Promise<MachineInfo> {
  const cores = cpus();
  return {
    cores: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    sqlite: sqliteVersion(),
    os: `${type()} ${release()}`,
    fdLimit: probeFdLimit().note,
    commit: gitCommit(),
    before: await busyness(),
  };
}
