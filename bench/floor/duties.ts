import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Histogram, Registry } from 'prom-client';

/**
 * FLOOR_DUTIES=all (or history, or request): the floor also does, by hand,
 * the work that issues 9 to 11 ask of every request of this API after issue 8
 * set its targets, so the bench can tell what those duties cost on their own
 * from what the framework costs (BENCHMARKS.md, "What the later issues' duties
 * cost"). Off by default: the floor of issue 8, and every headline ratio, stay
 * without them. Like the rest of the floor, it imports nothing of the
 * project's: each duty is written here the way a small server would.
 *
 * Per request: an X-Request-Id (the client's when sane, else a UUID), the
 * security headers the project sends (a fixed list, as the project replays
 * helmet's), a fixed-window rate count per client address with its three
 * headers, and once the response closes one observation of a request-duration
 * histogram and one JSON access line on stdout. Per body: the UTF-8 and
 * nesting checks the project makes before parsing. Per write: a change record
 * with its sequence number, written by a trigger in the same statement (see
 * HISTORY_SCHEMA), carrying the request's id.
 */
const DUTIES = new Set((process.env.FLOOR_DUTIES ?? '').split(',').map((duty) => duty.trim()));
const UNKNOWN = [...DUTIES].filter((duty) => duty !== '' && !['all', 'history', 'request'].includes(duty));
if (UNKNOWN.length > 0) throw new Error(`FLOOR_DUTIES takes all, history or request, not ${UNKNOWN.join(', ')}`);
/** FLOOR_DUTIES=history (or all): the change record of every write. */
export const HISTORY_DUTY = DUTIES.has('all') || DUTIES.has('history');
/** FLOOR_DUTIES=request (or all): the per-request and per-body duties. */
export const REQUEST_DUTIES = DUTIES.has('all') || DUTIES.has('request');

/** The project's defaults: RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_MS. */
const RATE_LIMIT = 100_000;
const RATE_WINDOW_MS = 10_000;
const SANE_REQUEST_ID = /^[\w.:-]{1,100}$/;

/** What the project sends on every response (helmet with its CSP, X-Frame-Options DENY, no HSTS over plain HTTP). */
const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  [
    'Content-Security-Policy',
    "default-src 'self';script-src 'self';style-src 'self';img-src 'self';font-src 'self';connect-src 'self';object-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'",
  ],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'DENY'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
];

/**
 * The change history on the floor's table: a counter row, a record per
 * update with the fields that changed (as JSON) and the user as it became,
 * inserted by a trigger of the UPDATE that names its sequence number and
 * request id, as the project's SQLite migration does.
 */
export const HISTORY_SCHEMA = `
  CREATE TABLE IF NOT EXISTS "change_counter" ("id" integer PRIMARY KEY NOT NULL, "seq" integer NOT NULL);
  INSERT OR IGNORE INTO "change_counter" ("id", "seq") VALUES (1, 0);
  CREATE TABLE IF NOT EXISTS "user_changes" (
    "seq" integer PRIMARY KEY NOT NULL, "user_id" integer NOT NULL, "version" integer NOT NULL,
    "first_name" varchar(150) NOT NULL, "last_name" varchar(150) NOT NULL,
    "changed_at" datetime NOT NULL, "fields" text NOT NULL, "request_id" varchar(100)
  );
  CREATE INDEX IF NOT EXISTS "IDX_user_changes_user_seq" ON "user_changes" ("user_id", "seq");
  CREATE INDEX IF NOT EXISTS "IDX_user_changes_changed_at" ON "user_changes" ("changed_at");
  CREATE TRIGGER IF NOT EXISTS "user_changes_on_update" AFTER UPDATE ON "users" BEGIN
    UPDATE "change_counter" SET "seq" = NEW."change_seq" WHERE "id" = 1;
    INSERT INTO "user_changes" ("seq", "user_id", "version", "first_name", "last_name", "changed_at", "fields", "request_id")
    VALUES (NEW."change_seq", NEW."id", NEW."version", NEW."first_name", NEW."last_name", NEW."updated_at",
      (SELECT json_group_object("field", json("change")) FROM (
        SELECT 'first_name' AS "field", json_object('from', OLD."first_name", 'to', NEW."first_name") AS "change"
        WHERE OLD."first_name" IS NOT NEW."first_name"
        UNION ALL
        SELECT 'last_name', json_object('from', OLD."last_name", 'to', NEW."last_name")
        WHERE OLD."last_name" IS NOT NEW."last_name")),
      NEW."request_id");
  END;`;

