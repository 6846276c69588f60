import { type BuildConfigFacts, type BuildrootRpm, type RepoFacts } from '@koji-farm/buildroot';
import {
  closeTaskOnce,
  failTaskOnce,
  repeatSafe,
  type HubCall,
  type KojiClient,
  type KojiValue,
  type Settled,
} from '@koji-farm/koji';
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

  /**
   * Safe to repeat (ADR 0037): a resend after a lost reply that fails (on a 1.35 hub the
   * second insert breaks buildroot_listing's UNIQUE key) counts as done when the hub
   * holds exactly this list.
   */
  async setBuildRootList(id: number, rpms: readonly BuildrootRpm[], taskId: number): Promise<Settled> {
    const list: KojiValue[] = rpms.map((r) => ({ ...r }));
    const outcome = await repeatSafe(
      () => this.call('host.setBuildRootList', [id, list], { task_id: taskId }),
      (err) => err.attempts > 1,
      async () => sameRpms(await this.call('getBuildrootListing', [id]), rpms),
    );
    return outcome.settled;
  }

  /**
   * `host.updateBuildRootList` with the whole root (kojid's way after the build's
   * dependencies): the hub adds what it does not list yet, so a resend is harmless.
   */
  async updateBuildRootList(id: number, rpms: readonly BuildrootRpm[], taskId: number): Promise<void> {
    const list: KojiValue[] = rpms.map((r) => ({ ...r }));
    await this.call('host.updateBuildRootList', [id, list], { task_id: taskId });
  }

  async setBuildRootState(id: number, state: BuildrootStateName, taskId?: number): Promise<void> {
    await this.call(
      'host.setBuildRootState',
      [id, state],
      taskId === undefined ? undefined : { task_id: taskId },
    );
  }

  /**
   * `host.closeTask(id, <methodResponse>)`: the result as a whole XML-RPC response
   * document. 'already' when a resend found the task CLOSED with this result (ADR 0037).
   */
  closeTask(taskId: number, result: KojiValue): Promise<Settled> {
    return closeTaskOnce(this.settling, taskId, result);
  }

  /** `host.failTask(id, <methodResponse><fault>)` with the Koji fault code and text; repeat-safe as closeTask. */
  failTask(taskId: number, faultCode: number, faultString: string): Promise<Settled> {
    return failTaskOnce(this.settling, taskId, faultCode, faultString);
  }

  /** Settling calls go out without the attempt's signal: an ended attempt still tells the hub. */
  private readonly settling: HubCall = (method, params, kwargs) => this.client.call(method, params, kwargs);

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

/** Whether a `getBuildrootListing` answer holds exactly these RPMs (by N-E:V-R.A). */
function sameRpms(listing: KojiValue, rpms: readonly BuildrootRpm[]): boolean {
  if (!Array.isArray(listing)) return false;
  const key = (r: Record<string, unknown>): string =>
    JSON.stringify([r.name, r.epoch ?? null, r.version, r.release, r.arch]);
  const theirs = listing.map((row) => key(row as Record<string, unknown>)).sort();
  const ours = rpms.map((r) => key({ ...r })).sort();
  return theirs.length === ours.length && theirs.every((k, i) => k === ours[i]);
}
