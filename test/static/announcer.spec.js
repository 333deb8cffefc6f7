// @ts-check
/* The windows' screen-reader announcements (static/announcer.js), in Node with fake timers. */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ANNOUNCE_AFTER_MS, Announcer } from '../../static/announcer.js';
import { systemTimers } from '../../static/timers.js';

/** @typedef {import('../../static/edit-queue.js').SaveState} SaveState */

beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

function setUp() {
  const region = { textContent: /** @type {string | null} */ ('') };
  /** @type {Map<number, string>} */
  const authors = new Map();
  const announcer = new Announcer(region, systemTimers, (version) => authors.get(version) ?? 'someone else');
  return { region, authors, announcer };
}

describe('Announcer', () => {
  it('says changes made elsewhere once they pause, newest value per field, with the author known by then', () => {
    const { region, authors, announcer } = setUp();
    announcer.remoteChange('first_name', 'A', 2);
    jest.advanceTimersByTime(ANNOUNCE_AFTER_MS - 1);
    announcer.remoteChange('first_name', 'An', 3);
    announcer.remoteChange('last_name', '', 4);
    jest.advanceTimersByTime(ANNOUNCE_AFTER_MS - 1);
    expect(region.textContent).toBe('');
    authors.set(3, 'Window 1'); // change_origin arrived meanwhile
    jest.advanceTimersByTime(1);
    expect(region.textContent).toBe(
      'First name changed to An by Window 1. Last name changed to nothing (cleared) by someone else.',
    );
  });

  it('says nothing of what it was told to forget', () => {
    const { region, announcer } = setUp();
    announcer.remoteChange('last_name', 'Smith', 2);
    announcer.forget();
    jest.advanceTimersByTime(ANNOUNCE_AFTER_MS);
    expect(region.textContent).toBe('');
  });

  /** @type {[SaveState | '', SaveState, string][]} */
  const turns = [
    ['saving', 'offline', 'No connection. Your change is kept and goes out when the connection is back.'],
    ['offline', 'saved', 'Your change is saved now.'],
    ['saving', 'error', 'Your change could not be saved; the reason is under the field.'],
    ['saving', 'saved', ''],
    ['offline', 'offline', ''],
    ['', 'saving', ''],
  ];
  it.each(turns)('on the save state going from "%s" to "%s" says "%s"', (before, now, said) => {
    const { region, announcer } = setUp();
    announcer.saveStateChanged(before, now);
    expect(region.textContent).toBe(said);
  });
});
