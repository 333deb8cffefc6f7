import { existsSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { eventually } from './eventually';
import { freePort } from './ports';
import { ProcessExit, spawnProcess, TestProcess } from './processes';

export interface ServerProcess extends TestProcess {
  port: number;
  url: string;
  /** stop(), for helpers that close what they are given (e.g. browserSuite). */
  close(): Promise<void>;
}

export interface ServerProcessOptions {
  /** Listen on this port instead of a free one (a restart on the same address). */
  port?: number;
  /** Options for node itself, before the script (e.g. `--require` a preload). */
  nodeArgs?: string[];
  /** Another built server to start (the bench's floor): relative to the build's root, or absolute; the app's by default. */
  script?: string;
}

/** The app's built entry point, as `npm start` runs it. */
const APP_SCRIPT = join('dist', 'src', 'main.js');

/**
 * Where the built server is started from: the copy of dist/ that Jest's
 * global setup made for this run (test/jest/global-setup.js says why), or,
 * outside Jest, this checkout itself. The server runs with that folder as its
 * working directory, so a developer's .env in the checkout never leaks into
 * a test server.
 */
function builtServer(script: string): { root: string; main: string } {
  const root = process.env.TEST_SERVER_ROOT ?? join(__dirname, '..', '..');
  const main = resolvePath(root, script);
  if (!existsSync(main)) throw new Error(`${main} does not exist: run \`npm run build\` before these tests (\`npm test\` does)`);
  return { root, main };
}

function spawnServer(env: Record<string, string>, nodeArgs: string[] = [], script = APP_SCRIPT): TestProcess {
  const { root, main } = builtServer(script);
  return spawnProcess(process.execPath, [...nodeArgs, main], {
    // No drain delay unless a test asks for one: nothing balances load in front of most test servers.
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', SHUTDOWN_DELAY_MS: '0', ...env },
    cwd: root,
  });
}

/**
 * Starts the built server (dist/src/main.js, as `npm start` does) as a
 * separate process on a free port, and waits until it answers HTTP.
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const child = spawnServer({ ...env, PORT: String(port) }, options.nodeArgs, options.script);
  const server: ServerProcess = {
    ...child,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await child.stop();
    },
  };
  try {
    await eventually(
      async () => {
        const exit = server.exitStatus();
        if (exit) throw new Error(`server exited (${describeExit(exit)}): ${server.output()}`);
        const response = await fetch(`${server.url}/api/users?limit=1`);
        return response.status === 200;
      },
      20_000,
      100,
    );
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** Runs the built server (or `script`) expecting it to refuse to start; resolves with its exit code and output. */
export async function runServerExpectingExit(
  env: Record<string, string>,
  deadlineMs = 15_000,
  script = APP_SCRIPT,
): Promise<{ code: number | null; output: string }> {
  const server = spawnServer(env, [], script);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
  const outcome = await Promise.race([server.exited, deadline]);
  clearTimeout(timer);
  if (outcome === 'deadline') {
    await server.kill();
    throw new Error(`server did not exit within ${deadlineMs} ms: ${server.output()}`);
  }
  return { code: outcome.code, output: server.output() };
}

function describeExit(exit: ProcessExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}
