import { ChildProcess, spawn } from 'node:child_process';

/** How a child process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process started by a test, with what it printed and a way to stop it. */
export interface TestProcess {
  readonly pid: number | undefined;
  /** Everything it printed so far, stdout and stderr interleaved as they arrived. */
  output(): string;
  /** Resolves once it has exited (or failed to spawn: code and signal null, the reason in output()). */
  readonly exited: Promise<ProcessExit>;
  /** How it ended, or null while it runs. */
  exitStatus(): ProcessExit | null;
  /** Sends `signal` (SIGTERM by default), then SIGKILL after `graceMs`, and waits for the exit; at once when it already ended. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ProcessExit>;
  /** SIGKILL, as a crash: no chance to clean up. Waits for the exit. */
  kill(): Promise<ProcessExit>;
}

export interface SpawnOptions {
  /** The whole environment of the child: nothing is inherited from the test process. */
  env: Record<string, string>;
  cwd?: string;
}

/**
 * The children started by this test file and still running, by label. Under
 * Jest, test/jest/environment.js provides it and kills what is left when the
 * file ends (a test file's own `process.on('exit')` never fires). Outside
 * Jest, a registry of this module's own, emptied when the process exits.
 */
const running: Map<ChildProcess, string> = processRegistry();

function processRegistry(): Map<ChildProcess, string> {
  const holder = globalThis as unknown as Record<symbol, Map<ChildProcess, string> | undefined>;
  const given = holder[Symbol.for('realtime-users.test-processes')];
  if (given) return given;
  const own = new Map<ChildProcess, string>();
  process.once('exit', () => own.forEach((_label, child) => child.kill('SIGKILL')));
  return own;
}

/**
 * Starts `command` with its output collected and its exit tracked. A process
 * still running when its test file ends is killed then (see the registry
 * above), so a test that fails before its cleanup leaves no redis-server or
 * server process behind.
 */
export function spawnProcess(command: string, args: readonly string[], options: SpawnOptions): TestProcess {
  let output = '';
  let status: ProcessExit | null = null;
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  running.set(child, [command, ...args].join(' ').slice(0, 120));
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<ProcessExit>((resolve) => {
    const settle = (exit: ProcessExit): void => {
      if (status) return;
      status = exit;
      running.delete(child);
      resolve(exit);
    };
    child.once('exit', (code, signal) => settle({ code, signal }));
    // A command that cannot be spawned (not on PATH) emits 'error' and never 'exit'.
    child.on('error', (error) => {
      output += `spawn ${command} failed: ${error.message}\n`;
      if (child.pid === undefined) settle({ code: null, signal: null });
    });
  });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<ProcessExit> => {
    if (status) return status;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    pid: child.pid,
    output: () => output,
    exited,
    exitStatus: () => status,
    stop,
    kill: () => stop('SIGKILL'),
  };
}
