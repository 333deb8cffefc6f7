// @ts-check
/*
 * Runs a task one at a time: a call while it runs asks for one more run once
 * it is done (however many calls came meanwhile), so the last call always sees
 * a run that started after it. No DOM: it runs in Node too.
 */

/**
 * @param {() => Promise<void>} task
 * @returns {() => Promise<void>} Resolves when the run that covers this call is done.
 */
export function oneAtATime(task) {
  /** @type {Promise<void> | null} */
  let running = null;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await task();
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  };
}
