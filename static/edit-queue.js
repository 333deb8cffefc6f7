// @ts-check
/*
 * The edits a window has not yet seen confirmed, and how they reach the
 * server. No DOM: the request, the clock and the timers are passed in, so
 * Node tests drive it with fake timers (test/static/edit-queue.spec.js).
 *
 * - Typing is debounced: the value goes DEBOUNCE_MS after the last edit, and
 *   at least every MAX_WAIT_MS while edits keep coming; flush() sends at once
 *   (on blur, before switching user).
 * - Values wait in an outbox, one per id (the newest value replaces an older
 *   one that has not been sent yet, keeping its place), and go out one request
 *   at a time, in order: the last value typed is the last one saved.
 * - A request that gets no answer (network, server down or 5xx) keeps its value
 *   queued, unless a newer one was typed meanwhile, and is tried again after
 *   1, 2, 3, then every 5 s, or at once on retryNow() (the connection is back).
 * - A 404 drops that id's edits and reports it through onGone; any other
 *   refusal is kept as `failure` until the next edit.
 */

/** @typedef {import('./timers.js').Timers} Timers */
/** @typedef {'network' | 'not-found' | 'refused'} FailureKind */
/** @typedef {'idle' | 'saving' | 'saved' | 'offline' | 'error'} SaveState */

export const DEBOUNCE_MS = 250;
export const MAX_WAIT_MS = 700;
export const RETRY_DELAYS_MS = Object.freeze([1000, 2000, 3000, 5000]);

/**
 * @template R
 * @typedef {object} EditQueueOptions
 * @property {(id: number, value: string) => Promise<R>} send One request (the PATCH); resolves with the server's answer.
 * @property {(error: unknown) => FailureKind} classify What a rejection of `send` means.
 * @property {Timers} timers
 * @property {(result: R, id: number, value: string) => void} [onSaved] After each request that succeeded.
 * @property {(id: number) => void} [onGone] The id does not exist (404); its edits are dropped.
 * @property {() => void} [onChange] After anything that can change saveState().
 * @property {number} [debounceMs]
 * @property {number} [maxWaitMs]
 * @property {readonly number[]} [retryDelaysMs]
 */

/** @template R */
export class EditQueue {
  /** @type {{ id: number, value: string, since: number } | null} The value being typed, not yet in the outbox. */
  #typing = null;
  /** @type {unknown} */
  #typingTimer = null;
  /** @type {Map<number, string>} Values to send, by id, oldest first. */
  #outbox = new Map();
  /** @type {{ id: number, value: string } | null} */
  #inFlight = null;
  /** @type {unknown} */
  #retryTimer = null;
  #retries = 0;
  #offline = false;
  /** @type {unknown} */
  #failure = null;
  #saved = false;

  /** @param {EditQueueOptions<R>} options */
  constructor(options) {
    this.options = options;
    this.debounceMs = options.debounceMs ?? DEBOUNCE_MS;
    this.maxWaitMs = options.maxWaitMs ?? MAX_WAIT_MS;
    this.retryDelaysMs = options.retryDelaysMs ?? RETRY_DELAYS_MS;
  }

  /** The last request got no answer; edits wait for retryNow() or the next retry. */
  get offline() {
    return this.#offline;
  }

  /** Why the last request was refused (neither network nor 404), until the next edit; null if it was not. */
  get failure() {
    return this.#failure;
  }

  /** A request succeeded since the start or the last resetStatus(). */
  get saved() {
    return this.#saved;
  }

