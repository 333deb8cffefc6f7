/**
 * Polls until `check` stops throwing (or returns a truthy value), then
 * returns its result. Tests wait on conditions, never on fixed sleeps.
 */
export async function eventually<T>(check: () => T | Promise<T>, deadlineMs = 5_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let lastError: unknown = new Error('condition never held');
  for (;;) {
    try {
      const result = await check();
      if (result !== false && result !== undefined && result !== null) return result;
      lastError = new Error(`condition returned ${String(result)}`);
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw lastError;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves after `ms`; only for proving that something does NOT happen within a window. */
export function quietPeriod(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
