import { join, posix } from 'node:path';
import { Inject } from '@nestjs/common';
import { ContainerManager } from '@koji-farm/container';
import { DownloadError, Downloader, type KojiValue } from '@koji-farm/koji';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../../config/executor.config';
import { bindArgs, optsStruct, pyStr } from '../../orchestration/task-args';
import { buildError } from '../../tasks/errors/task-failure.error';
import { type TaskContext } from '../../tasks/handler/task-context';
import { KojiMethod, KojiTaskHandler } from '../../tasks/handler/task-handler';
import { requireRepoId, srpmBuildTag } from './srpm-build-tag';
import { SRPM_TOPDIR, SrpmBuildroot } from './srpm-buildroot';

const RESULT = '/builddir/srpm_result';

/**
 * `rebuildSRPM(srpm, build_tag, opts)` (kojid's RebuildSRPM): an uploaded SRPM rebuilt in
 * an `srpm-build` buildroot of the build tag, so that it gets the tag's dist and rpm
 * version: unpacked (`rpm -iv`), `rpmbuild -bs --nodeps --target noarch` of its one spec,
 * N-V-R checked against the file name, uploaded. Result `{srpm, logs, brootid, source}`.
 */
@KojiTaskHandler()
export class RebuildSrpmHandler {
  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(ContainerManager) private readonly containers: ContainerManager,
  ) {}

  @KojiMethod('rebuildSRPM')
  async run(task: TaskContext): Promise<KojiValue> {
    const a = bindArgs(
      { method: 'rebuildSRPM', params: ['srpm', 'build_tag', 'opts'], required: 2 },
      task.request,
    );
    const opts = optsStruct('rebuildSRPM', a.opts);
    const repoId = requireRepoId(opts);
    if (typeof a.srpm !== 'string' || a.srpm.startsWith('/') || a.srpm.split('/').includes('..'))
      throw buildError(`Invalid SRPM path: ${pyStr(a.srpm)}`);
    const { repo, buildConfig } = await srpmBuildTag(task, a.build_tag, repoId);
    const srpm = await this.download(task, a.srpm);
    const root = await SrpmBuildroot.open(task, this.config, this.containers, {
      method: 'rebuildSRPM',
      repo,
      buildConfig,
      srpm,
    });
    let failure: unknown;
    try {
      await root.run('rpm -iv', ['rpm', '--define', `_topdir ${SRPM_TOPDIR}`, '-iv', root.plan.srpmPath]);
      const specs = (
        await root.output('ls SPECS', ['sh', '-c', `ls -1 ${SRPM_TOPDIR}/SPECS/*.spec 2>/dev/null || true`])
      )
        .split('\n')
        .filter(Boolean);
      if (specs.length === 0) throw buildError('No spec file found');
      if (specs.length > 1) throw buildError(`Multiple spec files found: ${specs.join(', ')}`);
      await root.run('rpmbuild -bs', [
        'rpmbuild',
        '-bs',
        '--nodeps',
        '--target',
        'noarch',
        '--define',
        `_topdir ${SRPM_TOPDIR}`,
        '--define',
        `_srcrpmdir ${RESULT}`,
        specs[0],
      ]);
      const uploaded = await root.uploadSrpm(RESULT);
      const name = posix.basename(uploaded);
      await root.expire();
      return {
        srpm: uploaded,
        logs: root.logPaths(),
        brootid: root.brootId,
        source: { source: name, url: name },
      };
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      await root.close(failure);
    }
  }

  private async download(task: TaskContext, srpm: string): Promise<string> {
    const destination = join(task.workDir, 'srpm', posix.basename(srpm));
    try {
      await new Downloader(task.hub).downloadWork(srpm, destination, { signal: task.signal });
    } catch (err) {
      if (err instanceof DownloadError && !err.retryable)
        throw buildError(`Input SRPM file missing: ${srpm}`, err);
      throw err;
    }
    return destination;
  }
}
