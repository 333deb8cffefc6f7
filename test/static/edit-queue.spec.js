// @ts-check
/*
 * The windows' edit queue (static/edit-queue.js), in Node with fake timers:
 * no browser, no server. `send` is a fake PATCH whose answers the test gives.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DEBOUNCE_MS, EditQueue, MAX_WAIT_MS, RETRY_DELAYS_MS } from '../../static/edit-queue.js';
import { systemTimers } from '../../static/timers.js';

/** @typedef {import('../../static/edit-queue.js').FailureKind} FailureKind */

/** A failure as classify() sees it. */
class Failure extends Error {
  /** @param {FailureKind} kind */
  constructor(kind) {
    super(`failed: ${kind}`);
    this.kind = kind;
  }
}

/**
 * A queue on fake timers whose requests wait until the test answers them.
 */
function setUp() {
  /** @type {{ id: number, value: string, resolve: (result: string) => void, reject: (error: unknown) => void }[]} */
  const requests = [];
  /** @type {[string, number, string][]} */
  const saved = [];
  /** @type {number[]} */
  const gone = [];
  let changes = 0;
  /** @type {EditQueue<string>} */
  const queue = new EditQueue({
    send: (id, value) => new Promise((resolve, reject) => requests.push({ id, value, resolve, reject })),
    classify: (error) => (error instanceof Failure ? error.kind : 'refused'),
    timers: systemTimers,
    onSaved: (result, id, value) => saved.push([result, id, value]),
    onGone: (id) => gone.push(id),
    onChange: () => {
      changes += 1;
    },
  });
  return {
    queue,
    requests,
    saved,
    gone,
    changes: () => changes,
    /** The values sent so far, as `id:value`. */
    sent: () => requests.map((r) => `${r.id}:${r.value}`),
    /**
     * Answers the oldest unanswered request and lets the queue react.
     * @param {{ ok?: string, fail?: FailureKind }} answer
     */
    async answer(answer) {
      const request = requests.find((r) => !('answered' in r));
      if (!request) throw new Error('no request is waiting for an answer');
      Object.assign(request, { answered: true });
      if (answer.fail) request.reject(new Failure(answer.fail));
      else request.resolve(answer.ok ?? `saved ${request.value}`);
      await jest.advanceTimersByTimeAsync(0);
    },
  };
}

/**
 * Lets fake time pass, running the timers and the promises they start.
 * @param {number} ms
 */
async function wait(ms) {
  await jest.advanceTimersByTimeAsync(ms);
}

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  jest.useRealTimers();
});

describe('EditQueue: when typing is sent', () => {
  it('sends once, the newest value, a short pause after the last edit', async () => {
    const { queue, sent } = setUp();
    queue.edit(1, 'A');
    await wait(100);
    queue.edit(1, 'An');
    await wait(100);
    queue.edit(1, 'Ann');
    await wait(DEBOUNCE_MS - 1);
    expect(sent()).toEqual([]);
    await wait(1);
    expect(sent()).toEqual(['1:Ann']);
  });

  it('sends at least every MAX_WAIT_MS while edits keep coming', async () => {
    const { queue, sent } = setUp();
    let typed = '';
    for (let t = 0; t < MAX_WAIT_MS; t += 100) {
      typed += 'x';
      queue.edit(1, typed);
      await wait(100);
    }
    // Seven edits 100 ms apart: no pause of DEBOUNCE_MS, yet one went out at MAX_WAIT_MS.
    expect(sent()).toEqual(['1:xxxxxxx']);
  });

  it('sends at once on flush(), and flush() with nothing typed does nothing', async () => {
    const { queue, sent } = setUp();
    queue.flush();
    queue.edit(1, 'Now');
    queue.flush();
    expect(sent()).toEqual(['1:Now']);
    await wait(DEBOUNCE_MS * 4);
    expect(sent()).toEqual(['1:Now']);
  });

  it('sends what was typed for one id before an edit of another id starts', () => {
    const { queue, sent } = setUp();
    queue.edit(1, 'first user');
    queue.edit(2, 'second user');
    expect(sent()).toEqual(['1:first user']);
  });
});

