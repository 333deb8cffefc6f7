import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { requestIdOf } from '../../observability';
import { DomainError, DomainErrorKind } from '../domain-error';
import { errorBody, ErrorBody } from './error-body';

const STATUS_OF: Record<DomainErrorKind, number> = {
  not_found: HttpStatus.NOT_FOUND,
  precondition_failed: HttpStatus.PRECONDITION_FAILED,
  invalid: HttpStatus.BAD_REQUEST,
};

/**
 * Turns every HTTP error into the contract's JSON shape. Domain errors get
 * their status from their kind; anything unexpected is logged with its stack
 * and answered with a bare 500, so no stack trace or file path leaves the server.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception, requestIdOf(host.switchToHttp().getRequest<Request>()));
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, requestId: string | undefined): ErrorBody {
    if (exception instanceof DomainError) return errorBody(STATUS_OF[exception.kind], exception.message);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      const message =
        typeof payload === 'object' && payload !== null && 'message' in payload
          ? (payload as { message: string | string[] }).message
          : exception.message;
      return errorBody(status, message);
    }
    // The request's id, so this line is found beside its access line.
    this.logger.error((exception as Error)?.message ?? String(exception), { stack: (exception as Error)?.stack, requestId });
    return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }
}
