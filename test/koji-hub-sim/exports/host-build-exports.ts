import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';
import { moveAndSymlink } from '../builds/build-service';
import { BUILD_STATES, BUILD_STATE_NAMES } from '../db/states';
import { GenericError } from '../errors/koji-errors';
import type { HubServices } from '../hub-services';
import { convertValue } from '../python/py-convert';
import { pyStr } from '../python/py-format';
import type { CallContext } from '../rpc/call-context';
import type { MethodRegistry } from '../rpc/method-registry';
import { verifiedHost } from './host-identity';

/** HostExports for builds, buildroots, repos and policy (protocol §7). */
export function registerHostBuildExports(r: MethodRegistry, s: HubServices): void {
  const { db, tasks, builds, buildroots, repos, policy } = s;
  const H = (sig: string): string => `HostExports.${sig}`;
  /** Verifies the host and that it holds task `raw` open. */
  const ownTask = (c: CallContext, raw: KojiValue): number => {
    const host = verifiedHost(c);
    const id = tasks.taskId(raw);
    tasks.assertHost(id, host);
    return id;
  };

  r.add('host.initBuild', H('initBuild(self, data)'), (c, { a }) => {
    const data = convertValue(a.data, 'dict') as KojiStruct;
    const taskId = ownTask(c, data.task_id);
    return builds.newBuild({ ...data, task_id: taskId }, tasks.row(taskId).owner, BUILD_STATES.BUILDING);
  });
  r.add(
    'host.completeBuild',
    H('completeBuild(self, task_id, build_id, srpm, rpms, brmap=None, logs=None)'),
    (c, { a }) => {
      const taskId = ownTask(c, a.task_id);
      const brmap = convertValue(a.brmap ?? {}, 'dict', { checkOnly: true }) as KojiStruct;
      convertValue(a.srpm, 'str', { checkOnly: true });
      convertValue(a.rpms, 'list', { checkOnly: true });
      return builds.importBuild(
        a.srpm as string,
        (a.rpms as KojiValue[]).map((x) => pyStr(x)),
        brmap,
        taskId,
        convertValue(a.build_id, 'int'),
        a.logs as KojiStruct | null,
      );
    },
  );
  r.add('host.failBuild', H('failBuild(self, task_id, build_id)'), (c, { a }) => {
    ownTask(c, a.task_id);
    const b = builds.findBuild(a.build_id);
    if (!b) throw new GenericError(`No such build: ${pyStr(a.build_id)}`);
    if (b.state !== BUILD_STATES.BUILDING)
      throw new GenericError(`cannot update build ${b.id}, state: ${BUILD_STATE_NAMES[b.state]}`);
    db.builds.update(b.id, { state: BUILD_STATES.FAILED, completion_time: db.now() });
  });
  r.add(
    'host.moveBuildToScratch',
    H('moveBuildToScratch(self, task_id, srpm, rpms, logs=None)'),
    (c, { a }) => {
      const taskId = ownTask(c, a.task_id);
      const work = s.dir.work();
      const files = [pyStr(a.srpm), ...convertValue(a.rpms, 'list').map((x) => pyStr(x))];
      for (const rel of files)
        if (!existsSync(join(work, rel))) throw new GenericError(`No such file: ${join(work, rel)}`);
      const user = db.users.get(tasks.row(taskId).owner)!.name;
      const dir = join(s.dir.scratch(), user, `task_${taskId}`);
      for (const rel of files) moveAndSymlink(join(work, rel), join(dir, basename(rel)));
      for (const [key, list] of Object.entries((a.logs ?? {}) as KojiStruct)) {
        const logdir = key ? join(dir, 'logs', key) : join(dir, 'logs');
        for (const rel of (list ?? []) as KojiValue[])
          moveAndSymlink(join(work, pyStr(rel)), join(logdir, basename(pyStr(rel))));
      }
    },
  );
  r.add('host.tagBuild', H('tagBuild(self, task_id, tag, build, force=False, fromtag=None)'), (c, { a }) => {
    const taskId = ownTask(c, a.task_id);
    builds.tagBuild(a.tag, a.build, tasks.row(taskId).owner);
  });

  r.add('host.checkPolicy', H("checkPolicy(self, name, data, default='deny', strict=False)"), (c, { a }) => {
    verifiedHost(c);
    return policy.check(pyStr(a.name), a.data as KojiStruct, c.session, pyStr(a.default), Boolean(a.strict));
  });
  r.add('host.assertPolicy', H("assertPolicy(self, name, data, default='deny')"), (c, { a }) => {
    verifiedHost(c);
    policy.check(pyStr(a.name), a.data as KojiStruct, c.session, pyStr(a.default), true);
  });
  r.add('host.evalPolicy', H('evalPolicy(self, name, data)'), (c, { a }) => {
    verifiedHost(c);
    return policy.evaluate(pyStr(a.name), a.data as KojiStruct, c.session);
  });

  r.add('host.newBuildRoot', H('newBuildRoot(self, repo, arch, task_id=None)'), (c, { a }) => {
    const host = verifiedHost(c);
    const taskId = a.task_id === null ? null : tasks.taskId(a.task_id);
    if (taskId !== null) tasks.assertHost(taskId, host);
    return buildroots.create(host, a.repo, a.arch, taskId);
  });
  const brCall = (c: CallContext, a: Record<string, KojiValue>) => {
    const host = verifiedHost(c);
    const taskId = a.task_id === null ? null : tasks.taskId(a.task_id);
    if (taskId !== null) tasks.assertHost(taskId, host);
    const br = buildroots.load(a.brootid);
    buildroots.assertHost(br, host);
    if (taskId !== null) buildroots.assertTask(br, taskId);
    return br;
  };
  r.add('host.setBuildRootState', H('setBuildRootState(self, brootid, state, task_id=None)'), (c, { a }) => {
    buildroots.setState(brCall(c, a), a.state);
  });
  r.add('host.setBuildRootList', H('setBuildRootList(self, brootid, rpmlist, task_id=None)'), (c, { a }) => {
    buildroots.setList(brCall(c, a), a.rpmlist, false);
  });
  r.add(
    'host.updateBuildRootList',
    H('updateBuildRootList(self, brootid, rpmlist, task_id=None)'),
    (c, { a }) => {
      buildroots.setList(brCall(c, a), a.rpmlist, true);
    },
  );

  r.add('host.repoInit', H('repoInit(self, tag, task_id=None, event=None, opts=None)'), (c, { a }) => {
    verifiedHost(c);
    const taskId = convertValue(a.task_id, 'int', { noneAllowed: true });
    convertValue(a.event, 'int', { noneAllowed: true });
    return repos.repoInit(a.tag, taskId, a.opts);
  });
  r.add(
    'host.repoDone',
    H('repoDone(self, repo_id, data, expire=False, repo_json_updates=None)'),
    (c, { a }) => {
      verifiedHost(c);
      repos.repoDone(a.repo_id, a.data);
    },
  );
}
