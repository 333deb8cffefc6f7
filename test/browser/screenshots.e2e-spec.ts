import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SAMPLE_USERS } from '../../src/users/sample-users';
import { startTestApp, TestApp } from '../helpers/app';
import {
  BrowserWindow,
  closeAll,
  DESKTOP,
  field,
  launchBrowser,
  openWindow,
  PHONE,
  waitForText,
  waitForValue,
} from '../helpers/browser';
import { createUser } from '../helpers/factories';

const SCREENSHOTS = join(__dirname, '..', '..', 'docs', 'screenshots');

/**
 * Writes the screenshots in docs/screenshots (linked from docs/windows.md):
 * both windows on one seeded user, mid-session, on a desktop and on a phone.
 */
describe('screenshots of the windows', () => {
  let t: TestApp;
  let browser: Browser;
  let userId: number;
  const windows: BrowserWindow[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // One after the other, so a failed start leaves nothing for afterAll to miss.
    t = await startTestApp();
    browser = await launchBrowser();
    for (const [first_name, last_name] of SAMPLE_USERS) {
      const user = await createUser(t.url, { first_name, last_name });
      userId ??= user.id;
    }
  });
  afterEach(async () => closeAll(...windows.splice(0)));
  afterAll(async () => closeAll(browser, t));

  async function shoot(page: Page, name: string): Promise<void> {
    const path = join(SCREENSHOTS, `${name}.png`);
    // Nothing focused, so the picture shows the resting state.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
    expect(statSync(path).size).toBeGreaterThan(10_000);
  }

  it.each([
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ])('writes window1-%s.png and window2-%s.png', async (size, viewport) => {
    const w1 = await openWindow(browser, `${t.url}/window1.html?user=${userId}`, { viewport });
    windows.push(w1);
    const w2 = await openWindow(browser, `${t.url}/window2.html?user=${userId}`, { viewport });
    windows.push(w2);

    // A short session: each window edits its field; the other follows and says who did it.
    const first = size === 'desktop' ? 'Johnny' : 'Jon';
    const last = size === 'desktop' ? 'Doe-Martin' : 'Dough';
    await field(w1.page, 'First name').fill(first);
    await waitForValue(w2.page, 'First name', first);
    await field(w2.page, 'Last name').fill(last);
    await waitForValue(w1.page, 'Last name', last);
    for (const win of [w1, w2]) {
      await waitForText(win.page.locator('#presence'), '2 windows open');
      await waitForText(win.page.locator('#save-status'), 'Saved');
    }
    await waitForText(w1.page.locator('#last-change'), 'by Window 2');
    await waitForText(w2.page.locator('#last-change'), 'by Window 1');

    await shoot(w1.page, `window1-${size}`);
    await shoot(w2.page, `window2-${size}`);
  });

  it('writes index-desktop.png', async () => {
    const home = await openWindow(browser, `${t.url}/`, { viewport: DESKTOP });
    windows.push(home);
    await waitForText(home.page.locator('#users-count'), '5 users');
    await shoot(home.page, 'index-desktop');
  });
});
