import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { errorBody } from './error-body';

export const BODY_LIMIT_BYTES = 16 * 1024;
const JSON_TYPES = ['application/json', 'application/*+json'];
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * JSON bodies only, at most 16 KiB, and every refusal in the API's JSON error
 * shape (body-parser's own errors would otherwise reach Express's HTML page).
 * Must be installed before the routes, which Nest adds at init().
 */
export function installJsonBody(app: NestExpressApplication): void {
  app.use(requireJsonContentType);
  app.useBodyParser('json', { limit: BODY_LIMIT_BYTES, type: JSON_TYPES, strict: true });
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
  // The contract lists 415 for PATCH; POST lists 400, so a missing JSON body there is a bad request.
  const status = request.method === 'PATCH' ? 415 : 400;
  response.status(status).json(errorBody(status, 'body must be JSON, sent with Content-Type: application/json'));
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
