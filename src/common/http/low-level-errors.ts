import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorBody } from './error-body';

/**
 * Errors that Node answers itself, before Express or Nest see the request,
 * answered in the API's JSON error shape instead of Node's empty bodies:
 * 400 for what the parser refuses, 431 for headers over Node's limit, 408
 * when a client takes longer than the timeouts to send its request (see
 * server-timeouts.ts), 417 for an `Expect` other than `100-continue`.
 */
export function installLowLevelErrors(server: Server): void {
  server.on('clientError', answerClientError);
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const body = JSON.stringify(errorBody(417, 'only Expect: 100-continue is supported'));
    response.writeHead(417, jsonHeaders(body)).end(body);
  });
}

interface ClientError extends Error {
  code?: string;
}

/** Node's own choices (lib/_http_server.js), with a JSON body. */
function statusOfClientError(code: string | undefined): number {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 413;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    default:
      return 400;
  }
}

/** Node keeps the response being written on a connection here; no public API tells whether one has begun. */
type HttpSocket = Socket & { _httpMessage?: { headersSent: boolean } | null };

function answerClientError(error: ClientError, stream: Duplex): void {
  const socket = stream as HttpSocket;
  // Nothing to answer on a connection the client dropped, or where a response has begun (as Node's own handler).
  if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const status = statusOfClientError(error.code);
  const body = JSON.stringify(errorBody(status, status === 408 ? 'request not received in time' : 'malformed request'));
  const head = Object.entries({ ...jsonHeaders(body), Connection: 'close' })
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  socket.end(`HTTP/1.1 ${status} ${errorBody(status, '').error}\r\n${head}\r\n\r\n${body}`);
  // A client that never reads must not hold the socket open after the answer.
  socket.setTimeout(1_000, () => socket.destroy());
}

function jsonHeaders(body: string): Record<string, string> {
  return {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  };
}

interface MiddlewareError extends Error {
  status?: number;
  statusCode?: number;
  headers?: Record<string, string>;
}

/** Headers serve-static sets for the file before a conditional or range check fails. */
const FILE_HEADERS = ['Content-Type', 'Content-Length', 'ETag', 'Last-Modified', 'Accept-Ranges', 'Cache-Control'];
const logger = new Logger('HTTP');

/**
 * The last Express error handler before the routes: an error a middleware
 * passes on (a 412 or 416 from a static file, anything unexpected) is
 * answered as JSON, never as Express's HTML page. Install it after the
 * static site and the body parser.
 */
export function renderMiddlewareError(error: MiddlewareError, _request: Request, response: Response, next: NextFunction): void {
  if (response.headersSent) return next(error);
  const given = error.status ?? error.statusCode;
  const status = given !== undefined && given >= 400 && given < 500 ? given : 500;
  if (status === 500) logger.error(error.message, error.stack);
  for (const header of FILE_HEADERS) response.removeHeader(header);
  // 416 names the file's length in Content-Range, as RFC 9110 15.5.17 asks.
  if (status < 500) for (const [name, value] of Object.entries(error.headers ?? {})) response.setHeader(name, value);
  const body = errorBody(status, status === 500 ? 'Internal server error' : errorBody(status, '').error);
  response.status(status).json(body);
}
