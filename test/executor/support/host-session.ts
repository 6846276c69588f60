import { KojiClient, type KojiValue } from '@koji-farm/koji';
import { type TaskMessage } from '@koji-farm/contracts';
import { type HubSimulator } from '../../koji-hub-sim';

/**
 * Plays the hub-poller's part for executor tests: logs in as the build host, takes the
 * exclusive session, and for each task opens it and mints its subsession, then makes
 * the task message an executor consumes (architecture.md).
 */
export class HostSession {
  private constructor(
    private readonly sim: HubSimulator,
    readonly client: KojiClient,
    readonly hostName: string,
  ) {}

  /** `force`: take the exclusive session from a running holder (a standby poller taking over). */
  static async login(
    sim: HubSimulator,
    user = 'kf-builder',
    password = 'kf-builder',
    force = false,
  ): Promise<HostSession> {
    const client = KojiClient.create({
      hubUrl: sim.url,
      topUrl: sim.topurl,
      retry: { maxRetries: 2, intervalMs: 100 },
    });
    await client.login(user, password);
    await client.exclusiveSession(force);
    return new HostSession(sim, client, user);
  }

  /** Makes a task assigned to this host, opens it and returns its message. */
  async openTask(method: string, args: KojiValue[], arch = 'x86_64', weight = 1.5): Promise<TaskMessage> {
    const taskId = this.sim.admin.makeTask({ method, args, arch, assign: this.hostName });
    const opened = await this.client.call('host.openTask', [taskId]);
    if (opened === null) throw new Error(`host.openTask(${taskId}) returned nil`);
    const info = await this.client.call<{ request: KojiValue[] }>('getTaskInfo', [taskId], { request: true });
    const session = await this.client.mintSubsession();
    return {
      v: 1,
      taskId,
      method,
      arch,
      channelId: 1,
      priority: 20,
      weight,
      parentId: null,
      request: info.request as TaskMessage['request'],
      session,
      hub: { url: this.sim.url, topurl: this.sim.topurl },
      publishedAt: new Date().toISOString(),
    };
  }

  /** `getTaskInfo(id)` as the hub has it now. */
  taskInfo(taskId: number): Promise<{ state: number; result?: KojiValue }> {
    return this.client.call('getTaskInfo', [taskId]);
  }

  /** The task's result or fault, as `getTaskResult` returns it (a fault raises). */
  taskResult(taskId: number): Promise<KojiValue> {
    return this.client.call('getTaskResult', [taskId]);
  }

  buildroots(taskId: number): Promise<Array<{ id: number; state: number }>> {
    return this.client.call('listBuildroots', [], { taskID: taskId });
  }

  /** `getBuildrootListing(id)`: the RPMs the hub lists in a buildroot, as `name-version-release.arch`. */
  async buildrootListing(brootId: number): Promise<string[]> {
    const rows = await this.client.call<
      Array<{ name: string; version: string; release: string; arch: string }>
    >('getBuildrootListing', [brootId]);
    return rows.map((r) => `${r.name}-${r.version}-${r.release}.${r.arch}`).sort();
  }

  async close(): Promise<void> {
    try {
      await this.client.logout();
    } finally {
      await this.client.close();
    }
  }
}
