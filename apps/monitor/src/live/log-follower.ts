import { type BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { type Request, type Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { LogReader } from '../registry/readers/log-reader';
import { type LogInfoView } from '../registry/views/task.views';
import { EventFeed } from './event-feed';

export interface FollowOptions {
  attempt?: number;
  offset?: number;
  tail?: number;
}

const SLICE_BYTES = 256 * 1024;
const TAIL_LIMIT_BYTES = 1024 * 1024;
const KEEPALIVE_MS = 15_000;

/**
 * Follows a task log as Server-Sent Events: what is there (from an offset or the last
 * lines), then every appended piece as the feed announces it. Each `log` event carries
 * `{offset, data}` and its SSE id is the next offset, so an EventSource that reconnects
 * resumes where it stopped (Last-Event-ID). An `end` event closes a finished log.
 */
@Injectable()
export class LogFollower implements BeforeApplicationShutdown {
  private readonly open = new Set<Response>();

  constructor(
    private readonly logs: LogReader,
    private readonly feed: EventFeed,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(LogFollower.name);
  }

  beforeApplicationShutdown(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }

  /** @throws TaskNotFoundError, LogNotFoundError before anything is sent */
  async follow(
    taskId: number,
    name: string,
    options: FollowOptions,
    req: Request,
    res: Response,
  ): Promise<void> {
    let info = await this.logs.info(taskId, name, options.attempt);
    let position = resumeOffset(req) ?? options.offset ?? 0;
    let pumping = false;
    let again = false;
    let ended = false;

    const finish = () => {
      if (ended) return;
      ended = true;
      unsubscribe();
      clearInterval(keepalive);
      this.open.delete(res);
      res.end();
    };
    const pump = async (): Promise<void> => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          info = await this.logs.info(taskId, name, info.attempt);
          position = await this.send(res, taskId, info, position);
        } while (again && !ended);
        if (info.complete && position >= info.size) {
          res.write(
            `event: end\ndata: ${JSON.stringify({ size: info.size, truncated: info.truncated })}\n\n`,
          );
          finish();
        }
      } finally {
        pumping = false;
      }
    };
    const wake = () => pump().catch((err: unknown) => this.fail(err, taskId, name, finish));

    // Subscribe before the first read, so that no append falls between the two.
    const task = String(taskId);
    const unsubscribe = this.feed.subscribe((entries) => {
      if (entries.some((e) => e.taskId === task && (e.type === 'log.chunk' || e.type === 'task.finished'))) {
        void wake();
      }
    });
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    req.on('close', finish);
    this.open.add(res);

    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: 2000\n\n`);
    if (options.tail !== undefined && resumeOffset(req) === undefined) {
      const slice = await this.logs.readFrom(taskId, info, { tail: options.tail, limit: TAIL_LIMIT_BYTES });
      position = slice.offset;
    }
    await wake();
  }

  /** Sends everything readable from `position`; returns the new position. */
  private async send(res: Response, taskId: number, info: LogInfoView, position: number): Promise<number> {
    while (position < info.size && !res.writableEnded) {
      const slice = await this.logs.readFrom(taskId, info, { offset: position, limit: SLICE_BYTES });
      if (slice.data.length === 0) break;
      const payload = JSON.stringify({ offset: slice.offset, data: slice.data.toString('utf8') });
      res.write(`id: ${slice.nextOffset}\nevent: log\ndata: ${payload}\n\n`);
      position = slice.nextOffset;
    }
    return position;
  }

  private fail(err: unknown, taskId: number, log: string, finish: () => void): void {
    this.logger.warn({ err, taskId, log }, 'following a log failed; closing the stream');
    finish();
  }
}

/** An EventSource reconnecting sends the last id it saw: the offset to continue from. */
function resumeOffset(req: Request): number | undefined {
  const id = req.headers['last-event-id'];
  if (typeof id !== 'string' || !/^\d{1,16}$/.test(id)) return undefined;
  return Number(id);
}
