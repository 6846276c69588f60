import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { type DestinationStream } from 'pino';
import { KojiModule } from '@koji-farm/koji';
import { MessagingModule } from '@koji-farm/messaging';
import { KojiFarmLoggerModule, pinoOptions } from '@koji-farm/observability';
import { RedisModule } from '@koji-farm/redis';
import { CapacityTracker } from './capacity/capacity-tracker';
import { ExecutorEventsController } from './capacity/executor-events.controller';
import { HeartbeatListener } from './capacity/heartbeat-listener';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from './config/hub-poller.config';
import { DeadLetterConsumer } from './dead-letters/dead-letter-consumer';
import { DeadLetterHandler } from './dead-letters/dead-letter-handler';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { HealthController } from './health/health.controller';
import { MetricsController } from './health/metrics.controller';
import { PollerMetrics } from './health/poller-metrics';
import { HubGateway } from './hub/hub-gateway';
import { LeaderLease } from './lease/leader-lease';
import { BuildrootExpirer } from './loop/buildroot-expirer';
import { ExecutorClaims } from './loop/executor-claims';
import { HostLoop } from './loop/host-loop';
import { TaskIssuer } from './loop/task-issuer';
import { TaskOpener } from './loop/task-opener';
import { TaskReconciler } from './loop/task-reconciler';
import { TaskTaker } from './loop/task-taker';
import { PollerEvents } from './messaging/poller-events';
import { TaskPublisher } from './messaging/task-publisher';
import { Leadership } from './poller/leadership';
import { POLLER_LOG_STREAM, pollerLoggerProvider } from './poller/poller-logger';
import { PollerService } from './poller/poller-service';
import { PollerStatus } from './poller/poller-status';
import { StatusBeacon } from './poller/status-beacon';
import { InFlightStore } from './state/in-flight-store';
import { SessionHandover } from './handover/session-handover';
import { LeaseReleaseNotice } from './lease/lease-release-notice';
import { SessionHandoverRepliesController } from './handover/session-handover-replies.controller';

export interface HubPollerModuleOptions {
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: DestinationStream;
}

/**
 * Root module of the hub-poller: an HTTP app connected to the AMQP transport
 * (`connectAmqpTransport`), which routes executor events and dead letters to their
 * `@EventPattern` handlers.
 */
@Module({})
export class HubPollerModule {
  static forRoot(config: HubPollerConfig, options: HubPollerModuleOptions = {}): DynamicModule {
    const name = `hub-poller ${config.pollerId}`;
    return {
      module: HubPollerModule,
      imports: [
        options.logStream
          ? LoggerModule.forRoot({ pinoHttp: [pinoOptions('hub-poller', config.log), options.logStream] })
          : KojiFarmLoggerModule.forRoot('hub-poller', config.log),
        MessagingModule.forRoot({
          url: config.amqp.url,
          namespace: config.amqp.namespace,
          connectionName: name,
        }),
        RedisModule.forRoot({
          url: config.redis.url,
          keyPrefix: config.redis.keyPrefix,
          connectionName: name,
        }),
        KojiModule.register({
          hubUrl: config.hub.url,
          topUrl: config.hub.topurl,
          tls: tlsFiles(config),
          retry: { maxRetries: config.hub.retries, intervalMs: config.hub.retryIntervalMs },
          timeouts: { requestMs: config.hub.timeoutMs },
          userAgent: 'koji-farm hub-poller',
        }),
        TerminusModule.forRoot({ logger: false }),
      ],
      // HTTP: health and metrics; AMQP (the transport of MessagingModule): executor events, dead letters.
      controllers: [
        HealthController,
        MetricsController,
        ExecutorEventsController,
        DeadLettersController,
        SessionHandoverRepliesController,
      ],
      providers: [
        { provide: HUB_POLLER_CONFIG, useValue: config },
        { provide: POLLER_LOG_STREAM, useValue: options.logStream ?? null },
        pollerLoggerProvider,
        PollerMetrics,
        PollerStatus,
        HubGateway,
        LeaseReleaseNotice,
        LeaderLease,
        InFlightStore,
        CapacityTracker,
        HeartbeatListener,
        TaskPublisher,
        PollerEvents,
        TaskOpener,
        TaskIssuer,
        SessionHandover,
        TaskReconciler,
        TaskTaker,
        BuildrootExpirer,
        ExecutorClaims,
        HostLoop,
        DeadLetterHandler,
        DeadLetterConsumer,
        Leadership,
        StatusBeacon,
        PollerService,
      ],
    };
  }
}

function tlsFiles(config: HubPollerConfig) {
  const auth = config.hub.auth;
  if (auth.kind === 'ssl') return { certFile: auth.certFile, keyFile: auth.keyFile, caFile: auth.caFile };
  return auth.caFile ? { caFile: auth.caFile } : undefined;
}
