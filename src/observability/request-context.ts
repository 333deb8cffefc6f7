import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** The header a request id comes in and goes back out with. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What a client may choose as its request id: short, and made of characters
 * that need no escaping in a header, a log line or a URL (a UUID, a ULID, a
 * proxy's `abc123.1:2`). Anything else is replaced rather than echoed.
 */
const SANE_REQUEST_ID = /^[\w.:-]{1,100}$/;

/** What every piece of code running for one HTTP request can know about it. */
export interface RequestContext {
  readonly requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The id of a request: the client's X-Request-Id when it is sane, a new UUID otherwise. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given !== undefined && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Runs `next` (and everything it starts, however asynchronous) inside the request's context. */
export function runInRequestContext<T>(context: RequestContext, next: () => T): T {
  return storage.run(context, next);
}

/** The id of the request the caller is running for; undefined outside any request (start-up, timers). */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
