/**
 * A preload that timestamps each PATCH on its way through a server, from the
 * request event to the last WebSocket frame of its fan-out:
 *
 *   node -r ./dist/bench/probe/phases.js dist/src/main.js
 *
 * It patches what both servers have in common (node:http, node-sqlite3, ws)
 * and, where they are loaded, Express's router layers and Nest's guard,
 * interceptor and pipe consumers, so one probe serves the project and the floor alike and
 * neither server's code knows of it. Every PHASES_EVERY PATCHes (default 50)
 * it rewrites PHASES_DIR/<entry file>-<pid>.json (default bench/results/phases/)
 * with every complete PATCH so far; `phases-report.js` turns those files
 * into medians. The probe costs a few microseconds per mark, on both servers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { hrtime } from 'node:process';

export interface PatchTrace {
  /** [mark, ms since the request event], in the order they happened. */
  marks: [string, number][];
}

export interface PhasesFile {
  server: string;
  pid: number;
  patches: PatchTrace[];
}

const MAX_TRACES = 20_000;
/** The server's entry file, relative to the working directory: dist/src/main.js, dist/bench/floor/server.js. */
const serverName = relative(process.cwd(), process.argv[1] ?? 'server');
const outDir = process.env.PHASES_DIR ?? join(process.cwd(), 'bench', 'results', 'phases');
const every = Number(process.env.PHASES_EVERY) || 50;
const traces: PatchTrace[] = [];

interface Open {
  request: http.IncomingMessage;
  /**
   * Whether it came before the PATCH followed until then had answered. The two
   * then run interleaved, and a mark could not be told from the other's (the
   * first one's UPDATE or answer coming after the second's request event): its
   * trace is left out, as the first one's is for want of a frame.
   */
  overlapped: boolean;
  startedAt: number;
  marks: [string, number][];
  seen: Set<string>;
  responded: boolean;
  lastFrameAt?: number;
}

/** The PATCH being followed: the server sees one at a time at the rates this probe is meant for (50/s). */
let current: Open | undefined;

function nowMs(): number {
  return Number(hrtime.bigint()) / 1e6;
}

/** Records a mark on the PATCH being followed, the first time only. */
function mark(name: string): void {
  if (!current || current.seen.has(name)) return;
  current.seen.add(name);
  current.marks.push([name, nowMs() - current.startedAt]);
}

/** Records a mark for something that may come more than once under one name (anonymous middleware): #2, #3… */
function markEach(name: string): void {
  if (!current) return;
  let unique = name;
  for (let n = 2; current.seen.has(unique); n += 1) unique = `${name} #${n}`;
  mark(unique);
}

function close(open: Open): void {
  if (open.lastFrameAt !== undefined) open.marks.push(['last frame', open.lastFrameAt - open.startedAt]);
  if (open.overlapped || !open.seen.has('first frame') || traces.length >= MAX_TRACES) return;
  traces.push({ marks: open.marks });
  if (traces.length % every === 0) save();
}

function save(): void {
  mkdirSync(outDir, { recursive: true });
  const file: PhasesFile = { server: serverName, pid: process.pid, patches: traces };
  writeFileSync(join(outDir, `${serverName.replace(/[^\w.-]+/g, '_')}-${process.pid}.json`), JSON.stringify(file));
}

/**
 * Patches `method` of `target` to call `hook` first, and what `hook` returns
 * (if anything) once the original has returned; a missing target or method is skipped.
 */
function around(target: object | undefined, method: string, hook: (self: object, args: unknown[]) => (() => void) | void): void {
  const holder = target as Record<string, unknown> | undefined;
  const original = holder?.[method];
  if (typeof original !== 'function') return;
  holder![method] = function (this: object, ...args: unknown[]): unknown {
    const after = hook(this, args);
    const result: unknown = (original as (...a: unknown[]) => unknown).apply(this, args);
    if (after) after();
    return result;
  };
}

