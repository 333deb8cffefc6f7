import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createServer, IncomingMessage, ServerResponse, STATUS_CODES } from 'node:http';
import { Redis } from 'ioredis';
import { Server, Socket } from 'socket.io';
import sqlite3 from 'sqlite3';
import { HISTORY_COLUMNS, HISTORY_DUTY, HISTORY_SCHEMA, HISTORY_SET, refusedBody, REQUEST_DUTIES, withDuties } from './duties';

/**
 * The floor: the same wire as the project (README "API and events") written
 * by hand the way a small server would be, on node:http, socket.io and the
 * same sqlite3 driver and pragmas, so its figures are what this stack can do
 * on this machine without a framework or an ORM. Only what the bench uses is
 * here, plus the checks a hand-written server would still make.
 *
 * Env: PORT, HOST, DB_PATH, REDIS_URL (optional, for two instances);
 * FLOOR_DUTIES=all|history|request adds the later issues' duties (duties.ts).
 */

interface Row {
  id: number;
  first_name: string;
  last_name: string;
  created_at: string;
  updated_at: string;
  version: number;
}

/** On the wire a row differs only in its timestamps, which become ISO 8601. */
type WireUser = Row;

const NAME_MAX = 150;
const BODY_LIMIT = 16 * 1024;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;
const MAX_ID = 2_147_483_647;
const FOLLOW_ALL_ROOM = 'all';

const roomOf = (userId: number): string => `topic:user:${userId}`;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------- database

function openDatabase(path: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (error) => (error ? reject(error) : resolve(db)));
  });
}

function exec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
}

function all<T>(statement: sqlite3.Statement, params: unknown[]): Promise<T[]> {
  return new Promise((resolve, reject) => {
    statement.all(params, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows)));
  });
}

/** The pragmas TypeORM sets on the project's connection (WAL, busy timeout, foreign keys) and the migration's table. */
async function prepareDatabase(path: string): Promise<sqlite3.Database> {
  const db = await openDatabase(path);
  await exec(db, 'PRAGMA journal_mode = WAL');
  await exec(db, 'PRAGMA busy_timeout = 10000');
  await exec(db, 'PRAGMA foreign_keys = ON');
  await exec(
    db,
    `CREATE TABLE IF NOT EXISTS "users" (
      "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      "first_name" varchar(150) NOT NULL DEFAULT (''),
      "last_name" varchar(150) NOT NULL DEFAULT (''),
      "created_at" datetime NOT NULL DEFAULT (datetime('now')),
      "updated_at" datetime NOT NULL DEFAULT (datetime('now')),
      "version" integer NOT NULL DEFAULT (1)${HISTORY_DUTY ? `, ${HISTORY_COLUMNS.join(', ')}` : ''}
    )`,
  );
  if (HISTORY_DUTY) await exec(db, HISTORY_SCHEMA);
  return db;
}

function statements(db: sqlite3.Database) {
  const history = HISTORY_DUTY ? `, ${HISTORY_SET}` : '';
  const update = (columns: string): sqlite3.Statement =>
    db.prepare(`UPDATE users SET ${columns}${history}, version = version + 1, updated_at = ? WHERE id = ? RETURNING *`);
  return {
    updateFirst: update('first_name = ?'),
    updateLast: update('last_name = ?'),
    updateBoth: update('first_name = ?, last_name = ?'),
    insert: db.prepare(
      'INSERT INTO users (first_name, last_name, created_at, updated_at, version) VALUES (?, ?, ?, ?, 1) RETURNING *',
    ),
    one: db.prepare('SELECT * FROM users WHERE id = ?'),
    page: db.prepare('SELECT * FROM users ORDER BY id LIMIT ? OFFSET ?'),
    count: db.prepare('SELECT COUNT(*) AS total FROM users'),
  };
}

type Statements = ReturnType<typeof statements>;

/** Stored as TypeORM stores a datetime on SQLite: UTC text with milliseconds. */
function storedNow(): string {
  return new Date().toISOString().replace('T', ' ').slice(0, 23);
}

function toWire(row: Row): WireUser {
  return {
    id: row.id,
    first_name: row.first_name,
    last_name: row.last_name,
    created_at: new Date(`${row.created_at.replace(' ', 'T')}Z`).toISOString(),
    updated_at: new Date(`${row.updated_at.replace(' ', 'T')}Z`).toISOString(),
    version: row.version,
  };
}

// ---------------------------------------------------------------- http

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, message: string): void {
  send(response, status, { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message });
}

