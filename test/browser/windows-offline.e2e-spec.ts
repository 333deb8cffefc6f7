import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import {
  BrowserWindow,
  closeAll,
  connectionIndicator,
  field,
  launchBrowser,
  openWindow,
  waitForConnection,
  waitForText,
  waitForValue,
} from '../helpers/browser';
import { eventually } from '../helpers/eventually';
import { createUser, getUser } from '../helpers/factories';
import { startServerProcess, ServerProcess } from '../helpers/server-process';

/**
 * The server goes away and comes back (a real process on a SQLite file,
 * restarted on the same port): the windows notice, reconnect by themselves,
 * catch up on what they missed and send what was typed meanwhile.
 * Needs `npx nest build` first (`npm test` builds).
 */
describe('windows across a server restart', () => {
  let dir: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;
  let port: number;
  let browser: Browser;
  const windows: BrowserWindow[] = [];

  async function open(path: string): Promise<BrowserWindow> {
    const win = await openWindow(browser, `${server!.url}${path}`);
    windows.push(win);
    return win;
  }

  async function restart(): Promise<void> {
    server = await startServerProcess(env, { port });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'browser-offline-'));
    env = { DB_PATH: join(dir, 'app.sqlite') };
    // One after the other, so a failed start leaves nothing for afterAll to miss.
    server = await startServerProcess(env);
    browser = await launchBrowser();
    port = server.port;
  });
  afterEach(async () => {
    await closeAll(...windows.splice(0));
    if (server && server.exitStatus() === null) return;
    await restart();
  });
  afterAll(async () => {
    await closeAll(browser);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says Disconnected when the server stops, reconnects by itself when it is back, and shows what changed meanwhile', async () => {
    const user = await createUser(server!.url, { first_name: 'Before', last_name: 'Restart' });
    const w2 = await open(`/window2.html?user=${user.id}`);

    await server!.stop();
    await waitForConnection(w2.page, 'Disconnected', 5_000);
    expect(await connectionIndicator(w2.page).textContent()).toMatch(/^Disconnected/);

    await restart();
    // Changed before the window is back: only fetching again after the reconnect can show it.
    await request(server!.url).patch(`/api/users/${user.id}`).send({ first_name: 'After' }).expect(200);
    await waitForConnection(w2.page, 'Connected', 10_000);
    await waitForValue(w2.page, 'First name', 'After', 5_000);

    // And live events flow again.
    await request(server!.url).patch(`/api/users/${user.id}`).send({ first_name: 'Live again' }).expect(200);
    await waitForValue(w2.page, 'First name', 'Live again', 1_000);
  });

  it('keeps an edit typed while the server is down and sends it when the connection returns', async () => {
    const user = await createUser(server!.url, { first_name: 'Online', last_name: 'Typist' });
    const w1 = await open(`/window1.html?user=${user.id}`);

    await server!.stop();
    await waitForConnection(w1.page, 'Disconnected', 5_000);
    await field(w1.page, 'First name').fill('Typed offline');
    await waitForText(w1.page.locator('#save-status'), 'Offline: your edit will be sent when the connection returns');
    // Still the typed value, not reverted.
    expect(await field(w1.page, 'First name').inputValue()).toBe('Typed offline');

    await restart();
    await waitForConnection(w1.page, 'Connected', 10_000);
    await eventually(async () => expect(await getUser(server!.url, user.id)).toMatchObject({ first_name: 'Typed offline', last_name: 'Typist' }), 10_000);
    await waitForText(w1.page.locator('#save-status'), 'Saved');
    expect(await field(w1.page, 'First name').inputValue()).toBe('Typed offline');
  });
});
