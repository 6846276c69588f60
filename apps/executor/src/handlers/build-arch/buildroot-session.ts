import {
  type BuildrootPlan,
  type BuildrootRpm,
  buildArgv,
  installedSince,
  PackageListParseError,
  parsePackageList,
  type PlannedCommand,
  REQUIRES_ALREADY_INSTALLED,
} from '@koji-farm/buildroot';
import { CollectingSink, type ContainerHandle, type ExecSink } from '@koji-farm/container';
import { type ExecutorConfig } from '../../config/executor.config';
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

  /**
   * Makes the buildroot as kojid's BuildRoot does: the plan's init commands, then
   * `host.setBuildRootList` after the group install (in clean mode the whole root; in
   * image mode what the install added to the image), BUILDING, the BuildRequires and
   * `host.updateBuildRootList` with the whole list again. A BuildRequires no repo
   * provides fails with a BuildError naming it (mock's "No matching package to install").
   */
  async prepare(
    container: ContainerHandle,
    plan: BuildrootPlan,
    hooks: {
      afterGroup?: (rpms: readonly BuildrootRpm[]) => Promise<void>;
      /** The root's packages after the group, known without listing (a snapshot's recorded list). */
      groupRpms?: BuildrootRpm[];
    } = {},
  ): Promise<void> {
    let baseline: BuildrootRpm[] = [];
    let root: BuildrootRpm[] = [];
    let requiresChangedRoot = true;
    const groupListed = async () => {
      await this.hub.setBuildRootList(this.brootId, installedSince(baseline, root), this.ctx.taskId);
      await this.setState('BUILDING');
    };
    if (hooks.groupRpms) {
      root = hooks.groupRpms;
      await groupListed();
    }
    for (const command of plan.initCommands) {
      switch (command.purpose) {
        case 'list-baseline':
          baseline = await this.packageList(container, plan, command);
          break;
        case 'list-packages': {
          root = await this.packageList(container, plan, command);
          await hooks.afterGroup?.(root);
          await groupListed();
          break;
        }
        case 'install-requires':
          requiresChangedRoot = await this.installRequires(container, plan, command, root);
          break;
        case 'list-requires': {
          // Nothing installed: the root is the one just listed, and the hub gets it again.
          if (requiresChangedRoot) root = await this.packageList(container, plan, command);
          const installed = installedSince(baseline, root);
          await this.hub.updateBuildRootList(this.brootId, installed, this.ctx.taskId);
          break;
        }
        default:
          await this.initCommand(container, plan, command);
      }
    }
    await this.ctx.logs.append('installed_pkgs.log', Buffer.from(installedPackagesLog(root)));
  }

  private async packageList(
    container: ContainerHandle,
    plan: BuildrootPlan,
    command: PlannedCommand,
  ): Promise<BuildrootRpm[]> {
    const collected = new CollectingSink(16 * 1024 * 1024);
    await this.initCommand(container, plan, command, collected);
    try {
      return parsePackageList(collected.stdoutText());
    } catch (err) {
      if (err instanceof PackageListParseError) throw buildrootError(err.message, err);
      throw err;
    }
  }

  /**
   * Installs the BuildRequires; false when the root already had them all and nothing was
   * installed. When each is the name of a package of `root` (the list just made), nothing
   * runs: dnf would find nothing to do (the root was made from the same repo).
   */
  private async installRequires(
    container: ContainerHandle,
    plan: BuildrootPlan,
    command: PlannedCommand,
    root: readonly BuildrootRpm[],
  ): Promise<boolean> {
    const names = new Set(root.map((r) => r.name));
    if (plan.buildRequires.length > 0 && plan.buildRequires.every((r) => names.has(r))) {
      await this.ctx.logs.note(command.log, `${REQUIRES_ALREADY_INSTALLED} ${plan.buildRequires.join(' ')}`);
      return false;
    }
    const collected = new CollectingSink(1024 * 1024);
    const result = await this.exec(container, plan, command, this.config.timeouts.stepMs, collected);
    if (result.exitCode === 0 && !result.timedOut)
      return !collected.stdoutText().includes(REQUIRES_ALREADY_INSTALLED);
    const missing = missingPackages(`${collected.stdoutText()}\n${collected.stderrText()}`);
    if (missing.length > 0) {
      const text = missing.map((m) => `No matching package to install: '${m}'`).join('; ');
      await this.ctx.logs.note('root.log', text);
      throw buildError(
        `Could not install the BuildRequires of buildroot ${this.brootId}: ${text}; see root.log`,
      );
    }
    throw buildError(
      `Could not install the BuildRequires of buildroot ${this.brootId}: ${describe(command, result, this.config.timeouts.stepMs)}; see root.log`,
    );
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
    const isolateNetwork = this.config.containers.buildNetwork === 'none' && this.containerHasNetwork();
    const argv =
      command.purpose === 'build' ? buildArgv(plan, command.argv, { isolateNetwork }) : command.argv;
    await logs.note(command.log, `step "exec ${command.name}": ${argv.join(' ')}`);
    const logSink = logs.sink(command.log);
    const sink: ExecSink = capture
      ? {
          stdout: async (chunk) => {
            await capture.stdout(chunk);
            await logSink.stdout(chunk);
          },
          stderr: async (chunk) => {
            await capture.stderr(chunk);
            await logSink.stderr(chunk);
          },
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

/**
 * mock's installed_pkgs.log: every package of the root when the build starts, one line
 * each, `N-[E:]V-R.A buildtime size sigmd5`, sorted (mock's has the header's pkgid and
 * the install time in the last columns; rpm's list here gives the SIGMD5).
 */
export function installedPackagesLog(rpms: readonly BuildrootRpm[]): string {
  return rpms
    .map((r) => {
      const nevra = `${r.name}-${r.epoch === null ? '' : `${r.epoch}:`}${r.version}-${r.release}.${r.arch}`;
      return `${nevra} ${r.buildtime} ${r.size} ${r.payloadhash || '(none)'}\n`;
    })
    .sort()
    .join('');
}

/** What dnf could not find: its "No match for argument: X" lines. */
export function missingPackages(output: string): string[] {
  const found = new Set<string>();
  for (const match of output.matchAll(/^No match for argument: (.+)$/gm)) found.add(match[1].trim());
  return [...found];
}

function describe(
  command: PlannedCommand,
  result: { exitCode: number | null; timedOut: boolean },
  timeoutMs: number,
): string {
  if (result.timedOut) return `step "exec ${command.name}" timed out after ${Math.round(timeoutMs / 1000)} s`;
  return `step "exec ${command.name}" exited with code ${result.exitCode}`;
}
