/**
 * Polls until `check` neither throws nor returns false, then returns its
 * result: pass an assertion (`() => expect(x).toBe(y)`) or a predicate.
 * Tests wait on conditions, never on fixed sleeps; to show that something
 * does not arrive, wait for a fence that must arrive after it (socket-client.ts).
 */
export async function eventually<T>(check: () => T | Promise<T>, deadlineMs = 5_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result !== false) return result;
      lastError = new Error('condition still false');
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw lastError;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
