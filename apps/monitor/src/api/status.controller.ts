import { Controller, Get, Query } from '@nestjs/common';
import { StatusReader } from '../registry/readers/status-reader';
import { type StatusView } from '../registry/views/farm.views';
import { emptyQuery } from './request-schemas';
import { ZodValidationPipe } from './zod-validation.pipe';

@Controller('api/v1')
export class StatusController {
  constructor(private readonly status: StatusReader) {}

  @Get('status')
  async get(@Query(new ZodValidationPipe(emptyQuery)) _query: object): Promise<StatusView> {
    return this.status.status();
  }
}
