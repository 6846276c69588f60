import { type PipeTransform } from '@nestjs/common';
import { type z } from 'zod';
import { describeIssues } from './describe-issues';
import { InvalidRequestError } from './errors/invalid-request.error';

/** Validates (and converts) route params or a query with a zod schema; a failure is a 400. */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value ?? {});
    if (!result.success) throw new InvalidRequestError(describeIssues(result.error));
    return result.data;
  }
}
