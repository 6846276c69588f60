import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { type Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { NotFoundError } from '../registry/errors/not-found.error';
import { InvalidRequestError } from './errors/invalid-request.error';
import { UnauthorizedError } from './errors/unauthorized.error';

/** The JSON body of every error the API answers. */
export interface ErrorBody {
  error: string;
  message: string;
}

/**
 * Maps errors to JSON `{error, message}`: bad input 400, no token 401, unknown thing 404
 * (Nest's own HTTP exceptions keep their status). Anything else is a 500 whose details
 * go to the log, not to the client.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: PinoLogger) {
    logger.setContext(HttpErrorFilter.name);
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const [status, body] = this.describe(exception);
    if (response.headersSent) {
      response.end();
      return;
    }
    if (status === HttpStatus.UNAUTHORIZED)
      response.setHeader('WWW-Authenticate', 'Bearer realm="koji-farm monitor"');
    response.status(status).json(body);
  }

  private describe(exception: unknown): [HttpStatus, ErrorBody] {
    if (exception instanceof InvalidRequestError) {
      return [HttpStatus.BAD_REQUEST, { error: 'bad_request', message: exception.message }];
    }
    if (exception instanceof UnauthorizedError) {
      return [HttpStatus.UNAUTHORIZED, { error: 'unauthorized', message: exception.message }];
    }
    if (exception instanceof NotFoundError) {
      return [HttpStatus.NOT_FOUND, { error: 'not_found', message: exception.message }];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus() as HttpStatus;
      const error = (HttpStatus[status] ?? 'error').toLowerCase();
      return [status, { error, message: exception.message }];
    }
    this.logger.error({ err: exception }, 'request failed');
    return [
      HttpStatus.INTERNAL_SERVER_ERROR,
      { error: 'internal_error', message: 'internal error; see the monitor log' },
    ];
  }
}
