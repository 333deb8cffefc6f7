import { execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { captureOutput, stopChild, track } from './children';
import { nowMs, waitUntil } from './clock';
import { repoRoot } from './paths';
import { freePort } from './ports';

export type ServerRole = 'project' | 'floor';
export const ROLES: readonly ServerRole[] = ['project', 'floor'];

/** What to run as one of the two servers; the command is run by sh from the repository root. */
export interface ServerSpec {
  role: ServerRole;
  label: string;
  command: string;
  env: Record<string, string>;
}

export interface StartOptions {
  dbPath: string;
  redisUrl?: string;
  /** Poll interval of the readiness check: short for cold start, relaxed otherwise. */
  pollMs?: number;
  readyDeadlineMs?: number;
}

export interface RunningServer {
  role: ServerRole;
  pid: number;
  port: number;
  url: string;
  /** From spawning the process to its first 200 on GET /api/users?limit=1. */
  startMs: number;
  output(): string;
  stop(): Promise<void>;
}

export interface FdLimit {
  /** What each server is started with. */
  limit: number;
  /** Whether `ulimit -n 65536` was allowed. */
  raisedTo65536: boolean;
  note: string;
}

let fdLimit: FdLimit | undefined;

/** Asks a shell whether the servers may get 65,536 descriptors; otherwise they get the hard limit. */
export function probeFdLimit(): FdLimit {
  if (fdLimit) return fdLimit;
  const shell = (script: string): string | undefined => {
    try {
      return execFileSync('sh', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const raised = shell('ulimit -n 65536 && ulimit -n');
  const hard = Number(shell('ulimit -Hn')) || 1024;
  const soft = Number(shell('ulimit -Sn')) || 1024;
  fdLimit =
    raised === '65536'
      ? { limit: 65_536, raisedTo65536: true, note: 'servers started with ulimit -n 65536' }
      : {
          limit: hard,
          raisedTo65536: false,
          note: `ulimit -n 65536 refused (soft ${soft}, hard ${hard}); servers started with ulimit -n ${hard}`,
        };
  return fdLimit;
}

/**
 * Starts a server through `sh -c 'ulimit -n N; exec <command>'`: exec keeps
 * the pid that of the server itself, so /proc readings are the server's.
 * Resolves once it answers GET /api/users?limit=1 with 200.
 */
export async function startServer(spec: ServerSpec, options: StartOptions): Promise<RunningServer> {
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    HOST: '127.0.0.1',
    PORT: String(port),
    DB_TYPE: 'sqlite',
    DB_PATH: options.dbPath,
    // Nothing balances load in front of a bench server: its shutdown needs no drain delay.
    SHUTDOWN_DELAY_MS: '0',
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...spec.env,
  };
  const limit = probeFdLimit().limit;
  const spawnedAt = nowMs();
  const child = spawn('sh', ['-c', `ulimit -n ${limit} 2>/dev/null; exec ${spec.command}`], {
    cwd: repoRoot(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const output = captureOutput(child);
  const url = `http://127.0.0.1:${port}`;
  let readyAt = 0;
  const ready = await waitUntil(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) return true;
      if ((await probeStatus(`${url}/api/users?limit=1`)) !== 200) return false;
      readyAt = nowMs();
      return true;
    },
    options.readyDeadlineMs ?? 30_000,
    options.pollMs ?? 25,
  );
  if (!ready || readyAt === 0) {
    await stopChild(child);
    throw new Error(
      `${spec.label} did not start (${ready ? `exit ${child.exitCode ?? child.signalCode}` : 'no answer'}): ${output().slice(-2_000)}`,
    );
  }
  return {
    role: spec.role,
    pid: child.pid ?? 0,
    port,
    url,
    startMs: readyAt - spawnedAt,
    output,
    stop: () => stopChild(child),
  };
}

/** Status of one GET on a fresh connection; 0 when nothing answers yet. */
function probeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}
