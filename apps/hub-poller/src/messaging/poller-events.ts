import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  pollerBuildrootStateEvent,
  pollerHeartbeatEvent,
  type PollerHeartbeatEvent,
  taskCancelRequestedEvent,
  taskQueuedEvent,
  type TaskQueuedEvent,
  taskRefusedEvent,
  type TaskRefusedEvent,
} from '@koji-farm/contracts';
import { type AmqpClient, EVENTS_CLIENT } from '@koji-farm/messaging';
import { lastValueFrom } from 'rxjs';
import { type LoggerLike } from '@koji-farm/observability';
import { type z } from 'zod';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from '../config/hub-poller.config';
import { POLLER_LOGGER } from '../poller/poller-logger';

type Fields<T> = Omit<T, 'v' | 'id' | 'at' | 'seq' | 'pollerId' | 'type'>;

/**
 * The poller's events on `koji.events` (routing key = type): `task.queued`,
 * `task.cancel-requested`, `task.refused`, `buildroot.state` (a buildroot it expired),
 * `poller.heartbeat`. Each is checked against its contract
 * before it leaves; `seq` counts per process. Events are information: a failed publish
 * is logged and never stops the loop.
 */
@Injectable()
export class PollerEvents {
  private seq = 0;
  private readonly logger: LoggerLike;

  constructor(
    @Inject(EVENTS_CLIENT) private readonly events: AmqpClient,
    @Inject(HUB_POLLER_CONFIG) private readonly config: HubPollerConfig,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'events' });
  }

  taskQueued(fields: Fields<TaskQueuedEvent>): Promise<void> {
    return this.publish(taskQueuedEvent, 'task.queued', fields, fields.taskId);
  }

  cancelRequested(taskId: number, reason: string): Promise<void> {
    return this.publish(taskCancelRequestedEvent, 'task.cancel-requested', { taskId, reason }, taskId);
  }

  taskRefused(fields: Fields<TaskRefusedEvent>): Promise<void> {
    return this.publish(taskRefusedEvent, 'task.refused', fields, fields.taskId);
  }

  /** The poller expired a buildroot of the task on the hub. */
  buildrootExpired(taskId: number, brootId: number): Promise<void> {
    const fields = { by: 'poller', taskId, brootId, state: 'EXPIRED' };
    return this.publish(pollerBuildrootStateEvent, 'buildroot.state', fields, taskId);
  }

  heartbeat(fields: Fields<PollerHeartbeatEvent>): Promise<void> {
    return this.publish(pollerHeartbeatEvent, 'poller.heartbeat', fields);
  }

  private async publish<S extends z.ZodType>(
    schema: S,
    type: string,
    fields: object,
    taskId?: number,
  ): Promise<void> {
    try {
      const event = schema.parse({
        v: 1,
        id: randomUUID(),
        at: new Date().toISOString(),
        seq: ++this.seq,
        pollerId: this.config.pollerId,
        type,
        ...fields,
      });
      await lastValueFrom(this.events.emit(type, event), { defaultValue: undefined });
    } catch (err) {
      this.logger.warn({ err, type, taskId }, 'could not publish an event');
    }
  }
}
