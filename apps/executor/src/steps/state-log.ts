import { type StepEventDraft, type StepRunner } from './step-runner';
import { type TaskLogs } from './task-logs';

/**
 * The task's `state.log`, as mock writes one for kojid: a line when each phase and each
 * step starts and one when it finishes, with its duration and status, phases enclosing
 * their steps. Times are UTC (`2026-12-05 19:30:00,123`). Writing never fails the task:
 * a lost line is not worth a build.
 */
export class StateLog {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly logs: TaskLogs,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Writes a line for every step `steps` runs from now on. */
  follow(steps: StepRunner): () => void {
    return steps.observe((event, at) => this.onStep(event, at));
  }

  /** Runs `work` as a phase: `Start: name` before, `Finish: name (status, N ms)` after. */
  async phase<T>(name: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    this.line(this.clock(), `Start: ${name}`);
    let status = 'failed';
    try {
      const result = await work();
      status = 'ok';
      return result;
    } finally {
      this.line(this.clock(), `Finish: ${name} (${status}, ${Math.round(performance.now() - started)} ms)`);
    }
  }

  /** Resolves once every line so far is in the log. */
  flush(): Promise<void> {
    return this.tail;
  }

  private onStep(event: StepEventDraft, at: Date): void {
    const what = `${event.name} (step ${event.step})`;
    if (event.type === 'step.started') this.line(at, `Start: ${what}`);
    else this.line(at, `Finish: ${what} (${event.status}, ${event.durationMs} ms)`);
  }

  private line(at: Date, text: string): void {
    const data = Buffer.from(`${stamp(at)} - ${text}\n`);
    this.tail = this.tail.then(() => this.logs.append('state.log', data)).catch(() => undefined);
  }
}

/** mock's time format (`%Y-%m-%d %H:%M:%S,mmm`), in UTC. */
function stamp(at: Date): string {
  return at.toISOString().replace('T', ' ').replace('.', ',').replace('Z', '');
}