  /**
   * The person changed the value for `id` (on every input event).
   * @param {number} id
   * @param {string} value
   */
  edit(id, value) {
    if (this.#typing && this.#typing.id !== id) this.flush();
    const { timers } = this.options;
    const now = timers.now();
    const since = this.#typing ? this.#typing.since : now;
    this.#typing = { id, value, since };
    timers.clearTimeout(this.#typingTimer);
    const wait = Math.max(0, Math.min(this.debounceMs, since + this.maxWaitMs - now));
    this.#typingTimer = timers.setTimeout(() => this.flush(), wait);
    this.#failure = null;
    this.#changed();
  }

  /** Queues the value being typed now, without waiting for the pause. */
  flush() {
    const typing = this.#typing;
    if (!typing) return;
    this.#stopTyping();
    this.#outbox.set(typing.id, typing.value);
    void this.#pump();
  }

  /**
   * Whether `id` has edits not yet confirmed: being typed, queued or in flight.
   * While it does, the server's values for that field are older than the person's.
   * @param {number} id
   */
  hasUnconfirmed(id) {
    return this.#typing?.id === id || this.#outbox.has(id) || this.#inFlight?.id === id;
  }

  /** Whether any edit, for any id, is not yet confirmed. */
  get busy() {
    return this.#typing !== null || this.#outbox.size > 0 || this.#inFlight !== null;
  }

  /**
   * What to tell the person about the edits of `id`.
   * @param {number} id
   * @param {boolean} connected Whether the live connection is up.
   * @returns {SaveState}
   */
  saveState(id, connected) {
    const pending = this.hasUnconfirmed(id);
    if (pending && (this.#offline || !connected)) return 'offline';
    if (this.#failure !== null) return 'error';
    if (pending) return 'saving';
    if (this.#saved) return 'saved';
    return 'idle';
  }

  /**
   * Forgets the unsent edits of `id` (it was deleted). One in flight still completes.
   * @param {number} id
   */
  discard(id) {
    if (this.#typing?.id === id) this.#stopTyping();
    this.#outbox.delete(id);
    this.#changed();
  }

  /** Forgets "saved" and the last failure (another user is shown now). */
  resetStatus() {
    this.#saved = false;
    this.#failure = null;
  }

  /** The connection is lost: anything unconfirmed now counts as offline. */
  disconnected() {
    if (this.busy) this.#offline = true;
    this.#changed();
  }

  /** The connection is back: send what waited, now. */
  retryNow() {
    this.#offline = false;
    this.options.timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#retries = 0;
    void this.#pump();
  }

  #stopTyping() {
    this.options.timers.clearTimeout(this.#typingTimer);
    this.#typingTimer = null;
    this.#typing = null;
  }

  /** Sends queued values one at a time, so they reach the server in the order typed. */
  async #pump() {
    if (this.#inFlight || this.#retryTimer !== null) return;
    const next = this.#outbox.entries().next();
    if (next.done) {
      this.#changed();
      return;
    }
    const [id, value] = next.value;
    this.#outbox.delete(id);
    this.#inFlight = { id, value };
    this.#changed();
    /** @type {{ ok: true, result: R } | { ok: false, error: unknown }} */
    let outcome;
    try {
      outcome = { ok: true, result: await this.options.send(id, value) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    this.#inFlight = null;
    if (outcome.ok) {
      this.#offline = false;
      this.#retries = 0;
      this.#saved = true;
      this.options.onSaved?.(outcome.result, id, value);
    } else {
      this.#failed(id, value, outcome.error);
    }
    this.#changed();
    if (!this.#offline) void this.#pump();
  }

  /**
   * @param {number} id
   * @param {string} value
   * @param {unknown} error
   */
  #failed(id, value, error) {
    const kind = this.options.classify(error);
    if (kind === 'network') {
      // Keep it (unless something newer was typed meanwhile), first in line, and try again later.
      if (!this.#outbox.has(id)) this.#outbox = new Map([[id, value], ...this.#outbox]);
      this.#offline = true;
      this.#scheduleRetry();
    } else if (kind === 'not-found') {
      this.#outbox.delete(id);
      if (this.#typing?.id === id) this.#stopTyping();
      this.options.onGone?.(id);
    } else {
      this.#failure = error;
    }
  }

  #scheduleRetry() {
    if (this.#retryTimer !== null) return;
    const delays = this.retryDelaysMs;
    const delay = delays[Math.min(this.#retries, delays.length - 1)];
    this.#retries += 1;
    this.#retryTimer = this.options.timers.setTimeout(() => {
      this.#retryTimer = null;
      void this.#pump();
    }, delay);
  }

  #changed() {
    this.options.onChange?.();
  }
}
