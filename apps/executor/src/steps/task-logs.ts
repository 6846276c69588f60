import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { type ExecSink } from '@koji-farm/container';
import {
  AuthError,
  IncrementalLogUploader,
  type KojiClient,
  RetryError,
  SequenceError,
} from '@koji-farm/koji';
import { type LoggerLike } from '@koji-farm/observability';
import { type LogChunkBatcher } from '../events/log-chunk-batcher';
import { isErrorLike } from '../tasks/errors/error-text';

/** The logs a task uploads, in the order kojid lists them. */
export type TaskLogName =
  | 'root.log'
  | 'build.log'
  | 'state.log'
  | 'hw_info.log'
  | 'installed_pkgs.log'
  | 'checkout.log'
  | 'createrepo.log'
  | 'mergerepos.log';

export interface LogUploadSettings {
  client: KojiClient;
  /** `tasks/<id % 10000>/<id>` */
  path: string;
  intervalMs: number;
  logger: LoggerLike;
}

interface OpenLog {
  file: FileHandle;
  path: string;
  /** Appends in order: each write waits for the one before. */
  tail: Promise<void>;
  uploader?: IncrementalLogUploader;
}

/**
 * The logs of one task attempt: files on the host (the source of truth, uploaded to the
 * hub while they grow, kojid's way) and `log.chunk` events through the batcher. Exec
 * output goes in through `sink`, the executor's own lines through `note`.
 */
export class TaskLogs {
  private readonly logs = new Map<TaskLogName, OpenLog>();
  private upload?: LogUploadSettings;
  private closed = false;
  private madeDir?: Promise<string | undefined>;

  constructor(
    private readonly dir: string,
    private readonly batcher: LogChunkBatcher,
  ) {}

  /** The logs written so far, by name. */
  get names(): TaskLogName[] {
    return [...this.logs.keys()];
  }

  /** Creates the directory and the given logs (empty), so they exist even if nothing is written. */
  async open(names: readonly TaskLogName[]): Promise<void> {
    for (const name of names) await this.log(name);
  }

  /** Starts uploading every log (now and any opened later) about once per interval. */
  startUploads(settings: LogUploadSettings): void {
    this.upload = settings;
    for (const [name, log] of this.logs) this.attachUploader(name, log);
  }

  /** An exec sink that appends stdout and stderr to `name`, in arrival order. */
  sink(name: TaskLogName): ExecSink {
    const write = (chunk: Buffer) => this.append(name, chunk);
    return { stdout: write, stderr: write };
  }

  /** Appends one line of the executor's own (`koji-farm: ...`) to a log. */
  note(name: TaskLogName, text: string): Promise<void> {
    return this.append(name, Buffer.from(`koji-farm: ${text}\n`));
  }

  async append(name: TaskLogName, chunk: Buffer): Promise<void> {
    if (this.closed) return;
    const log = await this.log(name);
    const copy = Buffer.from(chunk);
    this.batcher.write(name, copy);
    log.tail = log.tail.then(async () => {
      await log.file.write(copy);
    });
    await log.tail;
  }

  /**
   * The error of the latest background upload if the hub refused the session itself
   * (AuthError and kin, not a callnum hiccup): the attempt's session is dead.
   */
  sessionRefused(): Error | undefined {
    for (const log of this.logs.values()) {
      const err = log.uploader?.lastError;
      if (err instanceof AuthError && !(err instanceof RetryError) && !(err instanceof SequenceError))
        return err;
    }
    return undefined;
  }

  /** Uploads what the logs gained since the last sync, now. */
  async flushUploads(): Promise<void> {
    for (const log of this.logs.values()) {
      await log.tail;
      await log.uploader?.flush();
    }
  }

  /**
   * Final upload of every log and closing of the files. Idempotent. Rejects with the
   * first upload error after trying every log (the files are closed either way).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.batcher.close();
    let firstError: Error | undefined;
    for (const log of this.logs.values()) {
      try {
        await log.tail;
        await log.uploader?.close();
      } catch (err) {
        firstError ??= isErrorLike(err) ? err : new Error(String(err));
      }
      try {
        await log.file.close();
      } catch (err) {
        firstError ??= isErrorLike(err) ? err : new Error(String(err));
      }
    }
    if (firstError !== undefined) throw firstError;
  }

  /**
   * Stops uploads and closes files without a final upload (the task was cancelled, or
   * is not ours any more): nothing more of these logs reaches the hub.
   */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.batcher.close();
    for (const log of this.logs.values()) {
      await log.uploader?.abort().catch(() => undefined);
      await log.tail.catch(() => undefined);
      await log.file.close().catch(() => undefined);
    }
  }

  private async log(name: TaskLogName): Promise<OpenLog> {
    let log = this.logs.get(name);
    if (!log) {
      await (this.madeDir ??= mkdir(this.dir, { recursive: true }));
      const path = join(this.dir, name);
      log = { file: await open(path, 'a'), path, tail: Promise.resolve() };
      const existing = this.logs.get(name); // another caller may have opened it meanwhile
      if (existing) {
        await log.file.close();
        return existing;
      }
      this.logs.set(name, log);
      if (this.upload) this.attachUploader(name, log);
    }
    return log;
  }

  private attachUploader(name: TaskLogName, log: OpenLog): void {
    if (log.uploader || !this.upload) return;
    log.uploader = new IncrementalLogUploader(
      this.upload.client,
      log.path,
      { path: this.upload.path, name },
      { intervalMs: this.upload.intervalMs, logger: this.upload.logger.child({ log: name }) },
    );
    log.uploader.start();
  }
}
