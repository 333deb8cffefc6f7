import type { Page } from 'playwright-core';
import request from 'supertest';
import { TEST_DB } from '../helpers/app';
import { BrowserWindow, browserSuite, field, waitForText, waitForValue } from '../helpers/browser';
import { startCluster } from '../helpers/cluster';
import { eventually } from '../helpers/eventually';
import { createUser, getUser, WireUser } from '../helpers/factories';
import { ServerProcess, startServerProcess } from '../helpers/server-process';

/** What a window received and fetched, in the order the browser reported it. */
type TrafficEntry = { kind: 'event'; action: string; id: number; version: number } | { kind: 'get'; path: string };

interface RecordedWindow extends BrowserWindow {
  /** user_update frames received on its socket and GET /api/users/<id> requests it sent. */
  traffic: TrafficEntry[];
  /** How many websockets the page opened: more than one means it reconnected. */
  sockets(): number;
}

function log(line: string): void {
  process.stdout.write(`[windows-cluster] ${line}\n`);
}

/**
 * Real Chromium windows on two instances of the built server (separate
 * processes on one database and a throwaway redis-server): they stay in step
 * across instances, count each other, and a window whose instance missed an
 * event during a Redis outage still ends on the API's version of the user.
 * Needs `npx nest build` first (`npm test` builds).
 */
