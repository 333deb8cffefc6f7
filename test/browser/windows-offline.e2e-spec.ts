import request from 'supertest';
import { createTestDatabase } from '../helpers/app';
import { browserSuite, connectionIndicator, field, waitForConnection, waitForText, waitForValue } from '../helpers/browser';
import { eventually } from '../helpers/eventually';
import { createUser, getUser } from '../helpers/factories';
import { ServerProcess, startServerProcess } from '../helpers/server-process';

/** The built server on a database file, which a test can stop and start again on the same port. */
interface RestartableServer {
  readonly url: string;
  stop(): Promise<void>;
  /** Starts it again on the same port and database. */
  restart(): Promise<void>;
  running(): boolean;
  /** Stops it for good and removes the database. */
  close(): Promise<void>;
}

async function startRestartableServer(): Promise<RestartableServer> {
  const database = await createTestDatabase();
  let server: ServerProcess;
  try {
    server = await startServerProcess(database.env);
  } catch (error) {
    await database.dispose();
    throw error;
  }
  const { port, url } = server;
  return {
    url,
    stop: async () => {
      await server.stop();
    },
    restart: async () => {
      server = await startServerProcess(database.env, { port });
    },
    running: () => server.exitStatus() === null,
    close: async () => {
      await server.stop();
      await database.dispose();
    },
  };
}

/**
 * The server goes away and comes back (a real process on a database file,
 * restarted on the same port): the windows notice, reconnect by themselves,
 * catch up on what they missed and send what was typed meanwhile.
 * Needs `npm run build` first (`npm test` builds).
 */
describe('windows across a server restart', () => {
  const windows = browserSuite(startRestartableServer);
  const { open } = windows;

  // A test that fails while the server is down leaves it running for the next one.
  afterEach(async () => {
    if (!windows.app.running()) await windows.app.restart();
  });

  it('says Disconnected when the server stops, reconnects by itself when it is back, and shows what changed meanwhile', async () => {
    const user = await createUser(windows.app.url, { first_name: 'Before', last_name: 'Restart' });
    const w2 = await open(`/window2.html?user=${user.id}`);

    await windows.app.stop();
    await waitForConnection(w2.page, 'Disconnected', 5_000);
    expect(await connectionIndicator(w2.page).textContent()).toMatch(/^Disconnected/);

    await windows.app.restart();
    // Changed before the window is back: only fetching again after the reconnect can show it.
    await request(windows.app.url).patch(`/api/users/${user.id}`).send({ first_name: 'After' }).expect(200);
    await waitForConnection(w2.page, 'Connected', 10_000);
    await waitForValue(w2.page, 'First name', 'After', 5_000);

    // And live events flow again.
    await request(windows.app.url).patch(`/api/users/${user.id}`).send({ first_name: 'Live again' }).expect(200);
    await waitForValue(w2.page, 'First name', 'Live again', 1_000);
  });

  it('keeps an edit typed while the server is down and sends it when the connection returns', async () => {
    const user = await createUser(windows.app.url, { first_name: 'Online', last_name: 'Typist' });
    const w1 = await open(`/window1.html?user=${user.id}`);

    await windows.app.stop();
    await waitForConnection(w1.page, 'Disconnected', 5_000);
    await field(w1.page, 'First name').fill('Typed offline');
    await waitForText(w1.page.locator('#save-status'), 'Offline: your edit will be sent when the connection returns');
    // Still the typed value, not reverted.
    expect(await field(w1.page, 'First name').inputValue()).toBe('Typed offline');

    await windows.app.restart();
    await waitForConnection(w1.page, 'Connected', 10_000);
    await eventually(
      async () =>
        expect(await getUser(windows.app.url, user.id)).toMatchObject({ first_name: 'Typed offline', last_name: 'Typist' }),
      10_000,
    );
    await waitForText(w1.page.locator('#save-status'), 'Saved');
    expect(await field(w1.page, 'First name').inputValue()).toBe('Typed offline');
  });
});
