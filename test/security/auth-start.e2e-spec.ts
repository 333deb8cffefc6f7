import { jwtVerify } from 'jose';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { bearer, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET } from '../helpers/auth';
import { runServerExpectingExit, startServerProcess } from '../helpers/server-process';

/*
 * The built server and `npm run token` (dist/src/token.js) as processes: the
 * start refuses a short secret in one line, and the command mints a token
 * from the settings in .env that the server accepts.
 */

const run = promisify(execFile);
const root = process.env.TEST_SERVER_ROOT ?? join(__dirname, '..', '..');

describe('authentication at start and `npm run token`', () => {
  it('the start refuses AUTH_JWT_SECRET shorter than 32 bytes: exit 1, one line naming it, the secret not echoed', async () => {
    const { code, output } = await runServerExpectingExit({ DB_PATH: ':memory:', AUTH_JWT_SECRET: 'hunter2-is-not-enough' });
    expect(code).toBe(1);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    // A JSON log line (LOG_FORMAT's default when not on a terminal).
    expect((JSON.parse(lines[0]) as { level: string; message: string }).message).toMatch(
      /^Invalid configuration: AUTH_JWT_SECRET must be at least 32 bytes/,
    );
    expect(output).not.toContain('hunter2');
  });

  it('mints an HS256 token from the settings in .env, printing only the token, which the server accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-'));
    try {
      writeFileSync(
        join(dir, '.env'),
        `AUTH_JWT_SECRET=${TEST_SECRET}\nAUTH_ISSUER=${TEST_ISSUER}\nAUTH_AUDIENCE=${TEST_AUDIENCE}\n`,
      );
      const { stdout } = await run(process.execPath, [join(root, 'dist', 'src', 'token.js'), '--sub', 'alice', '--ttl', '90m'], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '' },
      });
      expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const token = stdout.trim();
      const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(TEST_SECRET), {
        issuer: TEST_ISSUER,
        audience: TEST_AUDIENCE,
      });
      expect(protectedHeader.alg).toBe('HS256');
      expect(payload.sub).toBe('alice');
      expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(90 * 60);

      const server = await startServerProcess({
        DB_PATH: ':memory:',
        AUTH_JWT_SECRET: TEST_SECRET,
        AUTH_ISSUER: TEST_ISSUER,
        AUTH_AUDIENCE: TEST_AUDIENCE,
      });
      try {
        await request(server.url).post('/api/users').send({ first_name: 'No', last_name: 'Token' }).expect(401);
        const created = await request(server.url).post('/api/users').set(bearer(token)).send({ first_name: 'A', last_name: 'B' });
        expect(created.status).toBe(201);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says what is wrong when no secret is configured or --sub is missing', async () => {
    const script = join(root, 'dist', 'src', 'token.js');
    const env = { PATH: process.env.PATH ?? '' };
    await expect(run(process.execPath, [script, '--sub', 'alice'], { cwd: tmpdir(), env })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('AUTH_JWT_SECRET is not set'),
    });
    await expect(
      run(process.execPath, [script], { cwd: tmpdir(), env: { ...env, AUTH_JWT_SECRET: TEST_SECRET } }),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--sub is required'),
    });
  });
});
