import type { Page } from 'playwright-core';
import { BrowserWindow, browserSuite, field, waitForConnection, waitForValue } from '../helpers/browser';
import { Cluster, startCluster } from '../helpers/cluster';
import { eventually } from '../helpers/eventually';
import { createUser, getUser } from '../helpers/factories';
import { startNginx, TestNginx } from '../helpers/nginx';
import { ServerProcess, startServerProcess } from '../helpers/server-process';

const SHUTDOWN_TIMEOUT_MS = 8_000;
/** Above deploy/nginx.conf's upstream keepalive_timeout (2 s), as README's "Production" asks. */
const NGINX_SAFE_DELAY_MS = '2500';

interface BalancedCluster {
  url: string;
  cluster: Cluster;
  nginx: TestNginx;
  close(): Promise<void>;
}

async function startBehindNginx(): Promise<BalancedCluster> {
  const cluster = await startCluster(2, {
    SHUTDOWN_DELAY_MS: NGINX_SAFE_DELAY_MS,
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  });
  try {
    const nginx = await startNginx([`127.0.0.1:${cluster.instances[0].port}`, `127.0.0.1:${cluster.instances[1].port}`]);
    return {
      url: nginx.url,
      cluster,
      nginx,
      close: async () => {
        await nginx.close();
        await cluster.close();
      },
    };
  } catch (error) {
    await cluster.close();
    throw error;
  }
}

interface CountedWindow extends BrowserWindow {
  /** How many WebSockets the page opened: more than one means it reconnected. */
  sockets(): number;
}

async function typeInto(page: Page, label: 'First name' | 'Last name', text: string): Promise<void> {
  await field(page, label).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text, { delay: 25 });
}

/**
 * Real Chromium windows that know only nginx's address (deploy/nginx.conf in
 * front of two instances), through a rolling restart: each instance in turn
 * gets SIGTERM and drains while the windows type; a new instance takes the
 * first one's place before the second goes. The windows stay in sync, lose
 * no typing, and show no error.
 */
describe('Window 1 and Window 2 behind nginx, through a rolling restart', () => {
  const windows = browserSuite(startBehindNginx);

  async function open(path: string): Promise<CountedWindow> {
    let sockets = 0;
    const win = await windows.open(path, { beforeGoto: (page) => void page.on('websocket', () => (sockets += 1)) });
    return { ...win, sockets: () => sockets };
  }

  async function drain(server: ServerProcess): Promise<void> {
    const exit = await server.stop('SIGTERM', SHUTDOWN_TIMEOUT_MS + 5_000);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
  }

  it('stay in sync while each instance in turn drains behind nginx', async () => {
    const { cluster, url } = windows.app;
    const [a, b] = cluster.instances;
    const user = await createUser(url, { first_name: 'Grace', last_name: 'Hopper' });
    const w1 = await open(`/window1.html?user=${user.id}`);
    const w2 = await open(`/window2.html?user=${user.id}`);

    // Latency is windows-cluster's to measure (under a second); here what counts is that nothing is lost.
    await typeInto(w1.page, 'First name', 'Ada');
    await waitForValue(w2.page, 'First name', 'Ada', 3_000);

    // A drains while Window 2 types: nothing typed is lost, whichever instance it reached.
    const drainingA = drain(a);
    await typeInto(w2.page, 'Last name', 'Lovelace');
    await drainingA;
    await waitForValue(w1.page, 'Last name', 'Lovelace', 5_000);

    // A new instance takes A's place (same address in nginx), then B drains: every window is now on B or
    // the new one, so each must move at least once over the whole restart.
    const replacement = await startServerProcess(cluster.env, { port: a.port });
    cluster.instances.push(replacement);
    await eventually(async () => expect((await fetch(`${replacement.url}/health/ready`)).status).toBe(200));
    const drainingB = drain(b);
    await typeInto(w1.page, 'First name', 'Augusta');
    await drainingB;
    await waitForValue(w2.page, 'First name', 'Augusta', 5_000);

    for (const win of [w1, w2]) {
      await waitForConnection(win.page, 'Connected');
      expect(win.sockets()).toBeGreaterThanOrEqual(2);
      expect(win.errors).toEqual([]);
    }
    await eventually(async () =>
      expect(await getUser(replacement.url, user.id)).toMatchObject({ first_name: 'Augusta', last_name: 'Lovelace' }),
    );
    await typeInto(w2.page, 'Last name', 'King');
    await waitForValue(w1.page, 'Last name', 'King', 3_000);
  });
});
