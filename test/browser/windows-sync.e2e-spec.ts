import type { Page } from 'playwright-core';
import request from 'supertest';
import { OutboundMessage, RealtimeTopics } from '../../src/realtime';
import { startTestApp } from '../helpers/app';
import { browserSuite, field, STRICT_CSP, waitForValue } from '../helpers/browser';
import { eventually } from '../helpers/eventually';
import { createUser, getUser } from '../helpers/factories';

/**
 * Window 1 edits the first name, Window 2 the last name, both on one user;
 * each shows the other's typing live and never loses its own.
 */
describe('two windows on one user', () => {
  const windows = browserSuite(() => startTestApp());
  const { open } = windows;

  it('shows what one window types in the other within a second, saves it, and marks the other field read-only', async () => {
    const user = await createUser(windows.app.url, { first_name: 'John', last_name: 'Doe' });
    const w1 = await open(`/window1.html?user=${user.id}`);
    const w2 = await open(`/window2.html?user=${user.id}`);

    for (const win of [w1, w2]) {
      await waitForValue(win.page, 'First name', 'John');
      await waitForValue(win.page, 'Last name', 'Doe');
    }
    expect(await field(w1.page, 'First name').getAttribute('readonly')).toBeNull();
    expect(await field(w1.page, 'Last name').getAttribute('readonly')).not.toBeNull();
    expect(await field(w2.page, 'First name').getAttribute('readonly')).not.toBeNull();
    expect(await field(w2.page, 'Last name').getAttribute('readonly')).toBeNull();

    await field(w1.page, 'First name').fill('Ann');
    expect(await waitForValue(w2.page, 'First name', 'Ann', 1_000)).toBeLessThan(1_000);
    expect(await getUser(windows.app.url, user.id)).toMatchObject({ first_name: 'Ann', last_name: 'Doe' });

    await field(w2.page, 'Last name').fill('Smith');
    expect(await waitForValue(w1.page, 'Last name', 'Smith', 1_000)).toBeLessThan(1_000);
    expect(await getUser(windows.app.url, user.id)).toMatchObject({ first_name: 'Ann', last_name: 'Smith' });

    // The read-only side says who made the change, and screen readers hear it.
    await eventually(async () => {
      expect(await w1.page.locator('#last-change').textContent()).toContain('Last change by Window 2');
      expect(await w2.page.locator('#last-change').textContent()).toContain('Last change by Window 1');
    });
    await eventually(async () =>
      expect(await w1.page.locator('[aria-live="polite"]').textContent()).toBe('Last name changed to Smith by Window 2.'),
    );

    // A change through the API (nobody's window) reaches both.
    await request(windows.app.url).patch(`/api/users/${user.id}`).send({ last_name: 'Jones' }).expect(200);
    await waitForValue(w1.page, 'Last name', 'Jones', 1_000);
    await waitForValue(w2.page, 'Last name', 'Jones', 1_000);
    await eventually(async () => expect(await w1.page.locator('#last-change').textContent()).toContain('by someone else'));

    expect([...w1.errors, ...w2.errors]).toEqual([]);
  });

  it('keeps exactly what is typed fast in both windows at once while saves and echoes arrive', async () => {
    const user = await createUser(windows.app.url, { first_name: '', last_name: '' });
    const w1 = await open(`/window1.html?user=${user.id}`);
    const w2 = await open(`/window2.html?user=${user.id}`);
    const patches = countPatches(w1.page);

    const first = 'Maximiliana Quetzalcoatl-Oyelaran von Brandenburg';
    const last = 'Featherstonehaugh-Wolfeschlegelsteinhausen';
    await Promise.all([typeInto(w1.page, 'First name', first), typeInto(w2.page, 'Last name', last)]);

    // Several saves went out while typing, so echoes of older values came back meanwhile.
    // Polled: the last save leaves a pause after the last key, so typing can end
    // before it; typing alone (about 1.3 s) spans at least one mid-typing save.
    await eventually(() => expect(patches()).toBeGreaterThanOrEqual(2));
    expect(await field(w1.page, 'First name').inputValue()).toBe(first);
    expect(await field(w2.page, 'Last name').inputValue()).toBe(last);

    await eventually(async () =>
      expect(await getUser(windows.app.url, user.id)).toMatchObject({ first_name: first, last_name: last }),
    );
    await waitForValue(w1.page, 'Last name', last, 2_000);
    await waitForValue(w2.page, 'First name', first, 2_000);
    // And nothing late undoes it.
    await eventually(async () => expect(await w1.page.locator('#save-status').textContent()).toBe('Saved'));
    expect(await field(w1.page, 'First name').inputValue()).toBe(first);
    expect(await field(w2.page, 'Last name').inputValue()).toBe(last);
  });

  it('replays what it missed when an event was lost (a version gap), without fetching the user', async () => {
    const user = await createUser(windows.app.url, { first_name: 'Seen', last_name: 'Before' });
    const w2 = await open(`/window2.html?user=${user.id}`);
    const fetches = countRequests(w2.page, 'GET', `/api/users/${user.id}`);

    // Lose the next user_update on its way out, as a broker outage between instances would.
    const topics = windows.app.app.get(RealtimeTopics);
    const broadcast = topics.broadcast.bind(topics);
    let dropped = 0;
    topics.broadcast = (message: OutboundMessage) => {
      if (message.event === 'user_update' && dropped === 0) dropped += 1;
      else broadcast(message);
    };
    try {
      await request(windows.app.url).patch(`/api/users/${user.id}`).send({ first_name: 'Missed' }).expect(200);
      await eventually(() => expect(dropped).toBe(1));
      expect(await field(w2.page, 'First name').inputValue()).toBe('Seen');

      // The next event is two versions ahead: the window asks for a replay from the version it shows.
      await request(windows.app.url).patch(`/api/users/${user.id}`).send({ last_name: 'After' }).expect(200);
      await waitForValue(w2.page, 'First name', 'Missed', 1_000);
      await waitForValue(w2.page, 'Last name', 'After', 1_000);
      // Both changes came as events (the lost one replayed from the history), in order, into the History panel.
      await eventually(async () =>
        expect(await w2.page.locator('#history-list li').allTextContents()).toEqual([
          expect.stringMatching(/^Someone else changed Last name from “Before” to “After” · /),
          expect.stringMatching(/^Someone else changed First name from “Seen” to “Missed” · /),
          expect.stringMatching(/^Someone else created the user \(First name “Seen”, Last name “Before”\) · /),
        ]),
      );
      expect(fetches()).toBe(0);
    } finally {
      topics.broadcast = broadcast;
    }
  });

  it('shows a name that looks like HTML as text and runs nothing', async () => {
    const payload = '<img src=x onerror="window.__xss=1">';
    const script = '<script>window.__xss=2</script>';
    const user = await createUser(windows.app.url, { first_name: payload, last_name: script });
    const home = await open('/');
    const w1 = await open(`/window1.html?user=${user.id}`);
    const w2 = await open(`/window2.html?user=${user.id}`);

    for (const win of [w1, w2]) {
      await waitForValue(win.page, 'First name', payload);
      await waitForValue(win.page, 'Last name', script);
      expect(await win.page.locator('#person-heading').textContent()).toBe(`${payload} ${script}`);
    }
    await eventually(async () => expect(await home.page.locator('#users-body').textContent()).toContain(payload));

    // Arriving live, through an event, changes nothing either.
    const live = '<svg onload="window.__xss=3"></svg>';
    await request(windows.app.url).patch(`/api/users/${user.id}`).send({ last_name: live }).expect(200);
    await waitForValue(w1.page, 'Last name', live);
    await eventually(async () => expect(await home.page.locator('#users-body').textContent()).toContain(live));

    for (const win of [home, w1, w2]) {
      expect(await win.page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      expect(await win.page.locator('img[src="x"], svg[onload], #users-body script, main script').count()).toBe(0);
    }
  });
  it('works unchanged under the strict Content-Security-Policy the server sends (no inline script or style)', async () => {
    const user = await createUser(windows.app.url, { first_name: 'Strict', last_name: 'Policy' });
    const home = await open('/');
    const w1 = await open(`/window1.html?user=${user.id}`);
    const w2 = await open(`/window2.html?user=${user.id}`);
    // The policy comes from the server itself, on the page and on what it loads.
    const policy = await w1.page.evaluate(async () => (await fetch(location.href)).headers.get('content-security-policy'));
    for (const directive of STRICT_CSP.split('; ')) expect(policy).toContain(directive);
    expect(policy).not.toContain('unsafe-inline');
    // The stylesheet applied too.
    expect(await w1.page.evaluate(() => getComputedStyle(document.body).backgroundImage)).toContain('gradient');

    await field(w1.page, 'First name').fill('Enforced');
    await waitForValue(w2.page, 'First name', 'Enforced', 1_000);
    // A blocked inline script or style would show up here as a console error.
    expect([...home.errors, ...w1.errors, ...w2.errors]).toEqual([]);
  });
});

/** Types like a person typing fast: a key every 25 ms, long enough for several saves on the way. */
async function typeInto(page: Page, label: 'First name' | 'Last name', text: string): Promise<void> {
  await field(page, label).click();
  await page.keyboard.type(text, { delay: 25 });
}

/** Counts the requests a page sends from now on with this method and path. */
function countRequests(page: Page, method: string, path: string): () => number {
  let count = 0;
  page.on('request', (req) => {
    if (req.method() === method && new URL(req.url()).pathname === path) count += 1;
  });
  return () => count;
}

/** Counts the PATCH requests a page sends from now on. */
function countPatches(page: Page): () => number {
  let count = 0;
  page.on('request', (req) => {
    if (req.method() === 'PATCH') count += 1;
  });
  return () => count;
}