describe('EditQueue: order and one request at a time', () => {
  it('keeps one request in flight; what is typed meanwhile waits and only its newest value goes next', async () => {
    const q = setUp();
    q.queue.edit(1, 'A');
    q.queue.flush();
    q.queue.edit(1, 'AB');
    q.queue.flush();
    q.queue.edit(1, 'ABC');
    q.queue.flush();
    expect(q.sent()).toEqual(['1:A']);

    await q.answer({ ok: 'v2' });
    expect(q.sent()).toEqual(['1:A', '1:ABC']);
    await q.answer({ ok: 'v3' });
    expect(q.saved).toEqual([
      ['v2', 1, 'A'],
      ['v3', 1, 'ABC'],
    ]);
    expect(q.queue.hasUnconfirmed(1)).toBe(false);
    expect(q.queue.saveState(1, true)).toBe('saved');
  });

  it('sends queued values of several ids in the order they were first queued', async () => {
    const q = setUp();
    q.queue.edit(1, 'one');
    q.queue.flush();
    q.queue.edit(2, 'two');
    q.queue.flush();
    q.queue.edit(3, 'three');
    q.queue.flush();
    q.queue.edit(2, 'two again');
    q.queue.flush();
    await q.answer({});
    await q.answer({});
    await q.answer({});
    expect(q.sent()).toEqual(['1:one', '2:two again', '3:three']);
  });

  it('counts an edit as unconfirmed while typed, queued and in flight, and says "saving"', async () => {
    const q = setUp();
    expect(q.queue.hasUnconfirmed(1)).toBe(false);
    expect(q.queue.saveState(1, true)).toBe('idle');
    q.queue.edit(1, 'typed');
    expect(q.queue.hasUnconfirmed(1)).toBe(true);
    expect(q.queue.hasUnconfirmed(2)).toBe(false);
    expect(q.queue.saveState(1, true)).toBe('saving');
    await wait(DEBOUNCE_MS);
    expect(q.sent()).toEqual(['1:typed']);
    expect(q.queue.hasUnconfirmed(1)).toBe(true);
    expect(q.queue.busy).toBe(true);
    await q.answer({});
    expect(q.queue.hasUnconfirmed(1)).toBe(false);
    expect(q.queue.busy).toBe(false);
    expect(q.changes()).toBeGreaterThan(0);
  });
});

