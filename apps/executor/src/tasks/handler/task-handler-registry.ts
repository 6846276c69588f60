import { Inject, Injectable } from '@nestjs/common';
import { TASK_HANDLERS, type TaskHandler } from './task-handler';

/** The handlers this executor has, by Koji method. */
@Injectable()
export class TaskHandlerRegistry {
  private readonly byMethod = new Map<string, TaskHandler>();

  constructor(@Inject(TASK_HANDLERS) handlers: TaskHandler[]) {
    for (const handler of handlers) {
      if (this.byMethod.has(handler.method))
        throw new Error(`Two task handlers for method ${handler.method}`);
      this.byMethod.set(handler.method, handler);
    }
  }

  /** Methods offered in heartbeats, sorted. */
  get methods(): string[] {
    return [...this.byMethod.keys()].sort();
  }

  find(method: string): TaskHandler | undefined {
    return this.byMethod.get(method);
  }
}