/** The columns HISTORY_SCHEMA's trigger reads from the users row. */
export const HISTORY_COLUMNS = [`"change_seq" integer NOT NULL DEFAULT (0)`, `"request_id" varchar(100)`];

/** What an UPDATE sets besides the names when duties are on: the next sequence number and the request's id. */
export const HISTORY_SET = `change_seq = (SELECT "seq" + 1 FROM "change_counter" WHERE "id" = 1), request_id = ?`;

export type Handler = (request: IncomingMessage, response: ServerResponse, requestId: string | null) => void;

interface Window {
  count: number;
  endsAt: number;
}

/** Wraps the floor's handler with the per-request duties; the handler gets the request's id for its write. */
export function withDuties(handle: Handler): (request: IncomingMessage, response: ServerResponse) => void {
  const registry = new Registry();
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.025, 0.1, 0.5, 2.5],
    registers: [registry],
  });
  const windows = new Map<string, Window>();
  return (request, response) => {
    const started = performance.now();
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    const client = request.socket.remoteAddress ?? 'unknown';
    response.setHeader('X-Request-Id', requestId);
    for (const [name, value] of SECURITY_HEADERS) response.setHeader(name, value);
    response.once('close', () => {
      const seconds = (performance.now() - started) / 1000;
      const method = request.method ?? 'other';
      const route = routeOf(request.url ?? '/');
      const status = response.statusCode;
      duration.observe({ method, route, status: String(status) }, seconds);
      const durationMs = Math.round(seconds * 10_000) / 10;
      const line = {
        level: 'log',
        pid: process.pid,
        timestamp: Date.now(),
        message: `${method} ${route} ${status} ${durationMs} ms`,
        context: 'HTTP',
        method,
        route,
        status,
        durationMs,
        requestId,
        client,
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    });
    if ((request.url ?? '').startsWith('/api/') && !withinRateLimit(windows, client, response)) return;
    handle(request, response, requestId);
  };
}

const MAX_JSON_DEPTH = 32;

/** The body checks the project makes on the raw bytes: a message for a refused body, else undefined. */
export function refusedBody(raw: Buffer): string | undefined {
  if (!isUtf8(raw)) return 'body is not valid UTF-8';
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i += 1) {
    const byte = raw[i];
    if (inString) {
      if (byte === 0x5c) i += 1;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      depth += 1;
      if (depth > MAX_JSON_DEPTH) return `body nests arrays or objects more than ${MAX_JSON_DEPTH} deep`;
    } else if (byte === 0x5d || byte === 0x7d) depth -= 1;
  }
  return undefined;
}

/** Counts the request in its client's window and sets the three X-RateLimit headers; false (and a 429) when over. */
function withinRateLimit(windows: Map<string, Window>, client: string, response: ServerResponse): boolean {
  const now = Date.now();
  let window = windows.get(client);
  if (window === undefined || window.endsAt <= now) {
    window = { count: 0, endsAt: now + RATE_WINDOW_MS };
    windows.set(client, window);
  }
  window.count += 1;
  response.setHeader('X-RateLimit-Limit', String(RATE_LIMIT));
  response.setHeader('X-RateLimit-Remaining', String(Math.max(0, RATE_LIMIT - window.count)));
  response.setHeader('X-RateLimit-Reset', String(Math.ceil((window.endsAt - now) / 1000)));
  if (window.count <= RATE_LIMIT) return true;
  const body = JSON.stringify({ statusCode: 429, error: 'Too Many Requests', message: 'too many requests' });
  response.writeHead(429, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
  return false;
}

/** The route pattern the access line and the histogram name, never the raw path. */
function routeOf(url: string): string {
  const path = url.split('?', 1)[0];
  if (path === '/api/users') return '/api/users';
  if (/^\/api\/users\/[^/]+$/.test(path)) return '/api/users/:id';
  return 'unmatched';
}
