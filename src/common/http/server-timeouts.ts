import type { Server } from 'node:http';

export interface ServerTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/**
 * Bounds how long a client may take to send a request, so slow clients
 * (a body trickled at a byte a second) cannot hold connections for Node's
 * default five minutes. Node checks the two request timeouts on a timer
 * that runs every 30 s by default, so a bound of a few seconds would be
 * enforced up to 30 s late: the timer runs at a quarter of the smaller
 * bound instead (at most once a second; it only looks at connections that
 * are mid-request). Call before listen(): the timer starts then.
 */
export function applyServerTimeouts(server: Server, timeouts: ServerTimeouts): void {
  server.headersTimeout = timeouts.headersTimeoutMs;
  server.requestTimeout = timeouts.requestTimeoutMs;
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  const smaller = Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs);
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(
    25,
    Math.min(1_000, Math.floor(smaller / 4)),
  );
}
