import { posix } from 'node:path';
import { Inject } from '@nestjs/common';
import { ContainerManager } from '@koji-farm/container';
import { type KojiValue } from '@koji-farm/koji';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../../config/executor.config';
import { bindArgs, optsStruct, pyStr } from '../../orchestration/task-args';
import { buildError } from '../../tasks/errors/task-failure.error';
import { type TaskContext } from '../../tasks/handler/task-context';
import { KojiMethod, KojiTaskHandler } from '../../tasks/handler/task-handler';
import { requireRepoId, srpmBuildTag } from '../rebuild-srpm/srpm-build-tag';
import { SrpmBuildroot } from '../rebuild-srpm/srpm-buildroot';
import { gitCheckout, sourceWithCommit, specProblem } from './git-checkout';
import { assertScmAllowed, parseScmUrl } from './scm-url';

const SCMROOT = '/builddir/scmroot';
const RESULT = '/builddir/srpm_result';

/**
 * `buildSRPMFromSCM(url, build_tag, opts)` (kojid's BuildSRPMFromSCMTask): the URL checked
 * against ALLOWED_SCMS (kojid's allowed_scms) before anything else, then in an
 * `srpm-build` buildroot of the SCM image: git checkout (`checkout.log`), the rule's
 * sources command, the one spec file checked, `rpmbuild -bs`, N-V-R checked, uploaded.
 * Result `{srpm, logs, brootid, source: {url, source}}`, `source` the URL at the commit.
 *
 * In a clean root (BUILDROOT_MODE=clean, ADR 0079) the SCM image is the bootstrap: git runs
 * there (the root has neither git nor, for the build, the network) and checks out into the
 * root's /builddir/scmroot, as kojid checks out on the host into the chroot's scmroot;
 * the sources command (with the network), the spec checks and `rpmbuild -bs` run chrooted
 * in the root, as kojid runs them through mock.
 */
@KojiTaskHandler()
export class BuildSrpmFromScmHandler {
  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(ContainerManager) private readonly containers: ContainerManager,
  ) {}

  @KojiMethod('buildSRPMFromSCM')
  async run(task: TaskContext): Promise<KojiValue> {
    const a = bindArgs(
      { method: 'buildSRPMFromSCM', params: ['url', 'build_tag', 'opts'], required: 2 },
      task.request,
    );
    const scm = parseScmUrl(pyStr(a.url), this.config.scm.allowPassword);
    const permission = assertScmAllowed(scm, this.config.scm.allowed);
    task.logger.info({ host: scm.host, repository: scm.repository, rule: permission.rule }, 'SCM allowed');
    if (scm.scmtype !== 'GIT' && scm.scmtype !== 'GIT+SSH')
      throw buildError(
        `koji-farm checks sources out with git only, not ${scm.scmtype}: ${scm.host}:${scm.repository}`,
      );
    const opts = optsStruct('buildSRPMFromSCM', a.opts);
    const { repo, buildConfig } = await srpmBuildTag(task, a.build_tag, requireRepoId(opts));
    const root = await SrpmBuildroot.open(task, this.config, this.containers, {
      method: 'buildSRPMFromSCM',
      repo,
      buildConfig,
      image: this.config.scm.image,
    });
    let failure: unknown;
    try {
      // the checkout as the root's commands see it, and as git in the bootstrap sees it
      const inRoot = gitCheckout(scm, permission, SCMROOT);
      const checkout = gitCheckout(scm, permission, root.bootstrapPath(SCMROOT));
      const git = (argv: string[], cwd: string) =>
        root.runFetching(`git ${argv[1]}`, argv, { log: 'checkout.log', cwd, env: checkout.env });
      const fatal = async (argv: string[], cwd: string) => {
        if ((await git(argv, cwd)) !== 0)
          throw buildError(
            `Error running ${scm.scmtype} command "${argv.join(' ')}", see checkout.log for details`,
          );
      };
      await root.runFetching('mkdir', ['mkdir', '-p', root.bootstrapPath(SCMROOT)], {
        log: 'checkout.log',
        cwd: '/',
      });
      await fatal(checkout.clone, root.bootstrapPath(SCMROOT));
      let updated = true;
      for (const argv of checkout.update)
        if (updated && (await git(argv, checkout.checkoutDir)) !== 0) updated = false;
      if (!updated) await fatal(checkout.recovery, checkout.checkoutDir);
      if (checkout.common) await fatal(checkout.common, root.bootstrapPath(SCMROOT));
      const commit = (
        await root.output('git rev-parse HEAD', ['git', 'rev-parse', 'HEAD'], {
          cwd: checkout.checkoutDir,
          inBootstrap: true,
        })
      ).trim();
      // kojid's `url` is the URL as given; the hub keeps it in the build's extra, so without a password
      const source = { url: scm.shown, source: sourceWithCommit(scm, commit) };
      if (permission.sourceCmd) {
        const code = await root.runFetching(permission.sourceCmd.join(' '), permission.sourceCmd, {
          log: 'build.log',
          cwd: inRoot.sourcedir,
          inRoot: true,
        });
        if (code !== 0)
          throw buildError(
            `error retrieving sources, ${permission.sourceCmd.join(' ')} exited with code ${code}; see build.log`,
          );
      }
      const spec = await this.specFile(root, inRoot.sourcedir);
      const problem = specProblem(await root.output('cat spec', ['cat', spec]));
      if (problem) throw buildError(problem);
      await root.run('rpmbuild -bs', [
        'rpmbuild',
        '-bs',
        '--nodeps',
        '--target',
        'noarch',
        '--define',
        `_sourcedir ${inRoot.sourcedir}`,
        '--define',
        `_specdir ${posix.dirname(spec)}`,
        '--define',
        `_srcrpmdir ${RESULT}`,
        spec,
      ]);
      const srpm = await root.uploadSrpm(RESULT);
      await root.expire();
      return { srpm, logs: root.logPaths(), brootid: root.brootId, source };
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      await root.close(failure);
    }
  }

  /** kojid: the one `*.spec` (or `SPECS/*.spec`); of several, the one named after the checkout. */
  private async specFile(root: SrpmBuildroot, sourcedir: string): Promise<string> {
    const list = async (pattern: string) =>
      (await root.output('ls *.spec', ['sh', '-c', `ls -1d ${pattern} 2>/dev/null || true`]))
        .split('\n')
        .filter(Boolean);
    let specs = await list(`${sourcedir}/*.spec`);
    if (specs.length === 0) specs = await list(`${sourcedir}/SPECS/*.spec`);
    if (specs.length === 0) throw buildError('No spec file found');
    if (specs.length === 1) return specs[0];
    const base = posix.basename(sourcedir);
    const match = [`${sourcedir}/${base}.spec`, `${sourcedir}/SPECS/${base}.spec`].find((s) =>
      specs.includes(s),
    );
    if (!match)
      throw buildError(
        `Multiple spec files found but none is matching SCM checkout dir name: ${specs.join(', ')}`,
      );
    return match;
  }
}