function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
      reject(new HttpError(415, 'body must be JSON, sent with Content-Type: application/json'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) reject(new HttpError(413, `body must be at most ${BODY_LIMIT} bytes`));
      else chunks.push(chunk);
    });
    request.on('end', () => {
      try {
        const raw = Buffer.concat(chunks);
        const refused = REQUEST_DUTIES ? refusedBody(raw) : undefined;
        if (refused !== undefined) throw new HttpError(400, refused);
        const body: unknown = JSON.parse(raw.toString('utf8'));
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          throw new HttpError(400, 'body must be a JSON object');
        resolve(body as Record<string, unknown>);
      } catch (error) {
        reject(error instanceof HttpError ? error : new HttpError(400, 'body is not valid JSON'));
      }
    });
    request.on('error', reject);
  });
}

/** The names a body sets; a key it may not name, a wrong type or a long name is a 400 naming the field. */
function readNames(body: Record<string, unknown>, required: boolean): { first_name?: string; last_name?: string } {
  for (const key of Object.keys(body)) {
    if (key !== 'first_name' && key !== 'last_name') throw new HttpError(400, `property ${key} should not exist`);
  }
  const names: { first_name?: string; last_name?: string } = {};
  for (const field of ['first_name', 'last_name'] as const) {
    const value = body[field];
    if (value === undefined && !required) continue;
    if (typeof value !== 'string') throw new HttpError(400, `${field} must be a string`);
    if (value.length > NAME_MAX) throw new HttpError(400, `${field} must be at most ${NAME_MAX} characters`);
    names[field] = value;
  }
  return names;
}

function parseId(text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new HttpError(400, 'id must be a positive integer');
  const id = Number(text);
  if (id > MAX_ID) throw new HttpError(404, `user ${text} not found`);
  return id;
}

function parseLimit(value: string | null, fallback: number, min: number, max: number, name: string): number {
  if (value === null) return fallback;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number) || number < min || number > max)
    throw new HttpError(400, `${name} must be an integer from ${min} to ${max}`);
  return number;
}

class Api {
  constructor(
    private readonly sql: Statements,
    private readonly io: Server,
  ) {}

  /** With duties on, `requestId` is kept in the write's change record. */
  async handle(request: IncomingMessage, response: ServerResponse, requestId: string | null = null): Promise<void> {
    const [path, query = ''] = (request.url ?? '/').split('?', 2);
    const match = /^\/api\/users(?:\/([^/]+))?\/?$/.exec(path);
    if (!match) return sendError(response, 404, `Cannot ${request.method} ${path}`);
    const id = match[1];
    switch (`${request.method} ${id === undefined ? 'list' : 'item'}`) {
      case 'GET list':
        return this.list(new URLSearchParams(query), response);
      case 'POST list':
        return this.create(await readJsonObject(request), response);
      case 'GET item':
        return this.get(parseId(id), request.headers['if-none-match'], response);
      case 'PATCH item':
        return this.update(parseId(id), await readJsonObject(request), response, requestId);
      default:
        return sendError(response, 404, `Cannot ${request.method} ${path}`);
    }
  }

  private async list(query: URLSearchParams, response: ServerResponse): Promise<void> {
    const limit = parseLimit(query.get('limit'), DEFAULT_LIMIT, 1, MAX_LIMIT, 'limit');
    const offset = parseLimit(query.get('offset'), 0, 0, Number.MAX_SAFE_INTEGER, 'offset');
    const [rows, counted] = await Promise.all([
      all<Row>(this.sql.page, [limit, offset]),
      all<{ total: number }>(this.sql.count, []),
    ]);
    send(response, 200, rows.map(toWire), { 'X-Total-Count': String(counted[0].total) });
  }

  private async create(body: Record<string, unknown>, response: ServerResponse): Promise<void> {
    const names = readNames(body, true);
    const now = storedNow();
    const [row] = await all<Row>(this.sql.insert, [names.first_name, names.last_name, now, now]);
    const user = toWire(row);
    send(response, 201, user, { Location: `/api/users/${user.id}`, ETag: `"${user.version}"` });
    this.io.emit('user_update', { action: 'create', user });
  }

  private async get(id: number, ifNoneMatch: string | undefined, response: ServerResponse): Promise<void> {
    const [row] = await all<Row>(this.sql.one, [id]);
    if (!row) return sendError(response, 404, `user ${id} not found`);
    const etag = `"${row.version}"`;
    if (ifNoneMatch === etag) {
      response.writeHead(304, { ETag: etag });
      response.end();
      return;
    }
    send(response, 200, toWire(row), { ETag: etag });
  }

