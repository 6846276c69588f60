import { Controller, Get, Param, Query } from '@nestjs/common';
import { TaskReader } from '../registry/readers/task-reader';
import { type LogInfoView, type TaskDetailView, type TaskPageView } from '../registry/views/task.views';
import { emptyQuery, taskParams, type TasksQuery, tasksQuery } from './request-schemas';
import { ZodValidationPipe } from './zod-validation.pipe';

@Controller('api/v1/tasks')
export class TasksController {
  constructor(private readonly tasks: TaskReader) {}

  @Get()
  async list(@Query(new ZodValidationPipe(tasksQuery)) query: TasksQuery): Promise<TaskPageView> {
    return this.tasks.list(query);
  }

  @Get(':id')
  async get(
    @Param(new ZodValidationPipe(taskParams)) params: { id: number },
    @Query(new ZodValidationPipe(emptyQuery)) _query: object,
  ): Promise<TaskDetailView> {
    return this.tasks.get(params.id);
  }

  @Get(':id/logs')
  async logs(
    @Param(new ZodValidationPipe(taskParams)) params: { id: number },
    @Query(new ZodValidationPipe(emptyQuery)) _query: object,
  ): Promise<{ items: LogInfoView[] }> {
    const task = await this.tasks.get(params.id);
    return { items: task.logs };
  }
}
