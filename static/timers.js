// @ts-check
/**
 * The clock and timers a module runs on. Passed in (rather than used as
 * globals) so that Node tests can drive them with fake timers.
 *
 * @typedef {object} Timers
 * @property {() => number} now Milliseconds, as Date.now().
 * @property {(callback: () => void, ms: number) => unknown} setTimeout
 * @property {(handle: unknown) => void} clearTimeout Accepts what setTimeout returned.
 */

/** The real ones, read when called (so fake timers installed later still apply). @type {Timers} */
export const systemTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(/** @type {number | undefined} */ (handle)),
};
