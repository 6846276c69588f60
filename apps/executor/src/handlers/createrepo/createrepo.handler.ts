import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject } from '@nestjs/common';
import {
  CollectingSink,
  type ContainerHandle,
  type ContainerSpec,
  ContainerManager,
  ImageNotFoundError,
} from '@koji-farm/container';
import { FastUploader, isKojiStruct, type KojiValue } from '@koji-farm/koji';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../../config/executor.config';
import { METHOD_LABEL, NAMESPACE_LABEL, namespaceLabelValue } from '../../containers/container-labels';
import { REPO_STATE, REPO_STATE_NAMES } from '../../hub/parent-schemas';
import { RepoHub } from '../../hub/repo-hub';
import { bindArgs, pyStr } from '../../orchestration/task-args';
import { isErrorLike } from '../../tasks/errors/error-text';
import { FAULT, TaskFailureError } from '../../tasks/errors/task-failure.error';
import { type TaskContext } from '../../tasks/handler/task-context';
import { KojiMethod, KojiTaskHandler } from '../../tasks/handler/task-handler';
import { createrepoArgv, mergerepoArgv, parseMergerepoVersion, type RepoPaths } from './createrepo-commands';
import { exists, fetchOldRepodata, fetchRepoInputs } from './repo-inputs';

const OUT = '/builddir/out';
const PREMERGE = '/builddir/premerge';
const MOUNTED_KOJIDIR = '/mnt/koji';
const COPIED_KOJIDIR = '/koji';

/**
 * `createrepo(repo_id, arch, oldrepo)` (kojid's CreaterepoTask) in a container of the
 * bootstrap image: the arch's `pkglist` and the repo's `groups/comps.xml` that
 * `host.repoInit` wrote (from KOJI_DIR_MOUNT, or fetched through topurl with the
 * packages), `createrepo_c` (`--update` from the old repo's repodata), `mergerepo_c`
 * with the tag's external repos, then the repodata uploaded. Result `[uploadpath, files]`.
 */