describe('EditQueue: no answer (offline, server down)', () => {
  it('keeps the value, says offline, and tries again after 1, 2, 3, then every 5 s until it is saved', async () => {
    const q = setUp();
    expect(RETRY_DELAYS_MS).toEqual([1000, 2000, 3000, 5000]);
    q.queue.edit(1, 'kept');
    q.queue.flush();
    await q.answer({ fail: 'network' });
    expect(q.queue.offline).toBe(true);
    expect(q.queue.hasUnconfirmed(1)).toBe(true);
    expect(q.queue.saveState(1, true)).toBe('offline');

    for (const delay of [1000, 2000, 3000, 5000, 5000]) {
      const before = q.requests.length;
      await wait(delay - 1);
      expect(q.requests.length).toBe(before);
      await wait(1);
      expect(q.requests.length).toBe(before + 1);
      await q.answer({ fail: 'network' });
    }
    await wait(5000);
    await q.answer({ ok: 'at last' });
    expect(q.sent().every((s) => s === '1:kept')).toBe(true);
    expect(q.saved).toEqual([['at last', 1, 'kept']]);
    expect(q.queue.offline).toBe(false);
    expect(q.queue.saveState(1, true)).toBe('saved');
  });

  it('sends the newer value, not the failed one, when something was typed meanwhile', async () => {
    const q = setUp();
    q.queue.edit(1, 'old');
    q.queue.flush();
    q.queue.edit(1, 'new');
    q.queue.flush();
    await q.answer({ fail: 'network' });
    await wait(RETRY_DELAYS_MS[0]);
    expect(q.sent()).toEqual(['1:old', '1:new']);
  });

  it('puts a failed value back first in line, before values queued after it', async () => {
    const q = setUp();
    q.queue.edit(1, 'first');
    q.queue.flush();
    q.queue.edit(2, 'second');
    q.queue.flush();
    await q.answer({ fail: 'network' });
    await wait(RETRY_DELAYS_MS[0]);
    await q.answer({});
    await q.answer({});
    expect(q.sent()).toEqual(['1:first', '1:first', '2:second']);
  });

  it('waits for the retry while offline instead of sending each new edit', async () => {
    const q = setUp();
    q.queue.edit(1, 'a');
    q.queue.flush();
    await q.answer({ fail: 'network' });
    q.queue.edit(1, 'ab');
    q.queue.flush();
    expect(q.sent()).toEqual(['1:a']);
    await wait(RETRY_DELAYS_MS[0]);
    expect(q.sent()).toEqual(['1:a', '1:ab']);
  });

  it('sends at once when the connection is back (retryNow), and starts the backoff over', async () => {
    const q = setUp();
    q.queue.edit(1, 'x');
    q.queue.flush();
    await q.answer({ fail: 'network' });
    await wait(RETRY_DELAYS_MS[0]);
    await q.answer({ fail: 'network' }); // the next retry would be 2 s away
    q.queue.retryNow();
    expect(q.requests.length).toBe(3);
    expect(q.queue.offline).toBe(false);
    await q.answer({ fail: 'network' });
    await wait(RETRY_DELAYS_MS[0]);
    expect(q.requests.length).toBe(4);
  });

  it('says offline when the connection drops with edits unconfirmed, and not when there are none', async () => {
    const q = setUp();
    q.queue.disconnected();
    expect(q.queue.offline).toBe(false);
    q.queue.edit(1, 'typed offline');
    expect(q.queue.saveState(1, false)).toBe('offline');
    q.queue.disconnected();
    expect(q.queue.offline).toBe(true);
    await wait(DEBOUNCE_MS);
    await q.answer({});
    expect(q.queue.offline).toBe(false);
  });
});

describe('EditQueue: refusals', () => {
  it('drops the edits of an id the server does not know (404) and reports it; other ids go on', async () => {
    const q = setUp();
    q.queue.edit(1, 'deleted meanwhile');
    q.queue.flush();
    q.queue.edit(2, 'other user');
    q.queue.flush();
    q.queue.edit(1, 'typed after');
    q.queue.flush();
    await q.answer({ fail: 'not-found' });
    expect(q.gone).toEqual([1]);
    expect(q.queue.hasUnconfirmed(1)).toBe(false);
    expect(q.sent()).toEqual(['1:deleted meanwhile', '2:other user']);
    await q.answer({});
    expect(q.sent()).toEqual(['1:deleted meanwhile', '2:other user']);
    expect(q.queue.offline).toBe(false);
  });

  it('keeps any other refusal as the failure until the next edit, and goes on with the queue', async () => {
    const q = setUp();
    q.queue.edit(1, 'refused');
    q.queue.flush();
    q.queue.edit(2, 'fine');
    q.queue.flush();
    await q.answer({ fail: 'refused' });
    expect(q.queue.failure).toBeInstanceOf(Failure);
    expect(q.queue.saveState(1, true)).toBe('error');
    expect(q.sent()).toEqual(['1:refused', '2:fine']);
    await q.answer({});
    q.queue.edit(1, 'again');
    expect(q.queue.failure).toBeNull();
    expect(q.queue.saveState(1, true)).toBe('saving');
  });

  it('forgets the unsent edits of a discarded id, and "saved" and the failure on resetStatus()', async () => {
    const q = setUp();
    q.queue.edit(1, 'sent');
    q.queue.flush();
    q.queue.edit(1, 'queued');
    q.queue.flush();
    q.queue.discard(1);
    await q.answer({});
    await wait(DEBOUNCE_MS * 4);
    expect(q.sent()).toEqual(['1:sent']);
    expect(q.queue.saved).toBe(true);

    q.queue.edit(1, 'typing');
    q.queue.discard(1);
    await wait(DEBOUNCE_MS * 4);
    expect(q.sent()).toEqual(['1:sent']);

    q.queue.resetStatus();
    expect(q.queue.saveState(1, true)).toBe('idle');
  });
});
