import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { SAMPLE_USERS } from '../../src/users/sample-users';
import { browserSuite, DESKTOP, field, OpenOptions, PHONE, waitForText, waitForValue } from '../helpers/browser';
import { createUser } from '../helpers/factories';
import { startServerProcess } from '../helpers/server-process';

/**
 * The screenshots in docs/screenshots (shown by the README and docs/windows.md):
 * the index, and both windows on one sample user mid-session, on a desktop and
 * on a phone.
 *
 * `npm run screenshots` writes them there (SCREENSHOTS_DIR). In `npm test`
 * this spec renders them to a temporary folder instead, so the suite never
 * rewrites tracked files but still notices when the pictures cannot be made.
 *
 * An unchanged window gives a byte-identical PNG: the server's clock is frozen
 * (test/helpers/frozen-clock.js: every created_at and updated_at is FROZEN_AT),
 * so is the page's (Date in the page; its timers still run), the locale and
 * time zone are fixed, the data is the same sample users on a fresh database
 * (ids 1 to 5), each session edits a user of its own, and each picture waits
 * for the exact state it shows: both names, "Saved", "2 windows open".
 */
const FROZEN_AT = '2026-01-15T10:30:00.000Z';
const FROZEN_CLOCK = join(__dirname, '..', 'helpers', 'frozen-clock.js');
const WRITE_TO = process.env.SCREENSHOTS_DIR ? resolve(process.env.SCREENSHOTS_DIR) : undefined;

const frozenPage: OpenOptions = {
  contextOptions: { locale: 'en-US', timezoneId: 'UTC' },
  beforeGoto: (page) => page.clock.setFixedTime(FROZEN_AT),
};

describe(`screenshots of the windows (${WRITE_TO ? `written to ${WRITE_TO}` : 'rendered to a temporary folder'})`, () => {
  const windows = browserSuite(
    () => startServerProcess({ DB_PATH: ':memory:', FROZEN_CLOCK: FROZEN_AT }, { nodeArgs: ['--require', FROZEN_CLOCK] }),
    frozenPage,
  );
  let dir: string;

  beforeAll(async () => {
    dir = WRITE_TO ?? mkdtempSync(join(tmpdir(), 'screenshots-'));
    mkdirSync(dir, { recursive: true });
    const ids: number[] = [];
    for (const [first_name, last_name] of SAMPLE_USERS)
      ids.push((await createUser(windows.app.url, { first_name, last_name })).id);
    expect(ids).toEqual([1, 2, 3, 4, 5]);
  });
  afterAll(() => {
    if (!WRITE_TO && dir) rmSync(dir, { recursive: true, force: true });
  });

  async function shoot(page: Page, name: string, viewport: { width: number }): Promise<void> {
    const path = join(dir, `${name}.png`);
    // Nothing focused, so the picture shows the resting state.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
    const png = readFileSync(path);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(viewport.width); // IHDR width
    expect(png.length).toBeGreaterThan(10_000);
  }

  // First, while every sample user is still at version 1.
  it('index-desktop.png', async () => {
    const home = await windows.open('/');
    await waitForText(home.page.locator('#users-count'), '5 users');
    await shoot(home.page, 'index-desktop', DESKTOP);
  });

  // Each size edits a sample user of its own, so either picture comes out the same when taken alone.
  it.each([
    { size: 'desktop', viewport: DESKTOP, userId: 1, first: 'Johnny', last: 'Doe-Martin' },
    { size: 'phone', viewport: PHONE, userId: 2, first: 'Janet', last: 'Smith-Jones' },
  ])('window1 and window2 on a $size', async ({ size, viewport, userId, first, last }) => {
    const w1 = await windows.open(`/window1.html?user=${userId}`, { viewport });
    const w2 = await windows.open(`/window2.html?user=${userId}`, { viewport });

    // A short session: each window edits its field; the other follows and says who did it.
    await field(w1.page, 'First name').fill(first);
    await waitForValue(w2.page, 'First name', first);
    await field(w2.page, 'Last name').fill(last);
    await waitForValue(w1.page, 'Last name', last);
    for (const win of [w1, w2]) {
      await waitForText(win.page.locator('#presence'), /^2 windows open$/);
      await waitForText(win.page.locator('#save-status'), 'Saved');
      await waitForText(win.page.locator('#person-meta'), 'version 3');
    }
    await waitForText(w1.page.locator('#last-change'), 'by Window 2');
    await waitForText(w2.page.locator('#last-change'), 'by Window 1');

    await shoot(w1.page, `window1-${size}`, viewport);
    await shoot(w2.page, `window2-${size}`, viewport);
  });
});
