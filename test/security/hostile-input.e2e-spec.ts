import request from 'supertest';
import { testAppSuite } from '../helpers/app';
import { createUser, getUser } from '../helpers/factories';
import { RawResponse, rawRequest } from '../helpers/raw-http';

/** Everything the process writes to stdout and stderr while `run` runs. */
async function captureOutput(run: () => Promise<void>): Promise<string> {
  const written: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }),
  );
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return written.join('');
}

describe('Hostile input over HTTP', () => {
  const t = testAppSuite();

  describe('bodies', () => {
    it.each(['post', 'patch'] as const)('%s with a body that is not JSON is 415, and changes nothing', async (method) => {
      const user = await createUser(t.url);
      for (const [type, body] of [
        ['text/plain', '{"first_name":"x","last_name":"y"}'],
        ['application/x-www-form-urlencoded', 'first_name=x&last_name=y'],
        ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="first_name"\r\n\r\nx\r\n--b--'],
      ]) {
        const path = method === 'post' ? '/api/users' : `/api/users/${user.id}`;
        const response = await request(t.url)[method](path).set('Content-Type', type).send(body).expect(415);
        expect(response.body).toEqual({ statusCode: 415, error: 'Unsupported Media Type', message: expect.any(String) });
      }
      const none = await request(t.url)[method](method === 'post' ? '/api/users' : `/api/users/${user.id}`);
      expect(none.status).toBe(415);
      expect(await getUser(t.url, user.id)).toEqual(user);
    });

    it('refuses ~1,900 nested arrays in a name with 400, before transformation, and logs nothing', async () => {
      const user = await createUser(t.url);
      const deep = `{"first_name":${'['.repeat(1900)}"x"${']'.repeat(1900)},"last_name":"y"}`;
      expect(Buffer.byteLength(deep)).toBeGreaterThan(3_800);
      let statuses: number[] = [];
      const output = await captureOutput(async () => {
        const post = await request(t.url).post('/api/users').set('Content-Type', 'application/json').send(deep);
        const patch = await request(t.url).patch(`/api/users/${user.id}`).set('Content-Type', 'application/json').send(deep);
        statuses = [post.status, patch.status];
        expect(post.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining('nests') });
      });
      expect(statuses).toEqual([400, 400]);
      expect(output).toBe('');
      expect(await getUser(t.url, user.id)).toEqual(user);
    });

    it('takes nesting up to the bound (the depth check does not miscount brackets inside strings)', async () => {
      const response = await request(t.url)
        .post('/api/users')
        .set('Content-Type', 'application/json')
        .send(`{"first_name":"${'['.repeat(100)}","last_name":"\\"${'{'.repeat(50)}"}`)
        .expect(201);
      expect(response.body.first_name).toBe('['.repeat(100));
    });

    it('refuses invalid UTF-8 with 400 instead of storing U+FFFD', async () => {
      const user = await createUser(t.url);
      const sendBytes = (method: string, path: string, bytes: Buffer): Promise<RawResponse> =>
        rawRequest(
          t.url,
          Buffer.concat([
            Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n`),
            Buffer.from(`Content-Type: application/json; charset=utf-8\r\nContent-Length: ${bytes.length}\r\n\r\n`),
            bytes,
          ]),
        );
      for (const [method, path, bytes] of [
        [
          'PATCH',
          `/api/users/${user.id}`,
          Buffer.concat([Buffer.from('{"first_name":"a'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]),
        ],
        // A lone surrogate, encoded: not UTF-8 either.
        [
          'POST',
          '/api/users',
          Buffer.concat([Buffer.from('{"first_name":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('","last_name":"x"}')]),
        ],
      ] as const) {
        const response = await sendBytes(method, path, bytes);
        expect(response.status).toBe(400);
        expect(JSON.parse(response.body)).toEqual({ statusCode: 400, error: 'Bad Request', message: 'body is not valid UTF-8' });
      }
      expect(await getUser(t.url, user.id)).toEqual(user);
      // Valid multi-byte text is kept as sent.
      const ok = await request(t.url).patch(`/api/users/${user.id}`).send({ first_name: 'Zoë 😀' }).expect(200);
      expect(ok.body.first_name).toBe('Zoë 😀');
    });
  });

  describe('numbers in the query and the path', () => {
    it.each([
      '/api/users?offset=9223372036854775808',
      '/api/users?offset=2147483648',
      '/api/users?limit=9223372036854775808',
      '/api/users/1/history?before=9223372036854775808',
      '/api/users/1/history?limit=99999999999999999999',
      '/api/changes?since=9223372036854775808',
      '/api/changes?since=1e3',
      '/api/users/9223372036854775808',
      '/api/users/2147483648',
      '/api/users/2147483648/history',
    ])('GET %s is 400, never 500', async (path) => {
      const response = await request(t.url).get(path).expect(400);
      expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.anything() });
    });

    it.each(['patch', 'delete'] as const)('%s on an id past what the database holds is 400', async (method) => {
      await request(t.url)[method]('/api/users/2147483648').send({ first_name: 'x' }).expect(400);
    });

    it('takes the largest values the databases hold', async () => {
      await request(t.url).get('/api/users?offset=2147483647').expect(200);
      await request(t.url).get('/api/users/2147483647').expect(404);
      await request(t.url).get('/api/changes?since=2147483647').expect(200);
    });
  });

  describe('If-Match (RFC 9110)', () => {
    it.each(['"1 ,2"x', '2', '"1" "2"', 'W/ "1"', '*, "1"', '"1'])(
      'refuses the malformed list %j with 412 and changes nothing',
      async (ifMatch) => {
        const user = await createUser(t.url);
        const response = await request(t.url)
          .patch(`/api/users/${user.id}`)
          .set('If-Match', ifMatch)
          .send({ first_name: 'Changed' })
          .expect(412);
        expect(response.body).toEqual({
          statusCode: 412,
          error: 'Precondition Failed',
          message: expect.stringContaining('If-Match'),
        });
        expect(await getUser(t.url, user.id)).toEqual(user);
      },
    );

    it('applies a well-formed list that names the current version, with spaces, tabs and empty elements', async () => {
      const user = await createUser(t.url);
      await request(t.url)
        .patch(`/api/users/${user.id}`)
        .set('If-Match', ` "7" ,, "abc", "1"\t,`)
        .send({ first_name: 'A' })
        .expect(200);
      await request(t.url).patch(`/api/users/${user.id}`).set('If-Match', '*').send({ first_name: 'B' }).expect(200);
    });

    it('never matches a weak tag (strong comparison), but If-None-Match does (weak comparison)', async () => {
      const user = await createUser(t.url);
      await request(t.url).patch(`/api/users/${user.id}`).set('If-Match', 'W/"1"').send({ first_name: 'A' }).expect(412);
      await request(t.url).get(`/api/users/${user.id}`).set('If-None-Match', 'W/"1"').expect(304);
      // A malformed If-None-Match matches nothing: the full answer.
      await request(t.url).get(`/api/users/${user.id}`).set('If-None-Match', '1').expect(200);
    });
  });

  describe('errors produced below Nest answer JSON', () => {
    const expectJsonError = (
      response: { status: number; headers: Record<string, string>; body: string },
      status: number,
    ): void => {
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      const body = JSON.parse(response.body) as Record<string, unknown>;
      expect(body).toEqual({ statusCode: status, error: expect.any(String), message: expect.any(String) });
    };

    it('417 for an Expect other than 100-continue', async () => {
      const response = await rawRequest(
        t.url,
        'GET /api/users HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nConnection: close\r\n\r\n',
      );
      expectJsonError(response, 417);
    });

    it('431 for headers over the limit', async () => {
      const response = await rawRequest(t.url, `GET /api/users HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expectJsonError(response, 431);
    });

    it('400 for a request the HTTP parser refuses', async () => {
      expectJsonError(await rawRequest(t.url, 'GET /api/users HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'), 400);
      expectJsonError(await rawRequest(t.url, 'NOT HTTP AT ALL\r\n\r\n'), 400);
      // Also on a kept-alive connection that has answered a request before.
      const second = await rawRequest(t.url, async (socket) => {
        socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
        await new Promise((resolve) => socket.once('data', resolve));
        socket.write('NOT HTTP AT ALL\r\n\r\n');
      });
      expect(second.body).toContain('{"statusCode":400,"error":"Bad Request","message":"malformed request"}');
    });

    it("the body parser's 400 and 413", async () => {
      const bad = await request(t.url).post('/api/users').set('Content-Type', 'application/json').send('{"first_name":');
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'body is not valid JSON' });
      const big = await request(t.url)
        .post('/api/users')
        .send({ first_name: 'x'.repeat(20_000), last_name: '' });
      expect(big.status).toBe(413);
      expect(big.body.statusCode).toBe(413);
    });

    it('412 and 416 from a static file, as JSON, without the file headers', async () => {
      const precondition = await request(t.url).get('/style.css').set('If-Match', '"nope"').expect(412);
      expect(precondition.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(precondition.headers.etag).toBeUndefined();
      expect(precondition.body).toEqual({ statusCode: 412, error: 'Precondition Failed', message: 'Precondition Failed' });
      const range = await request(t.url).get('/style.css').set('Range', 'bytes=99999999-').expect(416);
      expect(range.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(range.headers['content-range']).toMatch(/^bytes \*\/\d+$/);
      expect(range.body.statusCode).toBe(416);
    });
  });
});
