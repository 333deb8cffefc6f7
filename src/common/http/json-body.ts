import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { isUtf8 } from 'node:buffer';
import { errorBody } from './error-body';

export const BODY_LIMIT_BYTES = 16 * 1024;
/**
 * No body the API takes nests at all (a user is one flat object), but the
 * checks run before any DTO is known: deep enough for any sane JSON, far too
 * shallow to overflow the stack of the recursive steps after parsing.
 */
export const MAX_JSON_DEPTH = 32;
const JSON_TYPES = ['application/json', 'application/*+json'];
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * JSON bodies only, at most 16 KiB, and every refusal in the API's JSON error
 * shape (body-parser's own errors would otherwise reach Express's HTML page).
 * Must be installed before the routes, which Nest adds at init().
 */
export function installJsonBody(app: NestExpressApplication): void {
  app.use(requireJsonContentType);
  // Nest's type leaves out `verify` (it uses it for rawBody, which is off here); body-parser takes it.
  const options = { limit: BODY_LIMIT_BYTES, type: JSON_TYPES, strict: true, verify: checkRawBody };
  app.useBodyParser('json', options);
  app.use(renderBodyParserError);
  app.use(requireJsonObject);
}

/** A request that must carry a JSON object: a write to the API. */
function sendsApiBody(request: Request): boolean {
  return WRITE_METHODS.has(request.method) && request.path.startsWith('/api/');
}

function requireJsonContentType(request: Request, response: Response, next: NextFunction): void {
  if (!sendsApiBody(request)) return next();
  if (request.is(JSON_TYPES)) return next();
  response.status(415).json(errorBody(415, 'body must be JSON, sent with Content-Type: application/json'));
}

class RawBodyError extends Error {
  constructor(
    readonly type: 'body.utf8.invalid' | 'body.too.deep' | 'charset.unsupported',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs on the raw bytes, before they are decoded and parsed: the decoder
 * would turn invalid UTF-8 into U+FFFD, silently storing other text than
 * was sent, and a deeply nested value would overflow the stack of
 * class-transformer (a 500 and a stack trace in the log per request).
 */
function checkRawBody(_request: unknown, _response: unknown, raw: Buffer, encoding: string | null): void {
  // body-parser takes any utf-* charset for JSON; the names are kept as UTF-8 text.
  if (encoding !== 'utf-8') throw new RawBodyError('charset.unsupported', 'body must be UTF-8 JSON');
  if (!isUtf8(raw)) throw new RawBodyError('body.utf8.invalid', 'body is not valid UTF-8');
  if (nestingDepthExceeds(raw, MAX_JSON_DEPTH)) {
    throw new RawBodyError('body.too.deep', `body nests arrays or objects more than ${MAX_JSON_DEPTH} deep`);
  }
}

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether brackets and braces outside strings nest deeper than `max`: one pass, no parsing. */
export function nestingDepthExceeds(json: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i += 1) {
    const byte = json[i];
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      depth += 1;
      if (depth > max) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth -= 1;
    }
  }
  return false;
}

/** Arrays and other JSON values parse, but a user is described by an object. */
function requireJsonObject(request: Request, response: Response, next: NextFunction): void {
  if (!sendsApiBody(request)) return next();
  const body: unknown = request.body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return next();
  response.status(400).json(errorBody(400, 'body must be a JSON object'));
}

interface BodyParserError extends Error {
  status?: number;
  type?: string;
}

function renderBodyParserError(error: BodyParserError, _request: Request, response: Response, next: NextFunction): void {
  switch (error.type) {
    case 'entity.too.large':
      response.status(413).json(errorBody(413, `body must be at most ${BODY_LIMIT_BYTES} bytes`));
      return;
    case 'entity.parse.failed':
      response.status(400).json(errorBody(400, 'body is not valid JSON'));
      return;
    case 'body.utf8.invalid':
    case 'body.too.deep':
      response.status(400).json(errorBody(400, error.message));
      return;
    case 'encoding.unsupported':
    case 'charset.unsupported':
      response.status(415).json(errorBody(415, 'body must be UTF-8 JSON'));
      return;
    default:
      if (error.status !== undefined && error.status >= 400 && error.status < 500) {
        response.status(error.status).json(errorBody(error.status, 'body could not be read'));
        return;
      }
      next(error);
  }
}
