/**
 * The bytes of task events emitted and not yet confirmed by the broker, across every
 * attempt of this executor. While RabbitMQ is unreachable the events of running builds
 * wait in memory (TaskEventStream) and are published in order once it is back; this
 * bounds that memory. Only `log.chunk` events are refused past the bound: the task's
 * logs are complete on disk and on the hub, whereas a missing lifecycle, step or
 * buildroot event would leave the monitor with a wrong picture.
 */
export class EventBacklog {
  private used = 0;
  private refusedChunks = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.used;
  }

  /** Log chunks refused since start because the backlog was full. */
  get refusedLogChunks(): number {
    return this.refusedChunks;
  }

  /** Takes room for an event; a log chunk gets none when the backlog is full (counted). */
  reserve(bytes: number, droppable: boolean): boolean {
    if (droppable && this.used + bytes > this.maxBytes) {
      this.refusedChunks++;
      return false;
    }
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}
