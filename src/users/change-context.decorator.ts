import { BadRequestException, createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { REQUEST_ID_HEADER, requestIdFrom, requestIdOf } from '../observability';
import type { ChangeContext } from './users.repository';

/** The header a client names itself with; the windows send "Window 1" and "Window 2". */
export const CHANGED_BY_HEADER = 'x-changed-by';
export const CHANGED_BY_MAX_LENGTH = 64;
const CHANGED_BY = new RegExp(`^[\\x20-\\x7e]{1,${CHANGED_BY_MAX_LENGTH}}$`);

/**
 * Who makes a write and in which request, for the change record and the event:
 * the X-Changed-By label (printable ASCII, refused otherwise rather than
 * stored or echoed to every window), and the request's id: the one its
 * access line and X-Request-Id response header carry (src/observability).
 */
export const WriteContext = createParamDecorator((_: unknown, context: ExecutionContext): ChangeContext => {
  const request = context.switchToHttp().getRequest<Request>();
  const by = request.header(CHANGED_BY_HEADER);
  if (by !== undefined && !CHANGED_BY.test(by)) {
    throw new BadRequestException(`X-Changed-By must be 1 to ${CHANGED_BY_MAX_LENGTH} printable ASCII characters`);
  }
  // The id the app's first middleware gave the request; without it (a bare test module) the header is read the same way.
  return { by: by ?? null, requestId: requestIdOf(request) ?? requestIdFrom(request.header(REQUEST_ID_HEADER)) };
});
