import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerGuard, ThrottlerModuleOptions, ThrottlerOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { Request } from 'express';
import { ClientAddressOf, principalOf } from '../security';

export const RATE_LIMIT_OPTIONS = Symbol('RATE_LIMIT_OPTIONS');
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');
export const CLIENT_ADDRESS_OF = Symbol('CLIENT_ADDRESS_OF');

/** The path every limited route starts with: the REST API, not /health nor the windows' files. */
const LIMITED_PREFIX = '/api/';

/** Every key @Throttle(), @SkipThrottle() and their kin write their metadata under. */
const THROTTLER_METADATA_PREFIX = 'THROTTLER:';

/** A throttler whose settings are plain numbers: nothing to resolve per request. */
type PlainThrottler = ThrottlerOptions & { name: string; limit: number; ttl: number; blockDuration: number };

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

  /** The module's throttlers when no request can change them (no functions, no skipIf); else undefined. */
  private plainThrottlers?: PlainThrottler[];
  /** Per handler: whether it or its controller carries a throttler decorator. */
  private readonly decorated = new WeakMap<object, boolean>();

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.plainThrottlers = plainThrottlers(this.throttlers, this.commonOptions);
  }

  /**
   * The base guard looks up six decorators per throttler through the
   * Reflector on every request (a measurable share of a GET's CPU). Routes
   * without throttler decorators, which is every route here, take a path
   * that goes straight to the count; decorated routes keep the base's.
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const plain = this.plainThrottlers;
    if (plain === undefined || this.isDecorated(context)) return super.canActivate(context);
    if (await this.shouldSkip(context)) return true;
    const { getTracker, generateKey } = this.commonOptions;
    let allowed = true;
    for (const throttler of plain) {
      const request = { context, limit: throttler.limit, ttl: throttler.ttl, blockDuration: throttler.blockDuration, throttler };
      // onModuleInit fills both with the guard's own methods when the options name none.
      if (!(await this.handleRequest({ ...request, getTracker: getTracker!, generateKey: generateKey! }))) allowed = false;
    }
    return allowed;
  }

  private isDecorated(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let decorated = this.decorated.get(handler);
    if (decorated === undefined) {
      decorated = [handler, context.getClass()].some((target) =>
        Reflect.getMetadataKeys(target).some((key) => typeof key === 'string' && key.startsWith(THROTTLER_METADATA_PREFIX)),
      );
      this.decorated.set(handler, decorated);
    }
    return decorated;
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

function plainThrottlers(throttlers: ThrottlerOptions[], common: Pick<ThrottlerOptions, 'skipIf'>): PlainThrottler[] | undefined {
  if (common.skipIf) return undefined;
  const plain: PlainThrottler[] = [];
  for (const throttler of throttlers) {
    const { limit, ttl, skipIf, name } = throttler;
    const blockDuration = throttler.blockDuration ?? ttl;
    if (skipIf || typeof limit !== 'number' || typeof ttl !== 'number' || typeof blockDuration !== 'number') return undefined;
    plain.push({ ...throttler, name: name ?? 'default', limit, ttl, blockDuration });
  }
  return plain;
}
