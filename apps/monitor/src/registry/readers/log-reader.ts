import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { LogNotFoundError } from '../errors/log-not-found.error';
import { TaskNotFoundError } from '../errors/task-not-found.error';
import { RegistryKeys } from '../registry-keys';
import { type LogInfoView } from '../views/task.views';
import { type Hash } from './hash-fields';
import { toLogInfos } from './task-mapper';

export interface LogReadOptions {
  /** Default: the latest attempt that has this log. */
  attempt?: number;
  /** Byte offset to read from (default 0). */
  offset?: number;
  /** Read the last N lines instead of from an offset. */
  tail?: number;
  /** Most bytes to return. */
  limit: number;
}

export interface LogSlice {
  info: LogInfoView;
  /** Byte offset of `data` in the log. */
  offset: number;
  /** Where the next read continues. */
  nextOffset: number;
  data: Buffer;
}

const TAIL_BLOCK = 64 * 1024;

/** Reads task logs: the contiguous part only, never a hole left by a chunk still to come. */
@Injectable()
export class LogReader {
  constructor(@Inject(Redis) private readonly redis: Redis) {}

  /** @throws TaskNotFoundError, LogNotFoundError */
  async info(taskId: number, name: string, attempt?: number): Promise<LogInfoView> {
    const pipeline = this.redis.pipeline();
    pipeline.hgetall(RegistryKeys.taskLogs(taskId));
    pipeline.hgetall(RegistryKeys.task(taskId));
    const [[, logs], [, task]] = (await pipeline.exec()) as Array<[Error | null, Hash]>;
    if (!task?.id) throw new TaskNotFoundError(taskId);
    const candidates = toLogInfos(logs ?? {}, task).filter(
      (l) => l.name === name && (attempt === undefined || l.attempt === attempt),
    );
    const info = candidates.at(-1);
    if (!info) throw new LogNotFoundError(taskId, name, attempt ?? null);
    return info;
  }

  /** @throws TaskNotFoundError, LogNotFoundError */
  async read(taskId: number, name: string, options: LogReadOptions): Promise<LogSlice> {
    const info = await this.info(taskId, name, options.attempt);
    return this.readFrom(taskId, info, options);
  }

  /** Reads `info`'s log from an offset or its last lines. */
  async readFrom(
    taskId: number,
    info: LogInfoView,
    options: Omit<LogReadOptions, 'attempt'>,
  ): Promise<LogSlice> {
    const key = RegistryKeys.taskLog(taskId, info.attempt, info.name);
    const start =
      options.tail !== undefined
        ? await this.tailStart(key, info.size, options.tail, options.limit)
        : Math.min(options.offset ?? 0, info.size);
    let end = Math.min(info.size, start + options.limit);
    let data = end > start ? await this.redis.getrangeBuffer(key, start, end - 1) : Buffer.alloc(0);
    if (end < info.size) {
      data = data.subarray(0, completeUtf8Length(data));
      end = start + data.length;
    }
    return { info, offset: start, nextOffset: end, data };
  }

  /** Offset of the first of the last `lines` lines (a final newline does not start a line). */
  private async tailStart(key: string, size: number, lines: number, limit: number): Promise<number> {
    const floor = Math.max(0, size - limit);
    let from = size;
    let newlines = 0;
    let trailing = true;
    while (from > floor) {
      const blockStart = Math.max(floor, from - TAIL_BLOCK);
      const block = await this.redis.getrangeBuffer(key, blockStart, from - 1);
      for (let i = block.length - 1; i >= 0; i--) {
        if (block[i] !== 0x0a) {
          trailing = false;
          continue;
        }
        if (trailing) {
          trailing = false;
          continue;
        }
        if (++newlines === lines) return blockStart + i + 1;
      }
      from = blockStart;
    }
    return floor;
  }
}

/** Length of `data` without a UTF-8 character cut at its end. */
export function completeUtf8Length(data: Buffer): number {
  for (let back = 1; back <= Math.min(4, data.length); back++) {
    const byte = data[data.length - back];
    if ((byte & 0xc0) === 0x80) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? data.length - back : data.length;
  }
  return data.length;
}
