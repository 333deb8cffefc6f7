import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eventually } from './eventually';
import { freePort } from './ports';
import { spawnProcess, TestProcess } from './processes';

/** The configuration the README recommends, filled in by this helper exactly as envsubst would. */
export const NGINX_CONF = resolve(__dirname, '..', '..', 'deploy', 'nginx.conf');

export interface TestNginx {
  url: string;
  port: number;
  /** What nginx logged (its error log: warnings such as an upstream it gave up on). */
  errorLog(): string;
  /** Stops nginx and removes its folder; safe to call twice. */
  close(): Promise<void>;
}

/**
 * nginx in front of `upstreams` (host:port each), with deploy/nginx.conf as
 * its site, as a process of this test on a free port: no root, no service, no
 * system path (a temporary prefix holds its pid, logs and temp files). Stopped
 * when the test file ends even if the test fails before close() (processes.ts).
 */
export async function startNginx(upstreams: readonly [string, string]): Promise<TestNginx> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'test-nginx-'));
  const site = fillPlaceholders(readFileSync(NGINX_CONF, 'utf8'), {
    APP_SERVER_1: upstreams[0],
    APP_SERVER_2: upstreams[1],
    LISTEN_PORT: `127.0.0.1:${port}`,
  });
  writeFileSync(join(dir, 'site.conf'), site);
  writeFileSync(join(dir, 'nginx.conf'), mainConfig(dir));
  const errorLog = (): string => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  let server: TestProcess | undefined = spawnProcess(
    'nginx',
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
    { env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin` } },
  );
  const close = async (): Promise<void> => {
    const running = server;
    server = undefined;
    await running?.stop('SIGTERM', 2_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually(
      async () => {
        const exit = server?.exitStatus();
        if (exit) throw new Error(`nginx did not start (installed? scripts/setup.sh test): ${server?.output()} ${errorLog()}`);
        return accepts(port);
      },
      10_000,
      50,
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, port, errorLog, close };
}

/** envsubst's ${NAME}, for the names given only (nginx's own $variables stay). */
function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}/g, (placeholder: string, name: string) => values[name] ?? placeholder);
}

/** What /etc/nginx/nginx.conf provides around a site, with every path in `dir`. */
function mainConfig(dir: string): string {
  return `daemon off;
# One process and no user switch: nginx runs as whoever runs the tests.
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ${join(dir, 'client_body')};
    proxy_temp_path ${join(dir, 'proxy')};
    fastcgi_temp_path ${join(dir, 'fastcgi')};
    uwsgi_temp_path ${join(dir, 'uwsgi')};
    scgi_temp_path ${join(dir, 'scgi')};
    include ${join(dir, 'site.conf')};
}
`;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolveAccepts) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveAccepts(true);
    });
    socket.once('error', () => resolveAccepts(false));
  });
}
