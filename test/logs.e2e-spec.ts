import { ConsoleLogger, Controller, Get, Logger, Module } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { AppLogger } from '../src/observability';
import { RealtimeTopics } from '../src/realtime';
import { createTestDatabase, startTestApp, TestApp, TestDatabase } from './helpers/app';
import { eventually } from './helpers/eventually';
import { createUser } from './helpers/factories';
import { freePort } from './helpers/ports';
import { spawnProcess, TestProcess } from './helpers/processes';
import { startTestRedis, TestRedis } from './helpers/redis';
import { runServerExpectingExit, ServerProcess, startServerProcess } from './helpers/server-process';

/*
 * The log as an operator reads it: the built server's whole output, as a
 * separate process writes it to a pipe (JSON) or to a terminal (text).
 */

interface LogLine {
  level: string;
  timestamp: number;
  message: string;
  context?: string;
  [field: string]: unknown;
}

/** Every line the server wrote, each of which must be JSON. */
function jsonLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
}

function accessLines(output: string): LogLine[] {
  return jsonLines(output).filter((line) => line.context === 'HTTP' && typeof line.status === 'number');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('JSON logs (the default when standard output is not a terminal)', () => {
  const BODY_SECRET = 'body-secret-7f3a';
  const TOKEN_SECRET = 'token-secret-91c2';
  const QUERY_SECRET = 'query-secret-5d0e';
  const MALFORMED_SECRET = 'malformed-secret-c4b8';
  const DATABASE_PASSWORD = 'db-password-2e6f';
  const REDIS_PASSWORD = 'redis-password-8a1d';

  let database: TestDatabase;
  let redis: TestRedis;
  let server: ServerProcess;
  /** Whether this run could give Redis a password (not when the tests were handed a Redis of someone else's). */
  let redisWithPassword = false;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await startTestRedis();
    redisWithPassword = redis.restartable;
    if (redisWithPassword) await redis.command('CONFIG', 'SET', 'requirepass', REDIS_PASSWORD);
    const env: Record<string, string> = {
      ...database.env,
      REDIS_URL: redisWithPassword ? `redis://:${REDIS_PASSWORD}@127.0.0.1:${redis.port}` : redis.url,
    };
    // On SQLite the URL is only read and validated; on PostgreSQL it is connected with (the test server trusts any password).
    env.DATABASE_URL = withPassword(database.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/unused', DATABASE_PASSWORD);
    server = await startServerProcess(env);
  });

  afterAll(async () => {
    await server?.stop();
    await redis?.close();
    await database?.dispose();
  });

  it('writes every line as one JSON object, start-up lines included', () => {
    const lines = jsonLines(server.output());
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      expect(line).toEqual(
        expect.objectContaining({ level: expect.any(String), timestamp: expect.any(Number), message: expect.anything() }),
      );
    }
    expect(lines).toContainEqual(
      expect.objectContaining({ context: 'Bootstrap', message: expect.stringContaining('listening on') }),
    );
  });

  it('writes one access line per request: method, route pattern, status, duration, request id', async () => {
    const created = await request(server.url)
      .post('/api/users')
      .set('X-Request-Id', 'client-chosen.id:1')
      .send({ first_name: 'Ada', last_name: 'Lovelace' })
      .expect(201);
    expect(created.headers['x-request-id']).toBe('client-chosen.id:1');
    await request(server.url).get(`/api/users/${created.body.id}`).set('X-Request-Id', 'read-1').expect(200);
    await request(server.url).get('/no/such/path?x=1').set('X-Request-Id', 'lost-1').expect(404);

    const lines = await eventually(() => {
      const found = accessLines(server.output()).filter((line) =>
        ['client-chosen.id:1', 'read-1', 'lost-1'].includes(String(line.requestId)),
      );
      if (found.length < 3) throw new Error(`${found.length} of 3 access lines`);
      return found;
    });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'log',
        method: 'POST',
        route: '/api/users',
        status: 201,
        requestId: 'client-chosen.id:1',
      }),
      expect.objectContaining({ level: 'log', method: 'GET', route: '/api/users/:id', status: 200, requestId: 'read-1' }),
      expect.objectContaining({ level: 'log', method: 'GET', route: 'unmatched', path: '/no/such/path', status: 404 }),
    ]);
    for (const line of lines) expect(line.durationMs).toEqual(expect.any(Number));
    // A matched route is named by its pattern only: the id is nowhere in its line.
    expect(JSON.stringify(lines[1])).not.toContain(`/api/users/${created.body.id}`);
  });

  it('keeps a sane X-Request-Id through to the change record, and replaces one that is not', async () => {
    const created = await request(server.url)
      .post('/api/users')
      .set('X-Request-Id', 'trace-42')
      .send({ first_name: 'A', last_name: 'B' });
    const patched = await request(server.url)
      .patch(`/api/users/${created.body.id}`)
      .set('X-Request-Id', 'not sane: it has spaces, and <angle brackets>')
      .send({ first_name: 'C' })
      .expect(200);
    const replaced = String(patched.headers['x-request-id']);
    expect(replaced).toMatch(UUID);

    const history = await request(server.url).get(`/api/users/${created.body.id}/history`).expect(200);
    const changes = history.body as { action: string; request_id: string }[];
    expect(changes.map((change) => [change.action, change.request_id])).toEqual([
      ['update', replaced],
      ['create', 'trace-42'],
    ]);
    await eventually(() => {
      expect(accessLines(server.output())).toContainEqual(
        expect.objectContaining({ method: 'PATCH', route: '/api/users/:id', status: 200, requestId: replaced }),
      );
    });
  });

  it('never writes a body, a token, a query string or a URL password', async () => {
    const user = await request(server.url)
      .post('/api/users')
      .set('Authorization', `Bearer ${TOKEN_SECRET}`)
      .send({ first_name: BODY_SECRET, last_name: 'x' })
      .expect(201);
    await request(server.url).get(`/api/users?search=${QUERY_SECRET}`).set('Authorization', `Bearer ${TOKEN_SECRET}`).expect(200);
    await request(server.url)
      .patch(`/api/users/${user.body.id}`)
      .set('Content-Type', 'application/json')
      .send(`{"first_name": "${MALFORMED_SECRET}"`)
      .expect(400);
    await request(server.url)
      .patch(`/api/users/${user.body.id}`)
      .send({ [BODY_SECRET]: TOKEN_SECRET })
      .expect(400);
    await request(server.url)
      .post('/api/users')
      .send({ first_name: BODY_SECRET.repeat(1100), last_name: 'x' })
      .expect(413);
    await request(server.url).get('/health').expect(200);
    await request(server.url).get('/metrics').expect(200);

    // The last of them has its access line: every line about them is in.
    await eventually(() => expect(accessLines(server.output()).some((line) => line.route === '/metrics')).toBe(true));
    const output = server.output();
    const secrets = [BODY_SECRET, TOKEN_SECRET, QUERY_SECRET, MALFORMED_SECRET, DATABASE_PASSWORD];
    if (redisWithPassword) secrets.push(REDIS_PASSWORD);
    expect(secrets.filter((secret) => output.includes(secret))).toEqual([]);
    expect(output).not.toMatch(/authorization/i);
  });

  it('says nothing of a password on shutdown either', async () => {
    await server.stop();
    expect([DATABASE_PASSWORD, REDIS_PASSWORD].filter((secret) => server.output().includes(secret))).toEqual([]);
  });

  it('writes the one line of a failed start as JSON, without the password of the URL it names', async () => {
    const port = await freePort();
    const { code, output } = await runServerExpectingExit({
      DB_PATH: ':memory:',
      REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:${port}`,
    });
    expect(code).toBe(1);
    const lines = jsonLines(output);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'fatal', message: expect.stringContaining('Failed to start: Redis unreachable') }),
    ]);
    expect(output).not.toContain(REDIS_PASSWORD);
  });

  it('writes an invalid setting as one JSON line, or as text when LOG_FORMAT=text', async () => {
    const json = await runServerExpectingExit({ DB_PATH: ':memory:', PORT: 'abc' });
    expect(json.code).toBe(1);
    expect(jsonLines(json.output)).toEqual([
      expect.objectContaining({ level: 'fatal', message: expect.stringContaining('PORT') }),
    ]);
    const text = await runServerExpectingExit({ DB_PATH: ':memory:', PORT: 'abc', LOG_FORMAT: 'text' });
    expect(text.output.trim().split('\n')).toEqual([expect.stringMatching(/FATAL \[Bootstrap\] Invalid configuration: PORT/)]);
  });
});

function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

describe('LOG_LEVEL', () => {
  it('warn leaves out the access lines of requests that succeed', async () => {
    const server = await startServerProcess({ DB_PATH: ':memory:', LOG_LEVEL: 'warn' });
    try {
      await request(server.url).get('/api/users').set('X-Request-Id', 'quiet-1').expect(200);
      await request(server.url).get('/api/users?limit=0').expect(400);
      // The readiness probe of startServerProcess and these two: none logged; nothing at level log at all.
      expect(jsonLines(server.output()).filter((line) => line.level === 'log')).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});

describe('text logs', () => {
  it('LOG_FORMAT=text writes readable lines, without colour into a pipe', async () => {
    const server = await startServerProcess({ DB_PATH: ':memory:', LOG_FORMAT: 'text' });
    try {
      await request(server.url).get('/api/users').set('X-Request-Id', 'text-1').expect(200);
      const line = await eventually(() => {
        const found = server
          .output()
          .split('\n')
          .find((candidate) => candidate.includes('requestId=text-1'));
        if (!found) throw new Error('no access line yet');
        return found;
      });
      expect(line).toMatch(
        /^\[Nest\] \d+ {2}- .* LOG \[HTTP\] GET \/api\/users 200 [\d.]+ ms requestId=text-1 client=127\.0\.0\.1$/,
      );
      expect(server.output()).not.toContain('\u001b[');
      expect(server.output()).not.toMatch(/^\{/m);
    } finally {
      await server.stop();
    }
  });

  it('LOG_FORMAT=auto (the default) writes text to a terminal', async () => {
    const port = await freePort();
    const terminal = startInTerminal({ DB_PATH: ':memory:', PORT: String(port) });
    try {
      // Without its colours (a terminal gets them): ESC [ … m.
      const plain = (): string => terminal.output().replace(new RegExp(`${String.fromCharCode(27)}\\[[\\d;]*m`, 'g'), '');
      await eventually(() => expect(plain()).toContain('listening on'), 20_000, 100);
      await request(`http://127.0.0.1:${port}`).get('/api/users').set('X-Request-Id', 'tty-1').expect(200);
      await eventually(() => expect(plain()).toMatch(/ LOG \[HTTP\] GET \/api\/users 200 [\d.]+ ms requestId=tty-1/));
      expect(plain()).toMatch(/ LOG \[Bootstrap\] listening on/);
      expect(plain()).not.toMatch(/^\{"level"/m);
    } finally {
      await terminal.stop();
    }
  });
});

/** The built server with a pseudo-terminal as its standard output, as a developer runs it in a shell (util-linux `script`). */
function startInTerminal(env: Record<string, string>): TestProcess {
  const root = process.env.TEST_SERVER_ROOT ?? join(__dirname, '..');
  const main = join(root, 'dist', 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} does not exist: run \`npm run build\` first`);
  return spawnProcess('script', ['-qfec', `exec ${process.execPath} ${main}`, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', TERM: 'xterm', ...env },
    cwd: root,
  });
}

