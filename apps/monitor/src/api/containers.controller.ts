import { Controller, Get, Param, Query } from '@nestjs/common';
import { ContainerReader } from '../registry/readers/container-reader';
import { type ContainerView } from '../registry/views/farm.views';
import { containerParams, type ContainersQuery, containersQuery, emptyQuery } from './request-schemas';
import { ZodValidationPipe } from './zod-validation.pipe';

@Controller('api/v1/containers')
export class ContainersController {
  constructor(private readonly containers: ContainerReader) {}

  @Get()
  async list(
    @Query(new ZodValidationPipe(containersQuery)) query: ContainersQuery,
  ): Promise<{ items: ContainerView[] }> {
    return { items: await this.containers.list(query.state, query.limit) };
  }

  @Get(':id')
  async get(
    @Param(new ZodValidationPipe(containerParams)) params: { id: string },
    @Query(new ZodValidationPipe(emptyQuery)) _query: object,
  ): Promise<ContainerView> {
    return this.containers.get(params.id);
  }
}
