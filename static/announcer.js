// @ts-check
/*
 * What screen readers hear, through the page's one aria-live="polite" region:
 * changes made elsewhere, gathered until they pause (so typing in another
 * window is not read out letter by letter), and the turns of the save state
 * that matter. No DOM beyond the region's text, so it runs in Node too.
 */
import { NAME_LABELS } from './user.js';

/** @typedef {import('./timers.js').Timers} Timers */
/** @typedef {import('./wire.js').NameField} NameField */
/** @typedef {import('./edit-queue.js').SaveState} SaveState */

export const ANNOUNCE_AFTER_MS = 400;

export class Announcer {
  /** @type {Map<NameField, { value: string, version: number }>} */
  #unannounced = new Map();
  /** @type {unknown} */
  #timer = null;

  /**
   * @param {{ textContent: string | null }} region The aria-live="polite" element.
   * @param {Timers} timers
   * @param {(version: number) => string} authorOf Who made a version ("Window 1", "someone else"), asked when it is said.
   */
  constructor(region, timers, authorOf) {
    this.region = region;
    this.timers = timers;
    this.authorOf = authorOf;
  }

  /** @param {string} text */
  say(text) {
    this.region.textContent = text;
  }

  /**
   * A field of the shown user changed elsewhere; said ANNOUNCE_AFTER_MS after the last such change.
   * @param {NameField} field
   * @param {string} value
   * @param {number} version
   */
  remoteChange(field, value, version) {
    this.#unannounced.set(field, { value, version });
    this.timers.clearTimeout(this.#timer);
    this.#timer = this.timers.setTimeout(() => this.#announce(), ANNOUNCE_AFTER_MS);
  }

  /** Drops what was not said yet (another user is shown now). */
  forget() {
    this.#unannounced.clear();
  }

  /**
   * The save state under the editable field went from `before` to `now`:
   * screen readers hear the turns that matter, in words of their own (the
   * visible line stays the one source of that text).
   * @param {SaveState | ''} before
   * @param {SaveState} now
   */
  saveStateChanged(before, now) {
    if (now === 'offline' && before !== 'offline')
      this.say('No connection. Your change is kept and goes out when the connection is back.');
    if (now === 'saved' && before === 'offline') this.say('Your change is saved now.');
    if (now === 'error' && before !== 'error') this.say('Your change could not be saved; the reason is under the field.');
  }

  #announce() {
    this.#timer = null;
    const parts = [];
    for (const [field, change] of this.#unannounced) {
      const value = change.value === '' ? 'nothing (cleared)' : change.value;
      parts.push(`${NAME_LABELS[field]} changed to ${value} by ${this.authorOf(change.version)}`);
    }
    this.#unannounced.clear();
    if (parts.length) this.say(`${parts.join('. ')}.`);
  }
}