@Controller('boom')
class BoomController {
  @Get()
  boom(): never {
    throw new Error('boom: an unexpected failure');
  }
}

@Module({ controllers: [BoomController] })
class BoomModule {}

/**
 * Runs `body` with the app logging JSON through AppLogger and every write to
 * stdout and stderr handed to `onWrite` instead; then restores both streams
 * and the quiet test logger, and closes the app.
 */
async function withCapturedLogs(app: TestApp, onWrite: (chunk: string) => void, body: () => Promise<void>): Promise<void> {
  const capture = (chunk: unknown): boolean => {
    onWrite(String(chunk));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    app.app.useLogger(new AppLogger({ format: 'json', level: 'log' }));
    await body();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    Logger.overrideLogger(new ConsoleLogger({ logLevels: ['error', 'warn'] }));
    await app.close();
  }
}

describe('an error line', () => {
  it('carries the id of the request it happened in, as does that request’s access line', async () => {
    const app = await startTestApp({ imports: [BoomModule] });
    const written: string[] = [];
    await withCapturedLogs(
      app,
      (chunk) => written.push(chunk),
      async () => {
        const response = await request(app.url).get('/boom').set('X-Request-Id', 'boom-1').expect(500);
        expect(response.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' });
        await eventually(() => expect(written.join('')).toContain('"status":500'));
      },
    );
    const lines = jsonLines(written.join('')).filter((line) => line.requestId === 'boom-1');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'error',
        context: 'HTTP',
        message: 'boom: an unexpected failure',
        stack: expect.stringContaining('BoomController'),
      }),
      expect.objectContaining({ level: 'error', context: 'HTTP', route: '/boom', status: 500 }),
    ]);
  });
});

