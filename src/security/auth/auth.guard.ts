import { CanActivate, ExecutionContext, Injectable, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { principalOf } from '../principal';
import { ALLOW_ANONYMOUS } from './allow-anonymous.decorator';
import { bearerChallenge } from './bearer';
import { tokenFailureOf } from './request-auth';
import { TokenVerifier } from './token-verifier';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * With authentication on: every write needs a valid bearer token, reads too
 * with AUTH_PROTECT_READS, and a token that was sent must be valid wherever
 * it is sent (a client with an expired token learns it at once). Routes
 * marked @AllowAnonymous() stay open. A refusal is 401 with the RFC 6750
 * challenge in WWW-Authenticate and the usual JSON error body.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly tokens: TokenVerifier,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.tokens.enabled || context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(ALLOW_ANONYMOUS, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const failure = tokenFailureOf(request);
    if (failure?.kind === 'unavailable') throw new ServiceUnavailableException(failure.message);
    if (failure?.kind === 'rejected') {
      response.setHeader('WWW-Authenticate', bearerChallenge(failure.description));
      throw new UnauthorizedException(`invalid token: ${failure.description}`);
    }
    if (principalOf(request) || (READS.has(request.method) && !this.tokens.settings.protectReads)) return true;
    response.setHeader('WWW-Authenticate', bearerChallenge());
    throw new UnauthorizedException('a bearer token is required: send Authorization: Bearer <token>');
  }
}
