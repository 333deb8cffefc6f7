import type { Page } from 'playwright-core';
import request from 'supertest';
import { startTestApp } from '../helpers/app';
import { browserSuite, field, waitForConnection, waitForValue } from '../helpers/browser';
import { startCuttableProxy } from '../helpers/cuttable-proxy';
import { eventually } from '../helpers/eventually';
import { createUser } from '../helpers/factories';

/** How long the window stays offline in the replay test (the issue's scenario). */
const OFFLINE_MS = 30_000;

function historyLines(page: Page): Promise<string[]> {
  return page.locator('#history-list li').allTextContents();
}

/** The socket.io frames a page receives, by event name, in order ("42[...]" packets). */
function receivedEvents(page: Page): { event: string; data: unknown }[] {
  const events: { event: string; data: unknown }[] = [];
  page.on('websocket', (socket) =>
    socket.on('framereceived', ({ payload }) => {
      if (typeof payload !== 'string' || !payload.startsWith('42')) return;
      const [event, data] = JSON.parse(payload.slice(2)) as [string, unknown];
      events.push({ event, data });
    }),
  );
  return events;
}

/** Each window's History panel: who changed which field, from what to what, and when, live. */
describe('the History panel', () => {
  const windows = browserSuite(() => startTestApp());
  const open = (path: string, base?: string) => windows.open(path, { base });

  it('lists the changes made so far and each new one live, saying who made it', async () => {
    const user = (
      await request(windows.app.url)
        .post('/api/users')
        .set('X-Changed-By', 'Import script')
        .send({ first_name: 'Ada', last_name: 'Byron' })
        .expect(201)
    ).body as { id: number };
    const w1 = await open(`/window1.html?user=${user.id}`);
    const w2 = await open(`/window2.html?user=${user.id}`);
    for (const win of [w1, w2]) {
      await eventually(async () =>
        expect(await historyLines(win.page)).toEqual([
          expect.stringMatching(/^Import script created the user \(First name “Ada”, Last name “Byron”\) · \d/),
        ]),
      );
    }

    await field(w2.page, 'Last name').fill('Lovelace');
    await waitForValue(w1.page, 'Last name', 'Lovelace', 2_000);
    for (const win of [w1, w2]) {
      await eventually(async () =>
        expect((await historyLines(win.page))[0]).toMatch(/^Window 2 changed Last name from “Byron” to “Lovelace” · \d/),
      );
    }
    // The panel is a labelled list: a screen reader hears "History, list, 2 items".
    await expect(w1.page.getByRole('region', { name: 'History' }).getByRole('listitem').count()).resolves.toBe(2);
    expect(await w1.page.locator('#last-change').textContent()).toContain('Last change by Window 2');
    expect([...w1.errors, ...w2.errors]).toEqual([]);
  });

  it('a window offline for 30 s while the other makes 5 changes shows all 5 after reconnecting, from one replay, with no reload', async () => {
    const user = await createUser(windows.app.url, { first_name: 'Start', last_name: 'Offline' });
    const proxy = windows.closeAfterTest(await startCuttableProxy(windows.app.url));
    const w1 = await open(`/window1.html?user=${user.id}`);
    const w2 = await open(`/window2.html?user=${user.id}`, proxy.url);
    const frames = receivedEvents(w2.page);
    await w2.page.evaluate(() => Object.assign(window, { sameDocument: true }));
    // Cut between requests: a request the cut resets is an error Chromium logs on its own (the window copes with it).
    await eventually(() => expect(w2.requestsInFlight()).toBe(0));

    proxy.cut();
    await waitForConnection(w2.page, 'Disconnected', 5_000);
    const offlineSince = Date.now();
    for (let i = 1; i <= 5; i += 1) {
      await field(w1.page, 'First name').fill(`Change ${i}`);
      await eventually(async () => expect(await w1.page.locator('#save-status').textContent()).toBe('Saved'), 5_000);
    }
    const mark = frames.length;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OFFLINE_MS - (Date.now() - offlineSince))));
    expect(await field(w2.page, 'First name').inputValue()).toBe('Start');

    proxy.restore();
    await waitForConnection(w2.page, 'Connected', 10_000);
    await waitForValue(w2.page, 'First name', 'Change 5', 5_000);
    const lines = await historyLines(w2.page);
    expect(lines.slice(0, 5)).toEqual(
      [5, 4, 3, 2, 1].map((i): unknown =>
        expect.stringMatching(
          new RegExp(`^Window 1 changed First name from “${i === 1 ? 'Start' : `Change ${i - 1}`}” to “Change ${i}” · \\d`),
        ),
      ),
    );
    // One replay: the five missed events, then its end, on the same page (no reload).
    const after = frames.slice(mark);
    const firstRecovery = after.findIndex((entry) => entry.event === 'recovery');
    expect(after.slice(0, firstRecovery).filter((entry) => entry.event === 'user_update')).toHaveLength(5);
    expect(after[firstRecovery].data).toMatchObject({ user_id: user.id, recovered: true, replayed: 5 });
    expect(await w2.page.evaluate((): boolean => (window as unknown as { sameDocument?: boolean }).sameDocument === true)).toBe(
      true,
    );
    // Chromium logs each refused reconnect attempt while the line is cut; nothing else may go wrong.
    expect(w2.errors.filter((error) => !/WebSocket connection to .* failed/.test(error))).toEqual([]);
  }, 90_000);
});
