import {
  type ContainerHandle,
  type ContainerManager,
  type ContainerSpec,
  type CopySource,
  type ExecSink,
  type ExtractedEntry,
} from '@koji-farm/container';
import { type StepKind } from '@koji-farm/contracts';
import { type LoggerLike } from '@koji-farm/observability';
import { type TaskEventDraft, type TaskEventStream } from '../events/task-event-stream';
import { errorText, isErrorLike } from '../tasks/errors/error-text';
import { TaskCanceledError } from '../tasks/errors/task-canceled.error';

export interface ExecStepOptions {
  /** Step name, e.g. `exec install @build`. */
  name: string;
  /** The log the step writes to (for the event; the sink does the writing). */
  log?: string;
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  timeoutMs?: number;
}

export interface ExecStepResult {
  exitCode: number | null;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
}

/** A `step.started` or `step.finished` event as the runner emits it. */
export type StepEventDraft = Extract<TaskEventDraft, { type: 'step.started' | 'step.finished' }>;

/** Told of every step as it starts and finishes (e.g. the task's state.log); must not throw. */
export type StepObserver = (event: StepEventDraft, at: Date) => void;

/**
 * Runs the steps of the exec pattern (create, copy, exec, remove) through the container
 * manager, numbering them and publishing `step.started`/`step.finished` around each,
 * plus the container events. Every step checks the task's abort signal first.
 *
 * An abort (cancel, timeout, shutdown, lease lost) force-removes the containers made here
 * at once, next to stopping the running step: the container is what a cancel must get
 * rid of, and stopping the exec first (inspect, kill its process group, wait for its
 * exit) and only then removing it put several Podman round trips, slow on a busy host,
 * between the cancel and the container gone. Every abort ends with the removal anyway
 * (a container is kept only for a failed build, never for an aborted one).
 */
export class StepRunner {
  private step = 0;
  private readonly observers = new Set<StepObserver>();
  /** Containers made here and not removed yet; `removal` once an abort started removing it. */
  private readonly live = new Map<string, { handle: ContainerHandle; removal?: Promise<boolean> }>();

  constructor(
    private readonly containers: ContainerManager,
    private readonly events: TaskEventStream,
    private readonly signal: AbortSignal,
    private readonly logger: LoggerLike,
  ) {
    if (!signal.aborted) signal.addEventListener('abort', () => this.removeLiveAtOnce(), { once: true });
  }

