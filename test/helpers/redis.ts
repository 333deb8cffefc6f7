import { Redis } from 'ioredis';
import { eventually } from './eventually';
import { freePort } from './ports';
import { spawnProcess, TestProcess } from './processes';

export interface RedisClientInfo {
  name: string;
  /** The last command the connection ran, e.g. xread or subscribe. */
  cmd: string;
  /** Channels it is subscribed to. */
  sub: number;
}

export interface TestRedis {
  url: string;
  port: number;
  /** False when the tests were given a Redis (REDIS_URL) they must not stop. */
  readonly restartable: boolean;
  /** Stops the server (outage tests); its data goes with it, as after a crash without persistence. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Runs one command on a connection of its own (named test-admin) and returns the reply. */
  command(name: string, ...args: (string | number)[]): Promise<unknown>;
  /** The client connections open right now (CLIENT LIST fields by name), the helper's own left out. */
  clients(): Promise<RedisClientInfo[]>;
  /** Stops the server for good; safe to call twice. */
  close(): Promise<void>;
}

/**
 * A Redis for one test file: a redis-server of its own on a free port, no
 * persistence, stopped in close(); or, when REDIS_URL is set, that one
 * (which must be dedicated to the tests: the adapter's channel names are
 * global to a Redis server). Never the machine's Redis on 6379 by default.
 */
export async function startTestRedis(): Promise<TestRedis> {
  const given = process.env.REDIS_URL;
  if (given) return externalRedis(given);
  const port = await freePort();
  let server: TestProcess | undefined;

  const start = async (): Promise<void> => {
    if (server) return;
    const started = spawnProcess(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
      { env: { PATH: process.env.PATH ?? '' } },
    );
    server = started;
    try {
      await eventually(
        async () => {
          if (started.exitStatus())
            throw new Error(`redis-server on ${port} did not start (is it on PATH?): ${started.output()}`);
          return (await runCommand(port, 'PING')) === 'PONG';
        },
        10_000,
        50,
      );
    } catch (error) {
      await stop();
      throw error;
    }
  };

  const stop = async (): Promise<void> => {
    const current = server;
    server = undefined;
    await current?.stop();
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    restartable: true,
    stop,
    start,
    command: (name, ...args) => runCommand(port, name, ...args),
    clients: () => listClients(port),
    close: stop,
  };
}

function externalRedis(url: string): TestRedis {
  const port = Number(new URL(url).port || 6379);
  const refuse = (): Promise<void> => Promise.reject(new Error(`cannot stop or start the given Redis at ${url}`));
  return {
    url,
    port,
    restartable: false,
    stop: refuse,
    start: refuse,
    command: (name, ...args) => runCommand(url, name, ...args),
    clients: () => listClients(url),
    close: () => Promise.resolve(),
  };
}

async function runCommand(target: number | string, name: string, ...args: (string | number)[]): Promise<unknown> {
  const options = {
    connectionName: 'test-admin',
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: (): null => null,
  };
  const client = typeof target === 'number' ? new Redis(target, '127.0.0.1', options) : new Redis(target, options);
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(name, ...args);
  } finally {
    // On a client that already ended, disconnect() would arm a 2 s timer that never clears.
    if (client.status !== 'end') client.disconnect();
  }
}

async function listClients(target: number | string): Promise<RedisClientInfo[]> {
  const list = String(await runCommand(target, 'CLIENT', 'LIST'));
  return list
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) =>
      Object.fromEntries(
        line
          .trim()
          .split(' ')
          .map((field) => field.split('=', 2) as [string, string]),
      ),
    )
    .map((fields) => ({ name: fields.name ?? '', cmd: fields.cmd ?? '', sub: Number(fields.sub ?? 0) }))
    .filter((client) => client.name !== 'test-admin');
}
