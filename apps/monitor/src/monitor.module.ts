import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { MessagingModule } from '@koji-farm/messaging';
import { KojiFarmLoggerModule } from '@koji-farm/observability';
import { RedisModule } from '@koji-farm/redis';
import { QueueDepthProbe } from './amqp/queue-depth-probe';
import { ApiTokenGuard } from './api/auth/api-token.guard';
import { ApiTokenVerifier } from './api/auth/api-token-verifier';
import { ContainersController } from './api/containers.controller';
import { DocsController } from './api/docs.controller';
import { ExecutorsController } from './api/executors.controller';
import { HttpErrorFilter } from './api/http-error.filter';
import { LogsController } from './api/logs.controller';
import { SessionController } from './api/session.controller';
import { StatusController } from './api/status.controller';
import { TasksController } from './api/tasks.controller';
import { MONITOR_CONFIG, type MonitorConfig } from './config/monitor.config';
import { DashboardController } from './dashboard/dashboard.controller';
import { HealthController } from './health/health.controller';
import { EventsLogConsumer } from './ingest/events-log-consumer';
import { EventsLogController } from './ingest/events-log.controller';
import { ExpirySweeper } from './ingest/expiry-sweeper';
import { FoldProgress } from './ingest/fold-progress';
import { EventFeed } from './live/event-feed';
import { EventsGateway } from './live/events-gateway';
import { LogFollower } from './live/log-follower';
import { FarmGauges } from './metrics/farm-gauges';
import { MetricsController } from './metrics/metrics.controller';
import { MonitorMetrics } from './metrics/monitor-metrics';
import { ContainerReader } from './registry/readers/container-reader';
import { ExecutorReader } from './registry/readers/executor-reader';
import { LogReader } from './registry/readers/log-reader';
import { StatusReader } from './registry/readers/status-reader';
import { TaskReader } from './registry/readers/task-reader';
import { RegistryWriter } from './registry/registry-writer';

/**
 * Root module of the monitor: folds the events stream into the Redis registry and
 * serves it (REST, WebSocket, dashboard, metrics). An HTTP app connected to the AMQP
 * transport (`connectAmqpTransport`), which hands the stream to EventsLogController. Self-contained, so that tests start
 * it in-process with their own config (port 0, own namespace and key prefix).
 */
@Module({})
export class MonitorModule {
  static forRoot(config: MonitorConfig): DynamicModule {
    const connectionName = `monitor-${config.replicaId}`;
    return {
      module: MonitorModule,
      imports: [
        KojiFarmLoggerModule.forRoot('monitor', config.log),
        MessagingModule.forRoot({ url: config.amqp.url, namespace: config.amqp.namespace, connectionName }),
        RedisModule.forRoot({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, connectionName }),
      ],
      controllers: [
        StatusController,
        ExecutorsController,
        ContainersController,
        TasksController,
        LogsController,
        SessionController,
        DocsController,
        HealthController,
        MetricsController,
        DashboardController,
        // AMQP (the transport of MessagingModule): the events stream.
        EventsLogController,
      ],
      providers: [
        { provide: MONITOR_CONFIG, useValue: config },
        // registry
        RegistryWriter,
        ExecutorReader,
        TaskReader,
        LogReader,
        ContainerReader,
        StatusReader,
        QueueDepthProbe,
        // ingest
        FoldProgress,
        EventsLogConsumer,
        ExpirySweeper,
        // live
        EventFeed,
        EventsGateway,
        LogFollower,
        // metrics
        MonitorMetrics,
        FarmGauges,
        // http
        ApiTokenVerifier,
        { provide: APP_GUARD, useClass: ApiTokenGuard },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    };
  }
}
