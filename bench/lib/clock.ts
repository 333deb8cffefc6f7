/**
 * Milliseconds on a time base shared by every thread of the generator:
 * each worker has its own performance.timeOrigin, and origin + now() puts
 * them all on the same (wall-clock aligned, sub-millisecond) scale.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls until `check` returns true or the deadline passes; resolves with
 * whether it held, so a scenario records a timeout instead of hanging.
 */
export async function waitUntil(check: () => boolean | Promise<boolean>, deadlineMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = nowMs() + deadlineMs;
  for (;;) {
    if (await check()) return true;
    if (nowMs() > deadline) return false;
    await sleep(intervalMs);
  }
}
