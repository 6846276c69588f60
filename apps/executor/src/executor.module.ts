import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ContainerModule } from '@koji-farm/container';
import { MessagingModule } from '@koji-farm/messaging';
import { pinoOptions } from '@koji-farm/observability';
import { RedisModule } from '@koji-farm/redis';
import { EXECUTOR_CONFIG, type ExecutorConfig } from './config/executor.config';
import { ExecutorStateStore } from './containers/executor-state.store';
import { OrphanReaper } from './containers/orphan-reaper.service';
import { ControlConsumer } from './control/control-consumer.service';
import { EventPublisher } from './events/event-publisher';
import { ExecutorLifecycle } from './executor-lifecycle.service';
import { createExecutorLogger, EXECUTOR_LOGGER } from './executor-logger';
import { BuildArchHandler } from './handlers/build-arch/build-arch.handler';
import { HeartbeatService } from './heartbeat/heartbeat.service';
import { TaskIntake } from './intake/task-intake.service';
import { TASK_HANDLERS, type TaskHandler } from './tasks/handler/task-handler';
import { TaskHandlerRegistry } from './tasks/handler/task-handler-registry';
import { RunningTasks } from './tasks/running-tasks';
import { TaskRunner } from './tasks/task-runner.service';
import { TaskSettler } from './tasks/task-settler';

export interface ExecutorModuleOptions {
  /** Where log lines go instead of stdout (tests capture them to look for secrets). */
  logDestination?: NodeJS.WritableStream;
  /** More task handlers besides the built-in ones (the overhead benchmark adds its own). */
  handlers?: readonly TaskHandler[];
}

/** Root module of the executor. */
@Module({})
export class ExecutorModule {
  static forRoot(config: ExecutorConfig, options: ExecutorModuleOptions = {}): DynamicModule {
    const logging = pinoOptions('executor', config.log);
    return {
      module: ExecutorModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: options.logDestination
            ? [{ ...logging, transport: undefined }, options.logDestination]
            : logging,
        }),
        MessagingModule.forRoot({
          url: config.amqp.url,
          namespace: config.amqp.namespace,
          connectionName: `executor ${config.executorId}`,
        }),
        RedisModule.forRoot({
          url: config.redis.url,
          keyPrefix: config.redis.keyPrefix,
          connectionName: `executor ${config.executorId}`,
        }),
        ContainerModule.forRoot({ socketPath: config.podmanSocket, defaultLabels: config.containers.labels }),
      ],
      providers: [
        { provide: EXECUTOR_CONFIG, useValue: config },
        { provide: EXECUTOR_LOGGER, useValue: createExecutorLogger(config, options.logDestination) },
        BuildArchHandler,
        {
          provide: TASK_HANDLERS,
          inject: [BuildArchHandler],
          useFactory: (...builtIn: TaskHandler[]) => [...builtIn, ...(options.handlers ?? [])],
        },
        TaskHandlerRegistry,
        EventPublisher,
        ExecutorStateStore,
        RunningTasks,
        TaskSettler,
        TaskRunner,
        TaskIntake,
        ControlConsumer,
        HeartbeatService,
        OrphanReaper,
        ExecutorLifecycle,
      ],
      exports: [RunningTasks, OrphanReaper, TaskHandlerRegistry],
    };
  }
}
