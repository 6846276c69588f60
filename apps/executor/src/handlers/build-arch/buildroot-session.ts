import { type BuildrootPlan, type PlannedCommand } from '@koji-farm/buildroot';
import { type ContainerHandle, type ExecSink } from '@koji-farm/container';
import { type ExecutorConfig } from '../../config/executor.config';
import { isolateNetwork } from '../../containers/build-container-spec';
import { type BuildrootStateName, TaskHub } from '../../hub/task-hub';
import { isErrorLike } from '../../tasks/errors/error-text';
import { buildError, buildrootError } from '../../tasks/errors/task-failure.error';
import { type TaskContext } from '../../tasks/handler/task-context';

/**
 * One buildroot of one task on the hub and in its container: runs the plan's commands
 * with the right log, network, timeout and environment, turns a failed command into the
 * fault kojid would raise (BuildrootError while making the buildroot, BuildError for the
 * build), and moves the buildroot through its hub states with an event for each.
 */
export class BuildrootSession {
  private state: BuildrootStateName = 'INIT';

  constructor(
    private readonly ctx: TaskContext,
    private readonly config: ExecutorConfig,
    private readonly hub: TaskHub,
    readonly brootId: number,
  ) {}

  async setState(state: BuildrootStateName): Promise<void> {
    await this.hub.setBuildRootState(this.brootId, state, this.ctx.taskId);
    this.state = state;
    this.ctx.events.emit({ type: 'buildroot.state', brootId: this.brootId, state });
  }

  /** kojid expires a buildroot whose task failed; a failure to do so only gets logged. */
  async expireQuietly(): Promise<void> {
    if (this.state === 'EXPIRED') return;
    try {
      // Not bound to the task's signal: after a timeout the signal has fired already.
      await new TaskHub(this.ctx.hub).setBuildRootState(this.brootId, 'EXPIRED', this.ctx.taskId);
      this.state = 'EXPIRED';
      this.ctx.events.emit({ type: 'buildroot.state', brootId: this.brootId, state: 'EXPIRED' });
    } catch (err) {
      this.ctx.logger.warn({ err, brootId: this.brootId }, 'could not expire the buildroot of a failed task');
    }
  }

  /** One init command; its output goes to its log (and to `capture` when given). */
  async initCommand(
    container: ContainerHandle,
    plan: BuildrootPlan,
    command: PlannedCommand,
    capture?: ExecSink,
  ): Promise<void> {
    const result = await this.exec(container, plan, command, this.config.timeouts.stepMs, capture);
    if (result.exitCode === 0 && !result.timedOut) return;
    throw buildrootError(
      `Could not make buildroot ${this.brootId}: ${describe(command, result, this.config.timeouts.stepMs)}; see root.log`,
    );
  }

  async build(container: ContainerHandle, plan: BuildrootPlan): Promise<void> {
    const command = plan.buildCommand;
    const result = await this.exec(container, plan, command, this.config.timeouts.buildMs);
    if (result.exitCode === 0 && !result.timedOut) return;
    throw buildError(
      `error building package (arch ${plan.targetArch}): ${describe(command, result, this.config.timeouts.buildMs)}; see build.log`,
    );
  }

  private async exec(
    container: ContainerHandle,
    plan: BuildrootPlan,
    command: PlannedCommand,
    timeoutMs: number,
    capture?: ExecSink,
  ) {
    const logs = this.ctx.logs;
    const isolate =
      command.purpose === 'build' &&
      this.config.containers.buildNetwork === 'none' &&
      this.containerHasNetwork();
    const argv = isolate ? isolateNetwork(command.argv) : command.argv;
    await logs.note(command.log, `step "exec ${command.name}": ${argv.join(' ')}`);
    const logSink = logs.sink(command.log);
    const sink: ExecSink = capture
      ? {
          stdout: async (chunk) => {
            await capture.stdout(chunk);
            await logSink.stdout(chunk);
          },
          stderr: (chunk) => logSink.stderr(chunk),
        }
      : logSink;
    const result = await this.ctx.steps.exec(container, argv, sink, {
      name: `exec ${command.name}`,
      log: command.log,
      env: plan.environment,
      cwd: command.purpose === 'prepare' ? '/' : plan.workdir,
      timeoutMs,
    });
    if (result.aborted) {
      const reason: unknown = this.ctx.signal.reason;
      throw isErrorLike(reason) ? reason : new Error(String(reason));
    }
    await logs.note(
      command.log,
      `step "exec ${command.name}" ${result.timedOut ? 'timed out' : `exited with code ${result.exitCode}`} after ${result.durationMs} ms`,
    );
    return result;
  }

  private containerHasNetwork(): boolean {
    return this.config.containers.fetchNetwork !== 'none';
  }
}

function describe(
  command: PlannedCommand,
  result: { exitCode: number | null; timedOut: boolean },
  timeoutMs: number,
): string {
  if (result.timedOut) return `step "exec ${command.name}" timed out after ${Math.round(timeoutMs / 1000)} s`;
  return `step "exec ${command.name}" exited with code ${result.exitCode}`;
}
