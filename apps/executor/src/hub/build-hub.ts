import { type KojiStruct, type KojiValue } from '@koji-farm/koji';
import { HubCalls, kwargs } from './hub-calls';
import {
  buildListReply,
  buildReply,
  type BuildTarget,
  buildTargetReply,
  eventReply,
  packageConfigReply,
  repoReply,
  type RepoInfo,
  taggedBuildsReply,
  tagReply,
  type TagInfo,
  taskIdReply,
  taskOwnerReply,
} from './parent-schemas';

/** The calls of `build`, `chainbuild` and `tagBuild` (protocol §7): targets, tags, policy, builds. */
export class BuildHub extends HubCalls {
  async taskOwner(taskId: number): Promise<{ owner: number; channelId: number | null }> {
    const info = await this.checkedCall('getTaskInfo', taskOwnerReply, [taskId], { strict: true });
    return { owner: info.owner, channelId: info.channel_id ?? null };
  }

  async getBuildTarget(target: KojiValue, event: number | null): Promise<BuildTarget | null> {
    return this.checkedCall(
      'getBuildTarget',
      buildTargetReply,
      [target],
      kwargs({ event: event ?? undefined }),
    );
  }

  async getTag(
    tag: KojiValue,
    options: { strict?: boolean; event?: number | null } = {},
  ): Promise<TagInfo | null> {
    const reply = await this.call(
      'getTag',
      [tag],
      kwargs({ strict: options.strict, event: options.event ?? undefined }),
    );
    return reply === null ? null : this.checked('getTag', tagReply, reply);
  }

  async repoInfo(repoId: number): Promise<RepoInfo | null> {
    const reply = await this.call('repoInfo', [repoId]);
    return reply === null ? null : this.checked('repoInfo', repoReply, reply);
  }

  /** `host.assertPolicy(name, data)`: raises ActionNotAllowed when the hub's policy denies. */
  async assertPolicy(name: string, data: KojiStruct): Promise<void> {
    await this.call('host.assertPolicy', [name, data]);
  }

  async lastEvent(): Promise<number> {
    return (await this.checkedCall('getLastEvent', eventReply, [])).id;
  }

  async getPackageConfig(tag: number, pkg: string, event: number | null) {
    return this.checkedCall(
      'getPackageConfig',
      packageConfigReply,
      [tag, pkg],
      kwargs({ event: event ?? undefined }),
    );
  }

  /** Builds of `pkg` tagged in `tag` (with inheritance) at `event`. */
  async listTagged(tag: number, pkg: string, event: number | null) {
    return this.checkedCall(
      'listTagged',
      taggedBuildsReply,
      [tag],
      kwargs({ package: pkg, inherit: true, event: event ?? undefined }),
    );
  }

  async initBuild(data: KojiStruct): Promise<number> {
    return this.checkedCall('host.initBuild', taskIdReply, [data]);
  }

  async completeBuild(
    taskId: number,
    buildId: number,
    srpm: string,
    rpms: string[],
    brmap: Record<string, number>,
    logs: Record<string, string[]>,
  ): Promise<void> {
    await this.call('host.completeBuild', [taskId, buildId, srpm, rpms, brmap], { logs });
  }

  async moveBuildToScratch(taskId: number, srpm: string, rpms: string[], logs: Record<string, string[]>) {
    await this.call('host.moveBuildToScratch', [taskId, srpm, rpms], { logs });
  }

  async failBuild(taskId: number, buildId: number): Promise<void> {
    await this.call('host.failBuild', [taskId, buildId]);
  }

  async getBuild(build: KojiValue, strict = false) {
    return this.checkedCall('getBuild', buildReply, [build], kwargs({ strict: strict || undefined }));
  }

  async buildsOfTask(taskId: number) {
    return this.checkedCall('listBuilds', buildListReply, [], { taskID: taskId });
  }

  async tagBuild(taskId: number, tag: KojiValue, build: KojiValue, force: boolean, fromtag: KojiValue) {
    await this.call('host.tagBuild', [taskId, tag, build], { force, fromtag });
  }

  async tagNotification(
    success: boolean,
    tag: KojiValue,
    fromtag: KojiValue,
    build: KojiValue,
    user: number,
    ignoreSuccess: boolean,
    failure?: string,
  ): Promise<void> {
    const params: KojiValue[] = [success, tag, fromtag, build, user, ignoreSuccess];
    if (failure !== undefined) params.push(failure);
    await this.call('host.tagNotification', params);
  }
}
