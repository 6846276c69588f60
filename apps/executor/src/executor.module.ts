import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ContainerModule } from '@koji-farm/container';
import { MessagingModule } from '@koji-farm/messaging';
import { pinoOptions } from '@koji-farm/observability';
import { RedisModule } from '@koji-farm/redis';
import { EXECUTOR_CONFIG, type ExecutorConfig } from './config/executor.config';
import { ExecutorStateStore } from './containers/executor-state.store';
import { SnapshotCache } from './buildroots/snapshot-cache';
import { OrphanReaper } from './containers/orphan-reaper.service';
import { AttemptSessions } from './control/attempt-sessions';
import { CancelController } from './control/cancel.controller';
import { SessionHandoverController } from './control/session-handover.controller';
import { ControlConsumer } from './control/control-consumer.service';
import { EventPublisher } from './events/event-publisher';
import { ExecutorLifecycle } from './executor-lifecycle.service';
import { createExecutorLogger, EXECUTOR_LOGGER } from './executor-logger';
import { TaskHandlersModule } from './handlers/task-handlers.module';
import { HealthChecks } from './health/health-checks.service';
import { IntakeHealth } from './health/intake-health';
import { HeartbeatService } from './heartbeat/heartbeat.service';
import { TaskAdmission } from './intake/task-admission';
import { TaskIntake } from './intake/task-intake.service';
import { TaskLeaseStore } from './tasks/lease/task-lease.store';
import { KojiMethods } from './tasks/handler/koji-methods';
import { RunningTasks } from './tasks/running-tasks';
import { TaskRunner } from './tasks/task-runner.service';
import { PodmanOutage } from './tasks/podman-outage';
import { TaskSettler } from './tasks/task-settler';

export interface ExecutorModuleOptions {
  /** Where log lines go instead of stdout (tests capture them to look for secrets). */
  logDestination?: NodeJS.WritableStream;
  /**
   * Modules with more task handlers besides the built-in ones (the overhead benchmark
   * adds its own): each lists `@KojiTaskHandler()` classes as its controllers.
   */
  handlerModules?: ModuleMetadata['imports'];
}

/**
 * Root module of the executor. Global, so that the modules of task handlers (built-in
 * and added ones) can inject its services. Run it as a microservice of the AMQP
 * transport (`createAmqpMicroservice`), which routes task and control messages to the
 * handlers Nest discovers.
 */
@Module({})
export class ExecutorModule {
  static forRoot(config: ExecutorConfig, options: ExecutorModuleOptions = {}): DynamicModule {
    const logging = pinoOptions('executor', config.log);
    const containers = ContainerModule.forRoot({
      socketPath: config.podmanSocket,
      defaultLabels: config.containers.labels,
    });
    return {
      module: ExecutorModule,
      global: true,
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
        containers,
        TaskHandlersModule,
        ...(options.handlerModules ?? []),
      ],
      controllers: [CancelController, SessionHandoverController],
      providers: [
        { provide: EXECUTOR_CONFIG, useValue: config },
        { provide: EXECUTOR_LOGGER, useValue: createExecutorLogger(config, options.logDestination) },
        KojiMethods,
        EventPublisher,
        ExecutorStateStore,
        SnapshotCache,
        RunningTasks,
        AttemptSessions,
        IntakeHealth,
        HealthChecks,
        PodmanOutage,
        TaskSettler,
        TaskRunner,
        TaskLeaseStore,
        TaskAdmission,
        TaskIntake,
        ControlConsumer,
        HeartbeatService,
        OrphanReaper,
        ExecutorLifecycle,
      ],
      exports: [
        containers,
        EXECUTOR_CONFIG,
        EXECUTOR_LOGGER,
        EventPublisher,
        ExecutorStateStore,
        SnapshotCache,
        RunningTasks,
        OrphanReaper,
        KojiMethods,
      ],
    };
  }
}