  private async update(
    id: number,
    body: Record<string, unknown>,
    response: ServerResponse,
    requestId: string | null,
  ): Promise<void> {
    const names = readNames(body, false);
    const tail = HISTORY_DUTY ? [requestId, storedNow(), id] : [storedNow(), id];
    let rows: Row[];
    if (names.first_name !== undefined && names.last_name !== undefined) {
      rows = await all<Row>(this.sql.updateBoth, [names.first_name, names.last_name, ...tail]);
    } else if (names.first_name !== undefined) {
      rows = await all<Row>(this.sql.updateFirst, [names.first_name, ...tail]);
    } else if (names.last_name !== undefined) {
      rows = await all<Row>(this.sql.updateLast, [names.last_name, ...tail]);
    } else {
      throw new HttpError(400, 'body must name first_name, last_name or both');
    }
    if (rows.length === 0) return sendError(response, 404, `user ${id} not found`);
    const user = toWire(rows[0]);
    send(response, 200, user, { ETag: `"${user.version}"` });
    // One emit per change: socket.io encodes it once for both rooms.
    this.io.to([FOLLOW_ALL_ROOM, roomOf(id)]).emit('user_update', { action: 'update', user });
  }
}

// ---------------------------------------------------------------- socket.io

function parseUserId(value: unknown): number | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^[1-9]\d*$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}

/**
 * Presence the simplest correct way: count the room and tell it. With one
 * instance the local room is the whole count; with several it must be asked
 * across them through the adapter.
 */
function announcePresence(io: Server, userId: number, clustered: boolean): void {
  const room = roomOf(userId);
  const tell = (count: number): void => void io.to(room).emit('presence', { user_id: userId, count });
  if (!clustered) return tell(io.sockets.adapter.rooms.get(room)?.size ?? 0);
  io.in(room)
    .fetchSockets()
    .then((sockets) => tell(sockets.length))
    .catch(() => undefined);
}

interface SocketData {
  /** The user the window follows now; null for everything. */
  userId: number | null;
  /** What its handshake asked for, followed once connected. */
  wanted: number | null;
}

const dataOf = (socket: Socket): SocketData => socket.data as SocketData;

function follow(io: Server, socket: Socket, userId: number | null, clustered: boolean): void {
  const data = dataOf(socket);
  const previous = data.userId;
  for (const room of socket.rooms) if (room !== socket.id) void socket.leave(room);
  data.userId = userId;
  void socket.join(userId === null ? FOLLOW_ALL_ROOM : roomOf(userId));
  if (previous && previous !== userId) announcePresence(io, previous, clustered);
  if (userId) announcePresence(io, userId, clustered);
}

function installRealtime(io: Server, clustered: boolean): void {
  io.use((socket, next) => {
    const userId = parseUserId(socket.handshake.query.user_id);
    if (userId === undefined) return next(new Error('user_id must be a positive integer'));
    const data: SocketData = { userId: null, wanted: userId };
    socket.data = data;
    next();
  });
  io.on('connection', (socket) => {
    follow(io, socket, dataOf(socket).wanted, clustered);
    socket.on('subscribe', (body: { user_id?: unknown } | undefined, ack?: (reply: unknown) => void) => {
      const userId = parseUserId(body?.user_id);
      if (userId === undefined) return;
      follow(io, socket, userId, clustered);
      ack?.({ user_id: userId });
    });
    socket.on('change_origin', (body: { user_id?: unknown; version?: unknown; by?: unknown } | undefined) => {
      const userId = parseUserId(body?.user_id);
      const version = parseUserId(body?.version);
      if (!userId || !version || typeof body?.by !== 'string' || body.by.length > 40) return;
      socket.to(roomOf(userId)).emit('change_origin', { user_id: userId, version, by: body.by });
    });
    socket.on('disconnect', () => {
      const userId = dataOf(socket).userId;
      if (userId) announcePresence(io, userId, clustered);
    });
  });
}

// ---------------------------------------------------------------- start

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  const db = await prepareDatabase(process.env.DB_PATH ?? 'data/floor.sqlite');
  const sql = statements(db);
  const io = new Server();
  const redisUrl = process.env.REDIS_URL;
  let redis: Redis | undefined;
  if (redisUrl) {
    redis = new Redis(redisUrl, { lazyConnect: true });
    await redis.connect();
    io.adapter(createAdapter(redis));
  }
  installRealtime(io, redis !== undefined);
  const api = new Api(sql, io);
  const handle = (request: IncomingMessage, response: ServerResponse, requestId: string | null): void => {
    api.handle(request, response, requestId).catch((error: Error) => {
      if (error instanceof HttpError) sendError(response, error.status, error.message);
      else sendError(response, 500, error.message);
    });
  };
  const http = createServer(REQUEST_DUTIES ? withDuties(handle) : (request, response) => handle(request, response, null));
  // Attached after the API's handler exists, so socket.io's own paths are answered by socket.io only.
  io.attach(http);
  await new Promise<void>((resolve) => http.listen(port, host, resolve));
  process.stdout.write(`floor listening on http://${host}:${port}\n`);
  process.once('SIGTERM', () => {
    void io.close(() => {
      redis?.disconnect();
      db.close(() => process.exit(0));
    });
  });
}

main().catch((error: Error) => {
  process.stderr.write(`floor failed to start: ${error.message}\n`);
  process.exit(1);
});
