import { Agent, request } from 'node:http';
import { nowMs } from './clock';

export interface HttpResult {
  status: number;
  body: string;
  /** Time from sending to the end of the response body. */
  ms: number;
  sentAt: number;
}

/** Keeps connections open across the generator's own requests, as a browser would. */
export const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * One HTTP request with a JSON body; rejects on a network error or after
 * timeoutMs, never on a status code (callers count non-2xx themselves).
 */
export function httpJson(
  method: string,
  url: string,
  body?: unknown,
  timeoutMs = 30_000,
  agent: Agent | false = keepAlive,
): Promise<HttpResult> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const req = request(url, { method, headers, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: nowMs() - sentAt, sentAt }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    const sentAt = nowMs();
    req.end(payload);
  });
}

export function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Creates a user and returns its id; the bench's only way to seed, so it works on any server speaking the wire. */
export async function createUser(baseUrl: string, firstName: string, lastName: string): Promise<number> {
  const result = await httpJson('POST', `${baseUrl}/api/users`, { first_name: firstName, last_name: lastName });
  if (result.status !== 201) throw new Error(`POST /api/users answered ${result.status}: ${result.body.slice(0, 200)}`);
  const id = (JSON.parse(result.body) as { id?: unknown }).id;
  if (typeof id !== 'number') throw new Error(`POST /api/users returned no id: ${result.body.slice(0, 200)}`);
  return id;
}
