import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { ClientAddressOf, principalOf } from '../security';
import { AppLogger } from './app-logger';
import type { AppMetrics } from './metrics';
import { REQUEST_ID_HEADER, requestIdFrom, setRequestId } from './request-context';

/** The route label of a request no route answered (a 404, a body refused before routing). */
export const UNMATCHED_ROUTE = 'unmatched';
const ROUTE_NAME = Symbol('route name');
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const MAX_LOGGED_PATH = 200;
const CONTEXT = 'HTTP';

/**
 * For a middleware that answers requests itself (the static site): the route
 * it reports them under, a fixed name, never the raw path.
 */
export function nameRoute(response: Response, name: string): void {
  (response.locals as Record<symbol, string>)[ROUTE_NAME] = name;
}

export interface RequestObservationOptions {
  metrics: AppMetrics;
  /** The client's address behind trusted proxies (TRUST_PROXY). */
  clientAddress: ClientAddressOf;
}

/**
 * The first middleware of the app: gives each request its id (the client's
 * sane X-Request-Id, else a new one), sends it back in X-Request-Id, keeps it
 * on the request for the rest of the app (requestIdOf), and when the response is done writes one access line and one observation
 * of http_request_duration_seconds. The line names the route pattern
 * (/api/users/:id), never a query string, a header or a body.
 */
export function installRequestObservation(app: NestExpressApplication, options: RequestObservationOptions): void {
  const logger = new Logger(CONTEXT);
  const afterTurn = new AfterTurn();
  app.use((request: Request, response: Response, next: NextFunction): void => {
    const started = performance.now();
    const requestId = requestIdFrom(request.headers[REQUEST_ID_HEADER]);
    response.setHeader('X-Request-Id', requestId);
    // 'close' comes once per response, finished or aborted.
    response.once('close', () => {
      const seconds = (performance.now() - started) / 1000;
      const finished = response.writableFinished;
      // Read now, for a line the level keeps: once the connection is closed, its socket no longer knows the peer.
      const client = Logger.isLevelEnabled(levelOf(response)) ? options.clientAddress(request) : undefined;
      /*
       * Written once this turn of the event loop is over: a write's events
       * were queued for the end of the same turn before its answer went
       * out (RelayRegistry), and reach the sockets first. Writing the line
       * to stdout before them would delay every follower by the line's cost
       * and by whatever its reader, woken by it, takes of the core.
       */
      afterTurn.run(() => observe({ request, response, requestId, client, seconds, finished }, options, logger));
    });
    setRequestId(request, requestId);
    next();
  });
}

interface Observed {
  request: Request;
  response: Response;
  requestId: string;
  /** Undefined when the level leaves the line out. */
  client: string | undefined;
  seconds: number;
  /** Whether the response was sent whole, read when it closed. */
  finished: boolean;
}

/** One observation of http_request_duration_seconds and, at its level, one access line. */
function observe(
  { request, response, requestId, client, seconds, finished }: Observed,
  options: RequestObservationOptions,
  logger: Logger,
): void {
  const route = routeOf(request, response);
  const method = METHODS.has(request.method) ? request.method : 'other';
  const status = response.statusCode;
  options.metrics.httpRequestDuration.observe({ method, route, status: String(status) }, seconds);
  // Nothing is built for a line the level leaves out.
  if (client === undefined) return;
  const level = levelOf(response);
  const fields: Record<string, string | number | boolean> = {
    method,
    route,
    status,
    durationMs: Math.round(seconds * 10_000) / 10,
    requestId,
    client,
  };
  // A path only where no route pattern names the request (a 404, a static file): never ids of a matched route.
  const patterned = route.startsWith('/');
  if (!patterned) fields.path = request.path.slice(0, MAX_LOGGED_PATH);
  const subject = principalOf(request)?.subject;
  if (subject !== undefined) fields.subject = subject;
  if (!finished) fields.aborted = true;
  const message = `${method} ${patterned ? route : fields.path} ${status} ${fields.durationMs} ms`;
  const text = { requestId, client: fields.client };
  const appLogger = AppLogger.active();
  if (appLogger) appLogger.writeFields(level, CONTEXT, message, fields, text);
  else if (level === 'error') logger.error(message, fields);
  else logger.log(message, fields);
}

/** Runs tasks once the current turn of the event loop is over, in the order given, with one setImmediate per turn. */
class AfterTurn {
  private readonly tasks: (() => void)[] = [];
  private scheduled = false;

  run(task: () => void): void {
    this.tasks.push(task);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    for (const task of this.tasks.splice(0)) task();
  }
}

function levelOf(response: Response): 'log' | 'error' {
  return response.statusCode >= 500 ? 'error' : 'log';
}

/** The pattern of the route that answered (Express keeps it on the request), a middleware's name, or unmatched. */
function routeOf(request: Request, response: Response): string {
  const route: unknown = (request as { route?: unknown }).route;
  const path: unknown = typeof route === 'object' && route !== null ? (route as { path?: unknown }).path : undefined;
  if (typeof path === 'string') return path;
  return (response.locals as Record<symbol, string | undefined>)[ROUTE_NAME] ?? UNMATCHED_ROUTE;
}
