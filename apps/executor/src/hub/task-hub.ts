import { type BuildConfigFacts, type BuildrootRpm, type RepoFacts } from '@koji-farm/buildroot';
import { encodeFault, encodeResponse, type KojiClient, type KojiValue } from '@koji-farm/koji';
import { type z } from 'zod';
import { HubReplyError } from './hub-reply.error';
import { brootId, buildConfigReply, buildrootRows, repoInfoReply, taskInfoReply } from './hub-schemas';

export type BuildrootStateName = 'INIT' | 'WAITING' | 'BUILDING' | 'EXPIRED';

/**
 * The hub calls of a task, on the attempt's subsession, with their replies checked.
 * One place for argument orders (protocol §4–§8) and reply shapes.
 */
export class TaskHub {
  constructor(
    readonly client: KojiClient,
    private readonly signal?: AbortSignal,
  ) {}

  async repoInfo(repoId: number): Promise<RepoFacts> {
    return this.checked('repoInfo', repoInfoReply, await this.call('repoInfo', [repoId], { strict: true }));
  }

  async getBuildConfig(tag: string | number, event: number | null | undefined): Promise<BuildConfigFacts> {
    const reply = await this.call('getBuildConfig', [tag], event == null ? undefined : { event });
    return this.checked('getBuildConfig', buildConfigReply, reply);
  }

  async getTaskInfo(taskId: number): Promise<z.infer<typeof taskInfoReply>> {
    return this.checked(
      'getTaskInfo',
      taskInfoReply,
      await this.call('getTaskInfo', [taskId], { strict: true }),
    );
  }

  /** Buildroots of `taskId` in the given states (`listBuildroots(taskID=, state=)`). */
  async buildrootsOfTask(taskId: number, states: number[]): Promise<Array<{ id: number; state: number }>> {
    const reply = await this.call('listBuildroots', [], { taskID: taskId, state: states });
    return this.checked('listBuildroots', buildrootRows, reply);
  }

  async newBuildRoot(repoId: number, arch: string, taskId: number): Promise<number> {
    return this.checked(
      'host.newBuildRoot',
      brootId,
      await this.call('host.newBuildRoot', [repoId, arch], { task_id: taskId }),
    );
  }

  async setBuildRootList(id: number, rpms: readonly BuildrootRpm[], taskId: number): Promise<void> {
    const list: KojiValue[] = rpms.map((r) => ({ ...r }));
    await this.call('host.setBuildRootList', [id, list], { task_id: taskId });
  }

  async setBuildRootState(id: number, state: BuildrootStateName, taskId?: number): Promise<void> {
    await this.call(
      'host.setBuildRootState',
      [id, state],
      taskId === undefined ? undefined : { task_id: taskId },
    );
  }

  /** `host.closeTask(id, <methodResponse>)`: the result as a whole XML-RPC response document. */
  async closeTask(taskId: number, result: KojiValue): Promise<void> {
    await this.client.call('host.closeTask', [taskId, encodeResponse(result)]);
  }

  /** `host.failTask(id, <methodResponse><fault>)` with the Koji fault code and text. */
  async failTask(taskId: number, faultCode: number, faultString: string): Promise<void> {
    await this.client.call('host.failTask', [taskId, encodeFault(faultCode, faultString)]);
  }

  private call(method: string, params: KojiValue[], kwargs?: Record<string, KojiValue>): Promise<KojiValue> {
    return this.client.call(method, params, kwargs, { signal: this.signal });
  }

  private checked<T>(method: string, schema: z.ZodType<T>, value: KojiValue): T {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new HubReplyError(method, `${issue.path.join('.') || '(value)'}: ${issue.message}`);
  }
}
