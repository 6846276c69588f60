import { applyDecorators, Controller, UseFilters } from '@nestjs/common';
import { KeepHandlerErrors } from './keep-handler-errors.filter';

/**
 * Marks a class whose methods handle AMQP messages (`@MessagePattern`, `@EventPattern`).
 * Nest discovers pattern handlers on controllers only; this also keeps the handlers'
 * errors as thrown (KeepHandlerErrors).
 */
export function AmqpController(): ClassDecorator {
  return applyDecorators(Controller(), UseFilters(KeepHandlerErrors));
}