describe('an access line', () => {
  it('of a change is written after the change’s event is handed to its followers’ sockets, not before', async () => {
    const app = await startTestApp();
    const order: string[] = [];
    const topics = app.app.get(RealtimeTopics);
    const broadcast = topics.broadcast.bind(topics);
    const relayed = jest.spyOn(topics, 'broadcast').mockImplementation((message) => {
      order.push(`event ${message.event}`);
      broadcast(message);
    });
    try {
      await withCapturedLogs(
        app,
        (chunk) => chunk.includes('"method":"PATCH"') && order.push('access line'),
        async () => {
          const user = await createUser(app.url);
          order.length = 0;
          await request(app.url).patch(`/api/users/${user.id}`).send({ first_name: 'Later' }).expect(200);
          await eventually(() => expect(order).toContain('access line'));
        },
      );
    } finally {
      relayed.mockRestore();
    }
    // The line's write to stdout would otherwise hold every follower back by its cost.
    expect(order).toEqual(['event user_update', 'access line']);
  });

  it('names the client of a request whose connection closed with its answer', async () => {
    const app = await startTestApp();
    const written: string[] = [];
    await withCapturedLogs(
      app,
      (chunk) => written.push(chunk),
      async () => {
        // No route reads the address first (the rate limit does, for the API): the line alone must.
        await request(app.url).get('/health/live').set('Connection', 'close').set('X-Request-Id', 'closing-1').expect(200);
        await eventually(() => expect(written.join('')).toContain('closing-1'));
      },
    );
    const [line] = jsonLines(written.join('')).filter((entry) => entry.requestId === 'closing-1');
    expect(line).toEqual(expect.objectContaining({ route: '/health/live', client: '127.0.0.1' }));
  });
});
