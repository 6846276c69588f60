import { join } from 'node:path';
import { type SeedFacts } from '../farm-launcher';
import { type HubUser } from '../koji-cli/hub-user';

/** The sample package's name in the simulator's seed. */
const SAMPLE_PACKAGE = 'kf-hello';

/** The demo's outcome check found the hub not in the expected state. */
export class DemoCheckError extends Error {
  override readonly name = 'DemoCheckError';
}

/** One piece of work the demo submits, and how it checks the result on the hub. */
export interface DemoJob {
  /** `newRepo for f40-build` */
  title: string;
  submit(hub: HubUser): Promise<number>;
  /** After the task CLOSED: checks the outcome on the hub; returns lines that say what was made. */
  verify(hub: HubUser, taskId: number): Promise<string[]>;
}

export interface DemoPlan {
  jobs: DemoJob[];
  /** Why the plan is not the full one (methods the farm does not offer yet). */
  note?: string;
}

/**
 * What the demo runs on the seeded simulator: `newRepo` of the build tag, then a
 * `build` of the sample package into the target, as `koji regen-repo` and `koji build`
 * would. While the executors offer neither `build` nor `newRepo` (issue 12), a
 * `buildArch` of the sample package stands in.
 */
export function planDemo(seed: SeedFacts, hubDir: string, offered: ReadonlySet<string>): DemoPlan {
  if (offered.has('build') && offered.has('newRepo'))
    return { jobs: [newRepoJob(seed.buildTag), buildJob(seed, join(hubDir, 'work', seed.srpms.hello))] };
  return {
    jobs: [buildArchJob(seed)],
    note: 'the executors offer no `build`/`newRepo` yet (issue 12): the demo builds the sample package with one `buildArch` task instead',
  };
}

export function newRepoJob(tag: string): DemoJob {
  return {
    title: `newRepo for ${tag}`,
    submit: (hub) => hub.newRepo(tag),
    async verify(hub, taskId) {
      const [repoId] = await hub.taskResult<[number, number]>(taskId);
      if (!(await hub.repoIsReady(repoId))) throw new DemoCheckError(`repo ${repoId} of ${tag} is not READY`);
      return [`repo ${repoId} of ${tag} is READY`];
    },
  };
}

/** `koji build <target> <srpm>`: upload the SRPM, build, check the build is COMPLETE and tagged. */
export function buildJob(seed: SeedFacts, localSrpm: string): DemoJob {
  return {
    title: `build of ${SAMPLE_PACKAGE} into ${seed.target}`,
    async submit(hub) {
      const uploaded = await hub.uploadSrpm(localSrpm);
      return hub.build(uploaded, seed.target);
    },
    async verify(hub, taskId) {
      const build = await hub.taggedBuildOf(seed.destTag, SAMPLE_PACKAGE, taskId);
      if (!build) throw new DemoCheckError(`no build of task ${taskId} is tagged into ${seed.destTag}`);
      if (!hub.isComplete(build))
        throw new DemoCheckError(`build ${build.nvr} is not COMPLETE (state ${build.state})`);
      const rpms = await hub.buildRpmPaths(build);
      await requireServed(hub, rpms);
      return [`build ${build.nvr} is COMPLETE and tagged into ${seed.destTag}`, ...rpms.map((p) => `  ${p}`)];
    },
  };
}

export function buildArchJob(seed: SeedFacts, arch = 'x86_64'): DemoJob {
  return {
    title: `buildArch of ${seed.srpms.hello} (${arch})`,
    submit: (hub) =>
      hub.makeTask('buildArch', [seed.srpms.hello, seed.buildTag, arch, true, { repo_id: seed.repoId }], {
        arch,
      }),
    async verify(hub, taskId) {
      const result = await hub.taskResult<{ rpms: string[]; srpms?: string[]; logs: string[] }>(taskId);
      const files = [...result.rpms, ...(result.srpms ?? [])].map((p) => `work/${p}`);
      if (result.rpms.length === 0) throw new DemoCheckError(`task ${taskId} closed without RPMs`);
      await requireServed(hub, files);
      return [`task ${taskId} built:`, ...files.map((p) => `  ${p}`)];
    },
  };
}

async function requireServed(hub: HubUser, paths: readonly string[]): Promise<void> {
  for (const path of paths)
    if (!(await hub.served(path))) throw new DemoCheckError(`the hub does not serve ${path}`);
}