@KojiTaskHandler()
export class CreaterepoHandler {
  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(ContainerManager) private readonly containers: ContainerManager,
  ) {}

  @KojiMethod('createrepo')
  async run(task: TaskContext): Promise<KojiValue> {
    const a = bindArgs(
      { method: 'createrepo', params: ['repo_id', 'arch', 'oldrepo'], required: 3 },
      task.request,
    );
    const arch = pyStr(a.arch);
    if (!/^[A-Za-z0-9_]{1,32}$/.test(arch)) throw generic(`Invalid arch: ${arch}`);
    const repos = new RepoHub(task.hub, task.signal);
    const repo = await repos.repoInfo(Number(a.repo_id));
    if (repo.state !== REPO_STATE.INIT)
      throw generic(`Repo ${repo.id} not in INIT state (got ${REPO_STATE_NAMES[repo.state] ?? repo.state})`);
    const repoPath = `repos/${repo.tag_name}/${repo.id}`;
    const inputs = await this.inputs(task, repoPath, arch);
    const old =
      a.oldrepo !== null && isKojiStruct(a.oldrepo) && inputs.hasPackages
        ? await this.oldRepodata(task, repos, a.oldrepo, arch)
        : null;
    const external = await repos.externalRepos(repo.tag_id, repo.create_event);
    await this.ensureImage();
    const container = await task.steps.create(this.spec(task, external.length > 0));
    try {
      if (inputs.copy)
        await task.steps.copyTo(container, inputs.copy, `${COPIED_KOJIDIR}/repos`, 'repo inputs');
      await this.runCommand(
        task,
        container,
        ['mkdir', '-p', OUT, '/builddir/tmp'],
        'createrepo.log',
        'mkdir',
      );
      const update = await this.placeOldRepodata(task, container, old);
      const paths = inputs.paths;
      await this.runCommand(
        task,
        container,
        createrepoArgv(paths, inputs.hasPackages, update),
        'createrepo.log',
        'failed to create repo',
      );
      if (external.length > 0) {
        const version = await this.mergerepoVersion(task, container);
        await this.runCommand(task, container, ['mv', OUT, PREMERGE], 'mergerepos.log', 'mv');
        await this.runCommand(task, container, ['mkdir', '-p', OUT], 'mergerepos.log', 'mkdir');
        const argv = mergerepoArgv(external, arch, { ...paths, premerge: PREMERGE }, version);
        await this.runCommand(task, container, argv, 'mergerepos.log', 'failed to merge repos', {
          TMPDIR: '/builddir/tmp',
        });
      } else if (!inputs.hasPackages) {
        const note = Buffer.from('This repo is empty because its tag has no content for this arch\n');
        await task.steps.copyTo(container, note, `${OUT}/repodata/EMPTY_REPO`, 'EMPTY_REPO');
      }
      const entries = await task.steps.copyFrom(
        container,
        `${OUT}/repodata`,
        join(task.workDir, 'result'),
        'repodata',
      );
      const files = entries
        .filter((e) => e.type === 'file')
        .map((e) => e.hostPath)
        .sort();
      const uploader = new FastUploader(task.hub);
      const names: string[] = [];
      for (const file of files) {
        const name = file.slice(file.lastIndexOf('/') + 1);
        await uploader.upload(
          file,
          { path: task.uploadPath, name },
          { overwrite: true, signal: task.signal },
        );
        names.push(name);
      }
      return [task.uploadPath, names];
    } finally {
      await task.steps.remove(container);
    }
  }

  /** The repo's inputs as paths in the container: on the KojiDir mount, or fetched and copied in. */
  private async inputs(task: TaskContext, repoPath: string, arch: string) {
    const mount = this.config.kojiDirMount;
    if (mount) {
      const archDir = join(mount, repoPath, arch);
      if (!(await exists(archDir))) throw generic(`Repo directory missing: ${archDir}`);
      const hasComps = await exists(join(mount, repoPath, 'groups', 'comps.xml'));
      const hasPackages = (await stat(join(archDir, 'pkglist'))).size > 0;
      return { paths: this.paths(MOUNTED_KOJIDIR, repoPath, arch, hasComps), hasPackages, copy: null };
    }
    const fetched = await fetchRepoInputs(
      task.hub,
      repoPath,
      arch,
      join(task.workDir, 'kojidir'),
      task.signal,
    );
    return {
      paths: this.paths(COPIED_KOJIDIR, repoPath, arch, fetched.hasComps),
      hasPackages: fetched.hasPackages,
      copy: join(fetched.tree, 'repos'),
    };
  }

  private paths(root: string, repoPath: string, arch: string, hasComps: boolean): RepoPaths {
    return {
      repodir: `${root}/${repoPath}/${arch}`,
      comps: hasComps ? `${root}/${repoPath}/groups/comps.xml` : null,
      outdir: OUT,
    };
  }

  /** The old repo's repodata: a path on the mount, a fetched host directory, or null (kojid warns and starts afresh). */
  private async oldRepodata(
    task: TaskContext,
    repos: RepoHub,
    oldrepo: Record<string, KojiValue>,
    arch: string,
  ) {
    const old = await repos.repoInfo(Number(oldrepo.id));
    const oldPath = `repos/${old.tag_name}/${old.id}`;
    const mount = this.config.kojiDirMount;
    let found: { mounted: string } | { fetched: string } | null = null;
    if (mount) {
      if (await exists(join(mount, oldPath, arch, 'repodata')))
        found = { mounted: `${MOUNTED_KOJIDIR}/${oldPath}/${arch}/repodata` };
    } else {
      const dir = await fetchOldRepodata(
        task.hub,
        oldPath,
        arch,
        join(task.workDir, 'oldrepodata'),
        task.signal,
      );
      if (dir) found = { fetched: dir };
    }
    if (!found)
      await task.logs.note('createrepo.log', `old repodata is missing: ${oldPath}/${arch}/repodata`);
    return found;
  }

  /** Copies the old repodata into OUT (without pkgorigins.gz, which a merge rewrites); true when there is some. */
  private async placeOldRepodata(
    task: TaskContext,
    container: ContainerHandle,
    old: { mounted: string } | { fetched: string } | null,
  ): Promise<boolean> {
    if (!old) return false;
    if ('fetched' in old) await task.steps.copyTo(container, old.fetched, `${OUT}/repodata`, 'old repodata');
    else
      await this.runCommand(
        task,
        container,
        ['cp', '-a', old.mounted, `${OUT}/repodata`],
        'createrepo.log',
        'cp',
      );
    await this.runCommand(
      task,
      container,
      ['rm', '-f', `${OUT}/repodata/pkgorigins.gz`],
      'createrepo.log',
      'rm',
    );
    return true;
  }

  private async mergerepoVersion(task: TaskContext, container: ContainerHandle) {
    const out = new CollectingSink(64 * 1024);
    const result = await task.steps.exec(container, ['mergerepo_c', '--version'], out, {
      name: 'exec mergerepo_c --version',
      cwd: '/builddir',
      timeoutMs: this.config.timeouts.stepMs,
    });
    this.throwIfAborted(task, result);
    const version = result.exitCode === 0 ? parseMergerepoVersion(out.stdoutText()) : null;
    if (!version) await task.logs.note('mergerepos.log', 'Unable to detect mergerepo_c version');
    return version;
  }

  /** Runs one command with its output in `log`; a failure is kojid's GenericError "`what`: ... exited with status N". */
  private async runCommand(
    task: TaskContext,
    container: ContainerHandle,
    argv: string[],
    log: 'createrepo.log' | 'mergerepos.log',
    what: string,
    env?: Record<string, string>,
  ): Promise<void> {
    await task.logs.note(log, `step "exec ${argv[0]}": ${argv.join(' ')}`);
    const result = await task.steps.exec(container, argv, task.logs.sink(log), {
      name: `exec ${argv[0]}`,
      log,
      cwd: '/builddir',
      env,
      timeoutMs: this.config.timeouts.stepMs,
    });
    this.throwIfAborted(task, result);
    if (result.timedOut) throw generic(`${what}: ${argv.join(' ')} timed out`);
    if (result.exitCode !== 0)
      throw generic(`${what}: ${argv.join(' ')} exited with status ${result.exitCode}; see ${log}`);
  }

  private throwIfAborted(task: TaskContext, result: { aborted: boolean }): void {
    if (!result.aborted) return;
    const reason: unknown = task.signal.reason;
    throw isErrorLike(reason) ? reason : new Error(String(reason));
  }

  private spec(task: TaskContext, needsNetwork: boolean): ContainerSpec {
    const c = this.config.containers;
    const mount = this.config.kojiDirMount;
    return {
      image: this.config.image.defaultImage,
      owner: { executorId: this.config.executorId, taskId: task.taskId, attempt: task.attempt },
      labels: {
        [NAMESPACE_LABEL]: namespaceLabelValue(this.config.amqp.namespace),
        [METHOD_LABEL]: 'createrepo',
      },
      argv: ['sleep', 'infinity'],
      // mergerepo_c reads the external repos from their URLs.
      network: needsNetwork ? c.fetchNetwork : 'none',
      mounts: mount ? [{ source: mount, target: MOUNTED_KOJIDIR, readOnly: true }] : undefined,
      tmpfs: c.builddirTmpfsSize
        ? { '/builddir': `rw,exec,size=${c.builddirTmpfsSize},mode=0755` }
        : undefined,
      init: true,
    };
  }

  private async ensureImage(): Promise<void> {
    try {
      await this.containers.ensureImage(this.config.image.defaultImage, this.config.image.pullPolicy);
    } catch (err) {
      if (err instanceof ImageNotFoundError) throw generic(`createrepo image unavailable: ${err.message}`);
      throw err;
    }
  }
}

function generic(message: string): TaskFailureError {
  return new TaskFailureError(FAULT.generic.code, FAULT.generic.name, message);
}