  /** Tells `observer` of every later step; returns the function that stops that. */
  observe(observer: StepObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Creates and starts the container (one `create` step). */
  async create(spec: ContainerSpec): Promise<ContainerHandle> {
    let handle: ContainerHandle | undefined;
    await this.run('create', 'create container', undefined, async () => {
      handle = await this.containers.create(spec);
      this.live.set(handle.id, { handle });
      if (this.signal.aborted) this.removeLiveAtOnce(); // aborted while Podman created it
      this.events.emit({ type: 'container.created', containerId: handle.id, image: handle.image });
      await this.containers.start(handle);
      this.events.emit({ type: 'container.started', containerId: handle.id, image: handle.image });
    });
    return handle!;
  }

  copyTo(handle: ContainerHandle, source: CopySource, destPath: string, what: string): Promise<void> {
    return this.run('copy', `copy ${what}`, undefined, () =>
      this.containers.copyTo(handle, source, destPath),
    );
  }

  async copyFrom(
    handle: ContainerHandle,
    containerPath: string,
    hostDir: string,
    what: string,
  ): Promise<ExtractedEntry[]> {
    let entries: ExtractedEntry[] = [];
    await this.run('copy', `copy ${what}`, undefined, async () => {
      entries = await this.containers.copyFrom(handle, containerPath, hostDir);
    });
    return entries;
  }

  /**
   * Commits the container as the image `repo:tag` with `labels` (one `commit` step: a
   * buildroot snapshot, ADR 0080). Returns the new image's id.
   */
  async commit(
    handle: ContainerHandle,
    target: { repo: string; tag: string; labels: Readonly<Record<string, string>> },
  ): Promise<string> {
    let id = '';
    await this.run('commit', 'commit snapshot', undefined, async () => {
      id = await this.containers.commit(handle, target);
    });
    return id;
  }

  /**
   * Runs one command. A non-zero exit, a timeout and an abort are results (the step
   * finishes `failed`, `timeout` or `aborted`), not errors; the caller decides.
   */
  async exec(
    handle: ContainerHandle,
    argv: readonly string[],
    sink: ExecSink,
    options: ExecStepOptions,
  ): Promise<ExecStepResult> {
    this.throwIfAborted();
    const step = ++this.step;
    const started = performance.now();
    this.stepEvent({
      type: 'step.started',
      step,
      kind: 'exec',
      name: options.name,
      argv: [...argv],
      log: options.log,
    });
    try {
      const result = await this.containers.exec(handle, argv, sink, {
        env: options.env,
        cwd: options.cwd,
        timeoutMs: options.timeoutMs,
        signal: this.signal,
      });
      const status = result.timedOut
        ? 'timeout'
        : result.aborted
          ? 'aborted'
          : result.exitCode === 0
            ? 'ok'
            : 'failed';
      this.stepEvent({
        type: 'step.finished',
        step,
        kind: 'exec',
        name: options.name,
        status,
        exitCode: result.aborted || result.timedOut ? null : result.exitCode,
        durationMs: result.durationMs,
      });
      return result;
    } catch (err) {
      this.finishedWithError(step, 'exec', options.name, started, err);
      throw err;
    }
  }

  /**
   * Removes the container (force), or keeps it running for debugging (`keep`). Runs even
   * when the task was aborted: it is the cleanup.
   */
  async remove(handle: ContainerHandle, keep = false): Promise<void> {
    const removal = this.live.get(handle.id)?.removal;
    this.live.delete(handle.id);
    // Removed by the abort already: nothing is left to keep.
    const kept = keep && removal === undefined;
    const step = ++this.step;
    const started = performance.now();
    const name = kept ? 'keep container' : 'remove container';
    this.stepEvent({ type: 'step.started', step, kind: 'remove', name });
    try {
      if (!kept && !(await removal)) await this.containers.remove(handle, { force: true });
      this.events.emit({
        type: 'container.removed',
        containerId: handle.id,
        image: handle.image,
        kept,
      });
      this.stepEvent({
        type: 'step.finished',
        step,
        kind: 'remove',
        name,
        status: 'ok',
        exitCode: null,
        durationMs: elapsed(started),
      });
    } catch (err) {
      this.finishedWithError(step, 'remove', name, started, err);
      throw err;
    }
  }

  private async run(
    kind: StepKind,
    name: string,
    argv: string[] | undefined,
    work: () => Promise<void>,
  ): Promise<void> {
    this.throwIfAborted();
    const step = ++this.step;
    const started = performance.now();
    this.stepEvent({ type: 'step.started', step, kind, name, argv });
    try {
      await work();
    } catch (err) {
      this.finishedWithError(step, kind, name, started, err);
      throw err;
    }
    this.stepEvent({
      type: 'step.finished',
      step,
      kind,
      name,
      status: 'ok',
      exitCode: null,
      durationMs: elapsed(started),
    });
  }

  /** The abort's removal of every live container; failures are logged (the step's `remove` tries again). */
  private removeLiveAtOnce(): void {
    for (const entry of this.live.values()) {
      if (entry.removal) continue;
      const containerId = entry.handle.id;
      entry.removal = this.containers.remove(entry.handle, { force: true }).then(
        (removed) => {
          this.logger.info({ containerId, removed }, 'task stopped: its container removed at once');
          return true;
        },
        (err: unknown) => {
          this.logger.warn({ err, containerId }, 'task stopped: could not remove its container at once');
          return false;
        },
      );
    }
  }

  private finishedWithError(step: number, kind: StepKind, name: string, started: number, err: unknown): void {
    const message = errorText(err);
    // A step broken by the task's abort (its container removed under it) is no failure of its own.
    if (this.signal.aborted)
      this.logger.info({ err: message, step, kind, name }, 'step stopped by the abort');
    else this.logger.warn({ err, step, kind, name }, 'step failed');
    this.stepEvent({
      type: 'step.finished',
      step,
      kind,
      name,
      status: this.signal.aborted ? 'aborted' : 'failed',
      exitCode: null,
      durationMs: elapsed(started),
      error: message.slice(0, 2000),
    });
  }

  private stepEvent(draft: StepEventDraft): void {
    this.events.emit(draft);
    const at = new Date();
    for (const observer of this.observers) {
      try {
        observer(draft, at);
      } catch (err) {
        this.logger.warn({ err, step: draft.step }, 'a step observer failed');
      }
    }
  }

  private throwIfAborted(): void {
    if (!this.signal.aborted) return;
    const reason: unknown = this.signal.reason;
    throw isErrorLike(reason) ? reason : new TaskCanceledError(String(reason));
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
