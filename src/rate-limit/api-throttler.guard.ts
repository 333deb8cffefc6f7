import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerGuard, ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { Request } from 'express';
import { ClientAddressOf, principalOf } from '../security';

export const RATE_LIMIT_OPTIONS = Symbol('RATE_LIMIT_OPTIONS');
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');
export const CLIENT_ADDRESS_OF = Symbol('CLIENT_ADDRESS_OF');

/** The path every limited route starts with: the REST API, not /health nor the windows' files. */
const LIMITED_PREFIX = '/api/';

/**
 * @nestjs/throttler's guard, keyed by who is asking: the verified token's
 * subject when the request carries one, the client's address otherwise
 * (behind a proxy only when TRUST_PROXY says so; IPv6 by /64, as one
 * household or host holds a whole /64). One count per client across every
 * API route, not one per route.
 */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  constructor(
    @Inject(RATE_LIMIT_OPTIONS) options: ThrottlerModuleOptions,
    @Inject(RATE_LIMIT_STORAGE) storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(CLIENT_ADDRESS_OF) private readonly addressOf: ClientAddressOf,
  ) {
    super(options, storage, reflector);
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return Promise.resolve(true);
    return Promise.resolve(!context.switchToHttp().getRequest<Request>().url.startsWith(LIMITED_PREFIX));
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const subject = principalOf(request)?.subject;
    if (subject !== undefined) return Promise.resolve(`subject:${subject}`);
    return Promise.resolve(`address:${normalizeIp(this.addressOf(request as unknown as Request))}`);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }
}
