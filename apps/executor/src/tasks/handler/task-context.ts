import { type KojiClient, type KojiValue } from '@koji-farm/koji';
import { type LoggerLike } from '@koji-farm/observability';
import { type TaskEventStream } from '../../events/task-event-stream';
import { type StepRunner } from '../../steps/step-runner';
import { type TaskLogs } from '../../steps/task-logs';

/**
 * What a task handler gets for one attempt of one task. The task message's session key
 * is deliberately not here: handlers talk to the hub through `hub`, the attempt's own
 * subsession.
 */
export interface TaskContext {
  readonly taskId: number;
  readonly attempt: number;
  readonly method: string;
  readonly arch: string;
  readonly parentId: number | null;
  /** The task's decoded arguments, as the hub gave them. */
  readonly request: readonly KojiValue[];
  /** The hub client on this attempt's subsession. */
  readonly hub: KojiClient;
  readonly topurl: string;
  /** Aborts on cancel, shutdown and the task timeout; `signal.reason` is the error. */
  readonly signal: AbortSignal;
  readonly logger: LoggerLike;
  readonly events: TaskEventStream;
  readonly steps: StepRunner;
  readonly logs: TaskLogs;
  /** A host directory of this attempt for downloads and results; removed afterwards. */
  readonly workDir: string;
  /** Where the task's files go on the hub: `tasks/<id % 10000>/<id>`. */
  readonly uploadPath: string;
}
