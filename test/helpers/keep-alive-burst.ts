import { Agent, request } from 'node:http';

/** A PATCH the server acknowledged (2xx): the version it made. */
export interface Acknowledged {
  userId: number;
  version: number;
}

export interface BurstResult {
  acknowledged: Acknowledged[];
  /** Responses that carried `Connection: close`. */
  closes: number;
  /** 503 answers, retried on another instance (or the same load balancer). */
  retried503: number;
  /** Connection resets, refused connections and any status but 2xx and 503: a drain must cause none. */
  failures: string[];
}

export interface BurstOptions {
  /** Instances (or one load balancer) to send to, in turn. */
  urls: readonly string[];
  userIds: readonly number[];
  /** PATCHes in flight at once, each worker on keep-alive connections. */
  workers: number;
  /** The burst stops once this resolves (each worker finishes its current PATCH). */
  until: Promise<unknown>;
  /**
   * Stop sending to an instance once it answers with `Connection: close`, as
   * a load balancer takes a draining instance out (several `urls` only).
   */
  failover?: boolean;
}

interface Answer {
  status: number;
  connectionClose: boolean;
  body: string;
}

/**
 * PATCHes first names as fast as `workers` allow, over keep-alive
 * connections (one pooled agent per URL), until `until` resolves. A client
 * that only retries on an explicit answer: a 503 is sent again elsewhere, a
 * `Connection: close` is honoured (and with failover, that instance gets no
 * more requests); a reset or refused connection is a failure, never retried,
 * since the PATCH may or may not have been applied.
 */
export async function patchBurst(options: BurstOptions): Promise<BurstResult> {
  const result: BurstResult = { acknowledged: [], closes: 0, retried503: 0, failures: [] };
  const agents = new Map(options.urls.map((url) => [url, new Agent({ keepAlive: true, maxSockets: options.workers })]));
  const out = new Set<string>();
  let stopped = false;
  void options.until.then(() => (stopped = true));
  let turn = 0;
  const pick = (): string | undefined => {
    const live = options.urls.filter((url) => !out.has(url));
    return live.length === 0 ? undefined : live[turn++ % live.length];
  };

  const worker = async (index: number): Promise<void> => {
    for (let n = 0; !stopped; n += 1) {
      const userId = options.userIds[(index + n) % options.userIds.length];
      const body = JSON.stringify({ first_name: `w${index}-${n}` });
      for (let attempt = 0; ; attempt += 1) {
        const url = pick();
        if (url === undefined) {
          result.failures.push('no instance left to send to');
          return;
        }
        let answer: Answer;
        try {
          answer = await patch(url, agents.get(url) as Agent, userId, body);
        } catch (error) {
          result.failures.push(`${url}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
          break;
        }
        if (answer.connectionClose) {
          result.closes += 1;
          if (options.failover && options.urls.length > 1) out.add(url);
        }
        if (answer.status === 503 && attempt < 5) {
          result.retried503 += 1;
          continue;
        }
        if (answer.status >= 200 && answer.status < 300) {
          result.acknowledged.push({ userId, version: (JSON.parse(answer.body) as { version: number }).version });
        } else {
          result.failures.push(`${url}: ${answer.status} ${answer.body}`);
        }
        break;
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: options.workers }, (_, index) => worker(index)));
  } finally {
    for (const agent of agents.values()) agent.destroy();
  }
  return result;
}

function patch(url: string, agent: Agent, userId: number, body: string): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      `${url}/api/users/${userId}`,
      {
        method: 'PATCH',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-Changed-By': 'burst' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, connectionClose: /close/i.test(res.headers.connection ?? ''), body: text }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
