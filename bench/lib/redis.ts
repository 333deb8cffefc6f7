import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { captureOutput, stopChild, track } from './children';
import { waitUntil } from './clock';
import { freePort } from './ports';

export interface ThrowawayRedis {
  url: string;
  /** For CPU readings: Redis can be the bottleneck of a two-instance run. */
  pid: number;
  stop(): Promise<void>;
}

/**
 * A redis-server of the bench's own on a free port, nothing persisted, as
 * test/helpers/redis.ts does: never the machine's Redis on 6379, whose
 * channels other programs may share.
 */
export async function startRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  track(child);
  const output = captureOutput(child);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const up = await waitUntil(async () => {
    if (spawnError || child.exitCode !== null) return true;
    return ping(port);
  }, 10_000);
  if (!up || spawnError || child.exitCode !== null) {
    await stopChild(child);
    throw new Error(`redis-server on ${port} did not start (${spawnError?.message ?? output()}); is redis-server installed?`);
  }
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid ?? 0, stop: () => stopChild(child) };
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(reply.startsWith('+PONG')));
    socket.on('error', () => undefined);
  });
}