describe(`windows on two instances sharing one ${TEST_DB} database and Redis`, () => {
  const windows = browserSuite(() => startCluster(2));
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(() => {
    [a, b] = windows.app.instances;
  });

  /** Opens a window, recording its socket frames and user fetches from the very first one. */
  async function open(server: ServerProcess, path: string): Promise<RecordedWindow> {
    const traffic: TrafficEntry[] = [];
    let sockets = 0;
    const record = (page: Page): void => {
      page.on('websocket', (ws) => {
        sockets += 1;
        ws.on('framereceived', ({ payload }) => {
          const event = parseUserUpdate(typeof payload === 'string' ? payload : payload.toString());
          if (event) traffic.push(event);
        });
      });
      page.on('request', (req) => {
        const { pathname } = new URL(req.url());
        if (req.method() === 'GET' && /^\/api\/users\/\d+\/?$/.test(pathname)) traffic.push({ kind: 'get', path: pathname });
      });
    };
    const win = await windows.open(path, { base: server.url, beforeGoto: record });
    return { ...win, traffic, sockets: () => sockets };
  }

  /** Window 1 and Window 2 on one user, both on `server`. */
  async function openBoth(server: ServerProcess, user: WireUser): Promise<[RecordedWindow, RecordedWindow]> {
    return [await open(server, `/window1.html?user=${user.id}`), await open(server, `/window2.html?user=${user.id}`)];
  }

  /** The outage tests stop and start Redis: not one given through REDIS_URL, which is not theirs to stop. */
  function redisIsOurs(): boolean {
    if (windows.app.redis.restartable) return true;
    log('skipped: REDIS_URL names a Redis these tests must not stop');
    return false;
  }

  async function patch(server: ServerProcess, id: number, body: Partial<WireUser>): Promise<WireUser> {
    return (await request(server.url).patch(`/api/users/${id}`).send(body).expect(200)).body as WireUser;
  }

  /** Redis down as the instance itself sees it (/health 503), so what it publishes now waits in its queue. */
  async function redisDownOn(server: ServerProcess): Promise<void> {
    await eventually(async () => (await request(server.url).get('/health')).status === 503, 5_000, 50);
  }

  async function shownVersion(page: Page): Promise<number | null> {
    const match = /version (\d+)/.exec((await page.locator('#person-meta').textContent()) ?? '');
    return match ? Number(match[1]) : null;
  }

  /** Waits until the window shows exactly this row: both names and its version. */
  async function waitForRow(win: RecordedWindow, user: WireUser, deadlineMs: number): Promise<number> {
    const started = Date.now();
    await waitForValue(win.page, 'First name', user.first_name, deadlineMs);
    await waitForValue(win.page, 'Last name', user.last_name, Math.max(100, deadlineMs - (Date.now() - started)));
    await eventually(
      async () => expect(await shownVersion(win.page)).toBe(user.version),
      Math.max(100, deadlineMs - (Date.now() - started)),
    );
    return Date.now() - started;
  }

  it("Window 1 on A and Window 2 on B: each shows the other's typing within a second, and both count 2 windows open", async () => {
    const user = await createUser(a.url, { first_name: 'Grace', last_name: 'Hopper' });
    const w1 = await open(a, `/window1.html?user=${user.id}`);
    const w2 = await open(b, `/window2.html?user=${user.id}`);
    for (const win of [w1, w2]) {
      await waitForValue(win.page, 'First name', 'Grace');
      await waitForValue(win.page, 'Last name', 'Hopper');
    }

    // Presence is counted across instances through the adapter (fetchSockets).
    let started = Date.now();
    await waitForText(w1.page.locator('#presence'), /^2 windows open$/, 8_000);
    await waitForText(w2.page.locator('#presence'), /^2 windows open$/, 8_000);
    const presenceMs = Date.now() - started;

    await typeInto(w1.page, 'First name', 'Ada');
    const firstMs = await waitForValue(w2.page, 'First name', 'Ada', 1_000);
    await typeInto(w2.page, 'Last name', 'Lovelace');
    const lastMs = await waitForValue(w1.page, 'Last name', 'Lovelace', 1_000);

    // Saved, through either instance, and nothing late undoes the typing.
    await eventually(async () =>
      expect(await getUser(b.url, user.id)).toMatchObject({ first_name: 'Ada', last_name: 'Lovelace' }),
    );
    const saved = await getUser(a.url, user.id);
    await waitForRow(w1, saved, 2_000);
    await waitForRow(w2, saved, 2_000);

    started = Date.now();
    await w2.close();
    await waitForText(w1.page.locator('#presence'), /^1 window open$/, 8_000);
    const leaveMs = Date.now() - started;

    expect(w1.errors).toEqual([]);
    expect(w2.errors).toEqual([]);
    log(
      `typing end -> other instance's window: First name ${firstMs} ms, Last name ${lastMs} ms; ` +
        `"2 windows open" on both ${presenceMs} ms; close -> "1 window open" ${leaveMs} ms`,
    );
  });

  it('a change made through A while Redis is down still reaches the windows on B, which end on the API version', async () => {
    if (!redisIsOurs()) return;
    const user = await createUser(a.url, { first_name: 'Before', last_name: 'Outage' });
    const [w1, w2] = await openBoth(b, user);
    const marks = [w1.traffic.length, w2.traffic.length];

    await windows.app.redis.stop();
    await redisDownOn(a);
    const during = await patch(a, user.id, { first_name: 'During outage' });
    await windows.app.redis.start();
    const restarted = Date.now();
    const after = await patch(a, user.id, { last_name: 'After outage' });
    expect(after).toMatchObject({ first_name: 'During outage', last_name: 'After outage', version: during.version + 1 });

    const shownMs: number[] = [];
    for (const win of [w1, w2]) shownMs.push(await waitForRow(win, after, 5_000));
    expect(await getUser(b.url, user.id)).toEqual(after);

    // Which path brought the outage change: the replayed event, or a fetch after a version gap.
    // The socket to B never dropped, so no reconnect fetch can explain it.
    const paths = [w1, w2].map((win, i) => {
      const since = win.traffic.slice(marks[i]);
      const versions = since
        .filter((entry) => entry.kind === 'event' && entry.id === user.id)
        .map((entry) => (entry as { version: number }).version);
      const fetches = since.filter((entry) => entry.kind === 'get').length;
      expect(win.sockets()).toBe(1);
      const replayed = versions.includes(during.version);
      // Replayed in order: no gap, so no fetch; not replayed: the gap must have triggered one.
      if (replayed) expect(fetches).toBe(0);
      else expect(fetches).toBeGreaterThanOrEqual(1);
      return `${replayed ? 'replayed' : 'gap-resync'} (events v${versions.join(',v')}, ${fetches} GET)`;
    });
    for (const win of [w1, w2]) expect(win.errors).toEqual([]);
    log(
      `Redis outage, change through A: Redis start -> both windows on B show v${after.version}: ` +
        `${Date.now() - restarted} ms (${shownMs.join(' / ')} ms after the last PATCH); Window 1: ${paths[0]}; Window 2: ${paths[1]}`,
    );
  });

  it('an outage event lost for good (A dies with it queued): the windows on B replay it from the change history, no fetch, no reload', async () => {
    if (!redisIsOurs()) return;
    const user = await createUser(a.url, { first_name: 'Before', last_name: 'Crash' });
    const [w1, w2] = await openBoth(b, user);
    for (const win of [w1, w2]) await waitForRow(win, user, 2_000);
    const marks = [w1.traffic.length, w2.traffic.length];

    await windows.app.redis.stop();
    await redisDownOn(a);
    const lost = await patch(a, user.id, { first_name: 'Lost with A' });
    // The event for B waits in A's publisher queue; A crashes, and the event with it.
    await a.kill();
    await windows.app.redis.start();
    const replacement = await startServerProcess(windows.app.env);
    windows.app.instances.push(replacement);

    const sent = Date.now();
    const after = await patch(replacement, user.id, { last_name: 'After crash' });
    expect(after).toMatchObject({ first_name: 'Lost with A', last_name: 'After crash', version: lost.version + 1 });
    const shownMs: number[] = [];
    for (const win of [w1, w2]) shownMs.push(await waitForRow(win, after, 5_000));
    expect(await getUser(b.url, user.id)).toEqual(after);

    [w1, w2].forEach((win, i) => {
      const since = win.traffic.slice(marks[i]);
      const versions = since
        .filter((entry) => entry.kind === 'event' && entry.id === user.id)
        .map((entry) => (entry as { version: number }).version);
      // The lost version came back as an event replayed from the history (after a `head` or the gap), not by fetching the user.
      expect(versions).toEqual(expect.arrayContaining([lost.version, after.version]));
      expect(since.filter((entry) => entry.kind === 'get' && entry.path === `/api/users/${user.id}`)).toEqual([]);
      expect(win.sockets()).toBe(1);
    });
    for (const win of [w1, w2]) expect(win.errors).toEqual([]);
    log(
      `lost outage event: PATCH through the replacement -> both windows on B show v${after.version} ` +
        `(replayed from the history): ${Date.now() - sent} ms (${shownMs.join(' / ')} ms each)`,
    );
  });
});

/** A socket.io EVENT packet ("42[...]") carrying user_update, or null. */
function parseUserUpdate(payload: string): TrafficEntry | null {
  if (!payload.startsWith('42')) return null;
  try {
    const [event, data] = JSON.parse(payload.slice(2)) as [string, { action?: string; user?: { id?: number; version?: number } }];
    if (event !== 'user_update' || typeof data?.user?.id !== 'number' || typeof data.user.version !== 'number') return null;
    return { kind: 'event', action: String(data.action), id: data.user.id, version: data.user.version };
  } catch {
    return null;
  }
}

/** Replaces the field's text the way a person does: select all, then type, a key every 25 ms. */
async function typeInto(page: Page, label: 'First name' | 'Last name', text: string): Promise<void> {
  await field(page, label).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text, { delay: 25 });
}