const serverRequire = createRequire(join(process.cwd(), 'package.json'));

/**
 * The server's own copy of a package, or of a file inside it (by path, past
 * the package's `exports`), resolved from its working directory; undefined
 * where it has none.
 */
function load(name: string, file?: string): Record<string, unknown> | undefined {
  try {
    const request = file ? join(dirname(serverRequire.resolve(`${name}/package.json`)), file) : name;
    return serverRequire(request) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function prototypeOf(module: Record<string, unknown> | undefined, name?: string): object | undefined {
  const type = (name ? module?.[name] : module) as { prototype?: object } | undefined;
  return type?.prototype;
}

around(http.Server.prototype, 'emit', (_self, [event, request]) => {
  if (event !== 'request' || (request as http.IncomingMessage).method !== 'PATCH') return;
  hookNest();
  const overlapped = current !== undefined && !current.responded;
  if (current) close(current);
  current = {
    request: request as http.IncomingMessage,
    overlapped,
    startedAt: nowMs(),
    marks: [['request', 0]],
    seen: new Set(['request']),
    responded: false,
  };
});

// Express 5's router: each middleware, the route, and the route's handler as the request enters it.
around(prototypeOf(load('router', 'lib/layer.js')), 'handleRequest', (layer) => {
  const { name, route, method } = layer as { name?: string; route?: unknown; method?: string };
  const named = name || '<anonymous>';
  markEach(route ? 'route' : method ? `handler ${named}` : `middleware ${named}`);
});

let nestHooked = false;

/**
 * Nest's guards, interceptors and pipes, hooked at the first PATCH and only
 * in a server that loaded Nest by then: loading it from here would cost the
 * floor a framework, and evaluate Nest before the server's own reflect-metadata.
 */
function hookNest(): void {
  if (nestHooked) return;
  nestHooked = true;
  let core: string;
  try {
    core = serverRequire.resolve('@nestjs/core');
  } catch {
    return;
  }
  if (require.cache[core] === undefined) return;
  around(prototypeOf(load('@nestjs/core', 'guards/guards-consumer.js'), 'GuardsConsumer'), 'tryActivate', () => mark('guards'));
  const interceptors = prototypeOf(load('@nestjs/core', 'interceptors/interceptors-consumer.js'), 'InterceptorsConsumer');
  around(interceptors, 'intercept', () => mark('interceptors'));
  around(prototypeOf(load('@nestjs/core', 'pipes/pipes-consumer.js'), 'PipesConsumer'), 'apply', () => mark('pipes'));
}

function sqliteCall(statement: object, args: unknown[]): void {
  if (!current || !/^\s*UPDATE/i.test((statement as { sql?: string }).sql ?? '')) return;
  mark('UPDATE sent');
  const open = current;
  const callback = args[args.length - 1];
  if (typeof callback !== 'function') return;
  args[args.length - 1] = function (this: unknown, ...results: unknown[]): unknown {
    if (current === open) mark('UPDATE answered');
    return (callback as (...a: unknown[]) => unknown).apply(this, results);
  };
}
const statements = prototypeOf(load('sqlite3'), 'Statement');
for (const method of ['all', 'get', 'run']) around(statements, method, sqliteCall);

around(http.ServerResponse.prototype, 'end', (response) => {
  const open = current;
  // Only the followed PATCH's own answer: another request's would end its trace early.
  if (open === undefined || open.responded || (response as http.ServerResponse).req !== open.request) return;
  mark('response end()');
  return () => {
    mark('response written');
    open.responded = true;
  };
});

// Broadcasts go out as frames encoded once (Sender.sendFrame); other messages through WebSocket.send.
function frame(): void {
  if (!current?.responded) return;
  mark('first frame');
  current.lastFrameAt = nowMs();
}
around(prototypeOf(load('ws', 'lib/sender.js')), 'sendFrame', frame);
around(prototypeOf(load('ws')), 'send', frame);
