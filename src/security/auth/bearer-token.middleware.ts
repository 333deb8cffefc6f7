import { Injectable, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setPrincipal } from '../principal';
import { bearerTokenOf } from './bearer';
import { setTokenFailure } from './request-auth';
import { TokenCheckUnavailable, TokenRejected } from './token-errors';
import { TokenVerifier } from './token-verifier';

/**
 * Checks the bearer token of every API request before any guard runs, and
 * attaches who it names (setPrincipal), so the rate limiter, the change
 * records and AuthGuard all read one verified subject. Refuses nothing
 * itself: which routes need a token is AuthGuard's call.
 */
@Injectable()
export class BearerTokenMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  constructor(private readonly tokens: TokenVerifier) {}

  async use(request: IncomingMessage, _response: ServerResponse, next: (error?: unknown) => void): Promise<void> {
    const token = this.tokens.enabled ? bearerTokenOf(request.headers) : undefined;
    if (token === undefined) return next();
    try {
      if (token === '') throw new TokenRejected('the Authorization header names no token after Bearer');
      setPrincipal(request, await this.tokens.verify(token));
    } catch (error) {
      if (error instanceof TokenRejected) setTokenFailure(request, { kind: 'rejected', description: error.description });
      else if (error instanceof TokenCheckUnavailable) setTokenFailure(request, { kind: 'unavailable', message: error.message });
      else return next(error);
    }
    next();
  }
}
