import { applyDecorators, BadRequestException, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { Request } from 'express';
import { REQUEST_ID_HEADER, requestIdFrom, requestIdOf, SANE_REQUEST_ID } from '../observability';
import { principalOf } from '../security';
import type { ChangeContext } from './users.repository';

/** The header a client names itself with; the windows send "Window 1" and "Window 2". */
export const CHANGED_BY_HEADER = 'x-changed-by';
export const CHANGED_BY_MAX_LENGTH = 64;
const CHANGED_BY = new RegExp(`^[\\x20-\\x7e]{1,${CHANGED_BY_MAX_LENGTH}}$`);

/**
 * Who makes a write and in which request, for the change record and the event:
 * the verified token's subject when the request has one, else the
 * X-Changed-By label (printable ASCII, refused otherwise rather than stored or
 * echoed to every window); and the request's id: the one its access line and
 * X-Request-Id response header carry (src/observability). A label never stands in for a subject: with authentication on
 * every write has a token, so a client cannot pose as someone else by naming
 * them in X-Changed-By.
 */
export const WriteContext = createParamDecorator((_: unknown, context: ExecutionContext): ChangeContext => {
  const request = context.switchToHttp().getRequest<Request>();
  const by = request.header(CHANGED_BY_HEADER);
  if (by !== undefined && !CHANGED_BY.test(by)) {
    throw new BadRequestException(`X-Changed-By must be 1 to ${CHANGED_BY_MAX_LENGTH} printable ASCII characters`);
  }
  const subject = principalOf(request)?.subject;
  // The id the app's first middleware gave the request; without it (a bare test module) the header is read the same way.
  return { by: subject ?? by ?? null, requestId: requestIdOf(request) ?? requestIdFrom(request.header(REQUEST_ID_HEADER)) };
});

/** The two optional request headers WriteContext reads, for the API description of a write. */
export function ApiWriteContext(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'X-Changed-By',
      required: false,
      description: `Who makes the write, kept in its change record and event (1 to ${CHANGED_BY_MAX_LENGTH} printable ASCII characters; otherwise 400)`,
      schema: { type: 'string', pattern: CHANGED_BY.source, example: 'Window 1' },
    }),
    ApiHeader({
      name: 'X-Request-Id',
      required: false,
      description: `Kept in the change record when it matches ${SANE_REQUEST_ID.source}; otherwise the server makes a UUID for the write (no error)`,
      schema: { type: 'string', example: 'req-42' },
    }),
  );
}
