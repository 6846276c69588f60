import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';

/**
 * Lets a handler's error reach the transport as it was thrown. Nest's default RPC filter
 * replaces anything that is not an RpcException by `{status: 'error', message: 'Internal
 * server error'}`, and koji-farm decides ack / retry / dead-letter / fail from the
 * error's class (TaskFailureError, TaskCanceledError, ...), never from its text.
 */
@Catch()
export class KeepHandlerErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
