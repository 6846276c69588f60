import type { KojiClient } from '../client/koji-client';
import type { KojiLogger } from '../logging/koji-logger';
import { UploadError } from '../errors/upload-error';
import { SerialLane } from '../session/serial-lane';
import { FileLogSource, type LogSource } from './log-source';
import { rawUpload, type RawUploadOptions } from './raw-upload';
import { checkUploadTarget, type UploadTarget } from './upload-target';

export interface IncrementalLogUploaderOptions {
  /** Bytes per chunk; the client's `uploadChunkBytes` by default. */
  chunkBytes?: number;
  /** Period of `start()`'s background syncs (kojid: about once a second). */
  intervalMs?: number;
  /** Defaults to the client's logger; give a child logger with the task id. */
  logger?: KojiLogger;
  /** How chunks reach the hub; `rawUpload` through the client by default (a seam for tests). */
  sendChunk?: ChunkSender;
}

/** Sends one chunk at an offset, as {@link rawUpload} does. */
export type ChunkSender = (
  chunk: Buffer,
  offset: number,
  target: UploadTarget,
  options: RawUploadOptions,
) => Promise<unknown>;

/**
 * Uploads a log while it grows, kojid's way: each sync sends what was added since the
 * last one with `overwrite=1` at the offset where it left off (the hub truncates there
 * and writes), and starts again from 0 when the log shrank or was replaced.
 * `start()` syncs in the background; `flush()` syncs now; `close()` stops and sends
 * the rest (an empty log still gets created on the hub); `abort()` stops and sends
 * nothing more (a cancelled task).
 */
export class IncrementalLogUploader {
  private readonly source: LogSource;
  private readonly target: UploadTarget;
  private readonly chunkBytes: number;
  private readonly intervalMs: number;
  private readonly logger: KojiLogger;
  private readonly sendChunk: ChunkSender;
  private readonly lane = new SerialLane();
  private offset = 0;
  private identity: string | undefined;
  private sentAnything = false;
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  /** Aborted by `abort()`: cuts off a chunk on its way and every sync queued after it. */
  private readonly stopper = new AbortController();
  /** The last error of a background sync, if the latest one failed. */
  lastError: Error | undefined;

  constructor(
    client: KojiClient,
    source: LogSource | string,
    target: UploadTarget,
    options: IncrementalLogUploaderOptions = {},
  ) {
    this.source = typeof source === 'string' ? new FileLogSource(source) : source;
    this.target = checkUploadTarget(target);
    this.chunkBytes = options.chunkBytes ?? client.options.uploadChunkBytes;
    this.intervalMs = options.intervalMs ?? 1000;
    this.logger = options.logger ?? client.logger;
    this.sendChunk = options.sendChunk ?? ((chunk, offset, t, o) => rawUpload(client, chunk, offset, t, o));
  }

  /** Bytes of the log the hub has, as far as this uploader knows. */
  get uploadedBytes(): number {
    return this.offset;
  }

  /** Syncs every `intervalMs` until `close()` or `abort()`. Errors are logged and kept in `lastError`. */
  start(): void {
    if (this.timer || this.closing) return;
    const tick = (): void => {
      this.flush()
        .then(
          () => {
            this.lastError = undefined;
          },
          (err: unknown) => {
            if (this.stopper.signal.aborted) return; // cut off on purpose, not a failure
            this.lastError = err instanceof Error ? err : new Error(String(err));
            this.logger.warn(
              {
                log: this.target.name,
                path: this.target.path,
                offset: this.offset,
                err: this.lastError.message,
              },
              'incremental log upload failed; will try again',
            );
          },
        )
        .finally(() => {
          if (!this.closing) this.timer = setTimeout(tick, this.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, this.intervalMs).unref();
  }

  /** Sends whatever the log gained since the last sync; resolves with the bytes sent. */
  flush(): Promise<number> {
    return this.lane.run(() => this.sync(false), this.stopper.signal);
  }

  /** Stops background syncs and sends the rest. Idempotent; rejects if the last sync fails. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopTimer();
      await this.lane.run(() => this.sync(true), this.stopper.signal);
    })();
    return this.closing;
  }

  /**
   * Stops for good without a final upload: background syncs end, a chunk being sent is
   * cut off (the hub may or may not have stored it) and nothing else is sent, also by a
   * later `flush()` or `close()` (they reject, and resolve respectively, without a call).
   * Resolves once no sync runs any more. Idempotent.
   */
  async abort(): Promise<void> {
    if (!this.stopper.signal.aborted) {
      this.stopper.abort(
        new UploadError(`the upload of ${this.target.path}/${this.target.name} was aborted`),
      );
      this.stopTimer();
      this.closing ??= Promise.resolve();
    }
    // Queued after every sync: settles once the one running (if any) has.
    await this.lane.run(() => Promise.resolve());
  }

  /** True once `abort()` was called. */
  get aborted(): boolean {
    return this.stopper.signal.aborted;
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async sync(final: boolean): Promise<number> {
    const snapshot = await this.source.snapshot();
    if (!snapshot) return 0;
    if (snapshot.size < this.offset || (this.identity !== undefined && snapshot.identity !== this.identity)) {
      this.logger.info(
        { log: this.target.name, had: this.offset, now: snapshot.size },
        'log shrank or was replaced; uploading it again from 0',
      );
      this.offset = 0;
    }
    this.identity = snapshot.identity;
    let sent = 0;
    const signal = this.stopper.signal;
    while (this.offset < snapshot.size) {
      signal.throwIfAborted();
      const chunk = await this.source.read(
        this.offset,
        Math.min(this.chunkBytes, snapshot.size - this.offset),
      );
      if (chunk.length === 0) break;
      await this.sendChunk(chunk, this.offset, this.target, { overwrite: true, signal });
      this.offset += chunk.length;
      sent += chunk.length;
      this.sentAnything = true;
    }
    if (final && !this.sentAnything) {
      signal.throwIfAborted();
      // An empty log still has to exist on the hub when a result lists it.
      await this.sendChunk(Buffer.alloc(0), 0, this.target, { overwrite: true, signal });
      this.sentAnything = true;
    }
    return sent;
  }
}
