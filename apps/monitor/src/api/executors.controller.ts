import { Controller, Get, Param, Query } from '@nestjs/common';
import { ExecutorReader } from '../registry/readers/executor-reader';
import { TaskReader } from '../registry/readers/task-reader';
import { type ExecutorDetailView, type ExecutorView } from '../registry/views/farm.views';
import { emptyQuery, executorParams } from './request-schemas';
import { ZodValidationPipe } from './zod-validation.pipe';

const RUNNING_TASKS_SHOWN = 200;

@Controller('api/v1/executors')
export class ExecutorsController {
  constructor(
    private readonly executors: ExecutorReader,
    private readonly tasks: TaskReader,
  ) {}

  @Get()
  async list(@Query(new ZodValidationPipe(emptyQuery)) _query: object): Promise<{ items: ExecutorView[] }> {
    return { items: await this.executors.list() };
  }

  @Get(':id')
  async get(
    @Param(new ZodValidationPipe(executorParams)) params: { id: string },
    @Query(new ZodValidationPipe(emptyQuery)) _query: object,
  ): Promise<ExecutorDetailView> {
    const executor = await this.executors.get(params.id);
    const running = await this.tasks.list({
      executor: params.id,
      state: 'running',
      limit: RUNNING_TASKS_SHOWN,
    });
    return { ...executor, runningTasks: running.items.filter((t) => t.executorId === params.id) };
  }
}
