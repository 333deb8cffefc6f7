import type { Socket } from 'node:net';
import request from 'supertest';
import { testAppSuite } from '../helpers/app';
import { rawRequest } from '../helpers/raw-http';

const HEADERS_TIMEOUT_MS = 600;
const REQUEST_TIMEOUT_MS = 1_200;
/** The server checks its timeouts on a timer (a quarter of the smaller bound), and the client writes every STEP_MS. */
const SLACK_MS = 700;
const STEP_MS = 100;

/** Writes `text` a byte at a time, one every STEP_MS, until done or the server closes the connection. */
function trickle(text: string): (socket: Socket, closed: () => boolean) => Promise<void> {
  return async (socket, closed) => {
    for (const char of text) {
      if (closed()) return;
      socket.write(char);
      await new Promise((resolve) => setTimeout(resolve, STEP_MS));
    }
  };
}

describe('Slow clients (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS)', () => {
  const t = testAppSuite({
    env: { HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS), HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) },
  });

  it('cuts a body trickled a byte at a time at the request bound, with a JSON 408, while others are served', async () => {
    const head = 'POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n';
    const slow = rawRequest(t.url, async (socket, closed) => {
      socket.write(head);
      await trickle(`{"first_name":"${'x'.repeat(150)}","last_name":"y"}`)(socket, closed);
    });
    // Meanwhile the server answers everyone else at once.
    for (let i = 0; i < 5; i += 1) await request(t.url).get('/api/users').expect(200);
    const response = await slow;
    expect(response.status).toBe(408);
    expect(JSON.parse(response.body)).toEqual({ statusCode: 408, error: 'Request Timeout', message: expect.any(String) });
    expect(response.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(response.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
  });

  it('cuts headers trickled a byte at a time at the headers bound', async () => {
    const response = await rawRequest(t.url, trickle(`GET /api/users HTTP/1.1\r\nHost: x\r\nX-Slow: ${'s'.repeat(100)}\r\n\r\n`));
    expect(response.status).toBe(408);
    expect(response.closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(response.closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
  });

  it('keeps serving a keep-alive client that pauses between requests', async () => {
    const agent = request.agent(t.url);
    await agent.get('/api/users').expect(200);
    await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS));
    await agent.get('/api/users').expect(200);
  });
});
