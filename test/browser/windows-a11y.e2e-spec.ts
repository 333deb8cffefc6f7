import { startTestApp } from '../helpers/app';
import { browserSuite, DESKTOP, field, PHONE, seriousViolations, waitForText } from '../helpers/browser';
import { eventually } from '../helpers/eventually';
import { createUser, getUser } from '../helpers/factories';

describe('accessibility of the windows', () => {
  // axe is injected as a script, which the pages' policy would refuse.
  const windows = browserSuite(() => startTestApp(), { bypassCSP: true });
  const { open } = windows;
  let userId: number;

  beforeAll(async () => {
    userId = (await createUser(windows.app.url, { first_name: 'Ada', last_name: 'Lovelace' })).id;
    await createUser(windows.app.url, { first_name: 'Grace', last_name: 'Hopper' });
  });

  it.each([
    ['the index', '/', DESKTOP],
    ['Window 1', '/window1.html?user=USER', DESKTOP],
    ['Window 2', '/window2.html?user=USER', DESKTOP],
    ['the index on a phone', '/', PHONE],
    ['Window 1 on a phone', '/window1.html?user=USER', PHONE],
  ])('axe-core finds no serious or critical violations on %s', async (_name, path, viewport) => {
    const win = await open(path.replace('USER', String(userId)), { viewport });
    if (path === '/') await waitForText(win.page.locator('#users-body'), 'Grace Hopper');
    expect(await seriousViolations(win.page)).toEqual([]);
  });

  it('axe-core finds none with the notice, the create form and the delete confirmation showing', async () => {
    const win = await open('/window2.html?user=999999', { ready: false });
    await waitForText(win.page.locator('#notice'), 'does not exist');
    expect(await seriousViolations(win.page)).toEqual([]);

    await win.page.getByLabel('User', { exact: true }).selectOption(String(userId));
    await eventually(async () => expect(await field(win.page, 'Last name').isEnabled()).toBe(true));
    await win.page.getByText('Add a user').click();
    await win.page.getByRole('button', { name: 'Delete this user' }).click();
    await win.page.getByRole('button', { name: 'Yes, delete' }).waitFor();
    expect(await seriousViolations(win.page)).toEqual([]);
  });

  it('works with the keyboard alone, with a visible focus', async () => {
    const win = await open(`/window1.html?user=${userId}`);
    const page = win.page;
    const firstName = field(page, 'First name');

    // Tab from the top of the page to the editable field.
    let reached = false;
    for (let presses = 0; presses < 15 && !reached; presses += 1) {
      await page.keyboard.press('Tab');
      reached = await firstName.evaluate((input) => document.activeElement === input);
    }
    expect(reached).toBe(true);
    const outline = await firstName.evaluate((input) => getComputedStyle(input).outlineStyle);
    expect(outline).not.toBe('none');

    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('Augusta');
    await page.keyboard.press('Tab'); // leaving the field saves at once
    await eventually(async () => expect(await getUser(windows.app.url, userId)).toMatchObject({ first_name: 'Augusta' }));

    // The delete confirmation opens and closes from the keyboard, and focus comes back.
    const deleteButton = page.getByRole('button', { name: 'Delete this user' });
    await deleteButton.focus();
    await page.keyboard.press('Enter');
    await eventually(async () => expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel'));
    await page.keyboard.press('Escape');
    await eventually(async () => expect(await deleteButton.evaluate((b) => document.activeElement === b)).toBe(true));
  });
});
