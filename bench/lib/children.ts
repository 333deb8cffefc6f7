import { ChildProcess } from 'node:child_process';

/**
 * Every process the bench starts, so an interrupted or crashed bench leaves
 * none behind (each is killed by its own pid, never by name).
 */
const running = new Set<ChildProcess>();
const cleanups: (() => void)[] = [];
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const finish = (): void => {
    running.forEach((c) => c.kill('SIGKILL'));
    cleanups.splice(0).forEach((cleanup) => cleanup());
  };
  process.once('exit', finish);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      finish();
      process.exit(130);
    });
  }
}

export function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  hookExit();
}

/** Runs `cleanup` (synchronous) when the bench exits or is interrupted, e.g. to remove its scratch files. */
export function atExit(cleanup: () => void): void {
  cleanups.push(cleanup);
  hookExit();
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Keeps the last `limit` characters a process printed, for error messages. */
export function captureOutput(child: ChildProcess, limit = 16_384): () => string {
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-limit);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}
