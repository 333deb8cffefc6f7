// @ts-check
import { describe, expect, it } from '@jest/globals';
import { oneAtATime } from '../../static/one-at-a-time.js';

describe('oneAtATime', () => {
  it('runs one at a time, and calls during a run make exactly one more run after it', async () => {
    /** @type {(() => void)[]} */
    const finish = [];
    let runs = 0;
    let running = 0;
    const task = oneAtATime(
      () =>
        new Promise((resolve) => {
          runs += 1;
          running += 1;
          expect(running).toBe(1);
          finish.push(() => {
            running -= 1;
            resolve();
          });
        }),
    );
    const first = task();
    const second = task();
    const third = task();
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(runs).toBe(1);
    finish[0]();
    await new Promise((resolve) => setImmediate(resolve));
    // The two calls made during the first run share one more run, which started after them.
    expect(runs).toBe(2);
    finish[1]();
    await first;
    expect(runs).toBe(2);
    // Once idle, a call starts a fresh run.
    const fourth = task();
    expect(runs).toBe(3);
    finish[2]();
    await fourth;
  });
});
