import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const PREFIX = 'koji_farm_poller_';

/**
 * The poller's Prometheus metrics, on its own Registry (never prom-client's global
 * one, so two pollers in one test process do not collide).
 */
@Injectable()
export class PollerMetrics {
  readonly registry = new Registry();

  readonly loopDuration = new Histogram({
    name: `${PREFIX}loop_duration_seconds`,
    help: 'Duration of one host loop (protocol §4) while leading.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly loopErrors = new Counter({
    name: `${PREFIX}loop_errors_total`,
    help: 'Host loops that ended with an error, by error class.',
    labelNames: ['error'],
    registers: [this.registry],
  });

  readonly tasksOpened = new Counter({
    name: `${PREFIX}tasks_opened_total`,
    help: 'Tasks opened on the hub and queued, by method.',
    labelNames: ['method'],
    registers: [this.registry],
  });

  readonly tasksRefused = new Counter({
    name: `${PREFIX}tasks_refused_total`,
    help: 'Tasks refused (host.refuseTask), by reason.',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  readonly tasksFreed = new Counter({
    name: `${PREFIX}tasks_freed_total`,
    help: 'OPEN tasks freed (host.freeTasks), by reason.',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  readonly tasksCancelled = new Counter({
    name: `${PREFIX}tasks_cancelled_total`,
    help: 'Cancel messages sent for tasks cancelled or moved on the hub, by reason.',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  readonly tasksFailed = new Counter({
    name: `${PREFIX}tasks_failed_total`,
    help: 'Tasks the poller failed itself (host.failTask): a request JSON cannot carry, a dead-lettered message.',
    registers: [this.registry],
  });

  readonly deadLetters = new Counter({
    name: `${PREFIX}dead_letters_total`,
    help: 'Dead task messages handled by the leader, by what was done (failed on the hub, already failed, ...).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  readonly tasksReissued = new Counter({
    name: `${PREFIX}tasks_reissued_total`,
    help: 'In-flight tasks queued again with a fresh subsession after a new master session.',
    registers: [this.registry],
  });

  readonly sessionHandovers = new Counter({
    name: `${PREFIX}session_handovers_total`,
    help: 'Running attempts handed a subsession of a new master session (ADR 0082), by outcome: taken, refused (not running there), unanswered.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly tasksFinished = new Counter({
    name: `${PREFIX}tasks_finished_total`,
    help: 'In-flight tasks that left the set because the hub shows them closed or failed.',
    registers: [this.registry],
  });

  readonly hubCallDuration = new Histogram({
    name: `${PREFIX}hub_call_duration_seconds`,
    help: 'Latency of hub calls (including connection retries), by method.',
    labelNames: ['method'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly hubFaults = new Counter({
    name: `${PREFIX}hub_faults_total`,
    help: 'Hub calls that failed, by method and error class (Koji faults, transport errors, bad replies).',
    labelNames: ['method', 'fault'],
    registers: [this.registry],
  });

  readonly leader = new Gauge({
    name: `${PREFIX}leader`,
    help: '1 while this poller holds the lease and works, 0 while it stands by.',
    labelNames: ['poller_id'],
    registers: [this.registry],
  });

  readonly takeovers = new Counter({
    name: `${PREFIX}leadership_acquired_total`,
    help: 'Times this poller became the leader.',
    registers: [this.registry],
  });

  readonly inFlight = new Gauge({
    name: `${PREFIX}tasks_in_flight`,
    help: 'Tasks published and still OPEN on the hub.',
    registers: [this.registry],
  });

  readonly liveExecutors = new Gauge({
    name: `${PREFIX}live_executors`,
    help: 'Executors whose heartbeats arrive.',
    registers: [this.registry],
  });

  readonly freeSlots = new Gauge({
    name: `${PREFIX}free_slots`,
    help: 'Free slots as the last loop computed them, by kind (container, orchestration).',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  readonly hubConnected = new Gauge({
    name: `${PREFIX}hub_connected`,
    help: '1 when the last hub call got an answer.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
  }
}
