import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type FarmEvent } from '@koji-farm/contracts';
import { TestFarm } from './support/test-farm';

const run = promisify(execFile);
const KEY_LABEL = 'io.koji-farm.snapshot-key';

/**
 * Buildroot snapshots (issue 11, ADR 0080): a clean root is committed as an image after
 * its group install; the next task with the same key starts from it. Each test makes
 * its own repos (new keys); the snapshots live under a repository of this run only.
 */
describe('buildroot snapshots (simulator, RabbitMQ, Podman)', () => {
  let farm: TestFarm;
  const repo = `localhost/kf-test-snapshot-${process.pid}`;

  beforeAll(async () => {
    farm = await TestFarm.start('exec-snap', { distribution: 'rootfs' });
  }, 300_000);

  afterAll(async () => {
    await farm?.stop();
    for (const image of await snapshotImages())
      await run('podman', ['rmi', '--force', image.id]).catch(() => 0);
  }, 60_000);

  const env = (overrides: Record<string, string> = {}) => ({
    BUILDROOT_MODE: 'clean',
    BUILDROOT_SNAPSHOTS: 'true',
    SNAPSHOT_REPO: repo,
    SLOTS: '1',
    ...overrides,
  });

  /** This run's snapshot images: tagged under `repo`, or untagged with this farm's namespace label. */
  async function snapshotImages(): Promise<
    Array<{ id: string; tags: string[]; key: string; complete: string }>
  > {
    const { stdout } = await run('podman', [
      'images',
      '--all',
      '--filter',
      `label=${KEY_LABEL}`,
      '--format',
      '{{.ID}}\t{{.Repository}}:{{.Tag}}\t{{index .Labels "io.koji-farm.snapshot-key"}}\t{{index .Labels "io.koji-farm.snapshot-complete"}}\t{{index .Labels "io.koji-farm.namespace"}}',
    ]);
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\t'))
      .filter(([, tag, , , ns]) => tag.startsWith(`${repo}:`) || ns === farm.namespace)
      .map(([id, tag, key, complete]) => ({
        id,
        tags: tag.startsWith(`${repo}:`) ? [tag] : [],
        key,
        complete,
      }));
  }

  const rootLog = (taskId: number) =>
    readFileSync(join(farm.sim.dir, 'work', `tasks/${taskId % 10000}/${taskId}`, 'root.log'), 'utf8');

  async function newRepo(): Promise<number> {
    return (await farm.sim.admin.createRepo({ tag: farm.seed.buildTag })).repoId;
  }

  /** Publishes a buildArch of `srpm` on `repoId` and waits for it; returns its task id and root.log. */
  async function build(
    srpm: string,
    repoId: number,
  ): Promise<{ taskId: number; log: string; steps: string[]; snapshot?: string }> {
    const message = await farm.host.openTask('buildArch', [
      srpm,
      farm.seed.buildTag,
      'x86_64',
      false,
      { repo_id: repoId },
    ]);
    await farm.publish(message);
    const finished = await farm.events.finished(message.taskId);
    expect({ state: finished.state, error: finished.error?.message }).toEqual({
      state: 'closed',
      error: undefined,
    });
    const steps = farm.events
      .ofTask(message.taskId, 1)
      .filter((e: FarmEvent) => e.type === 'step.started')
      .map((e) => (e as { name: string }).name);
    const snapshot = farm.events
      .ofTask(message.taskId, 1)
      .find((e: FarmEvent) => e.type === 'buildroot.snapshot') as { outcome: string } | undefined;
    return { taskId: message.taskId, log: rootLog(message.taskId), steps, snapshot: snapshot?.outcome };
  }

  it('the second build with the same key starts from the snapshot and installs only its BuildRequires; a new repo misses', async () => {
    const executor = await farm.startExecutor('exec-snap-1', env());
    try {
      const repoId = await newRepo();
      const first = await build(farm.seed.srpms.hello, repoId);
      expect(first.log).toContain(`snapshot miss: the root is kept as ${repo}:`);
      expect(first.log).toMatch(/snapshot .* committed/);
      expect(first.steps).toContain('exec install @build');
      expect(first.snapshot).toBe('miss');
      const images = await snapshotImages();
      expect(images).toHaveLength(1);
      expect(images[0].complete).toBe('true');

      const second = await build(farm.seed.srpms.needsDevdep, repoId);
      expect(second.log).toContain(`snapshot hit: the root starts from ${images[0].tags[0]}`);
      expect(second.steps).not.toContain('exec install @build');
      expect(second.snapshot).toBe('hit');
      expect(second.steps).toContain('exec install BuildRequires');
      const [broot] = await farm.host.buildroots(second.taskId);
      expect(await farm.host.buildrootListing(broot.id)).toEqual([
        'kf-build-macros-1.0-1.noarch',
        'kf-buildsys-1.0-1.noarch',
        'kf-devdep-1.0-1.noarch',
        'kf-rootfs-1.0-1.x86_64',
      ]);

      // A hit whose BuildRequires the snapshot already holds (kf-hello's kf-build-macros): no
      // repo or macros copy, no mkdir, no list (recorded at the commit), no dnf, no second
      // list; the hub still gets both lists.
      const warm = await build(farm.seed.srpms.hello, repoId);
      expect(warm.snapshot).toBe('hit');
      expect(warm.log).toMatch(/snapshot hit: .*its 3 packages as listed before its commit/);
      expect(warm.steps).toEqual([
        'create container',
        'exec hw_info',
        'copy SRPM',
        'exec rpmbuild --rebuild',
        'copy results',
        'remove container',
      ]);
      expect(warm.log).toContain('kf: every BuildRequires is already installed: kf-build-macros');
      const [warmBroot] = await farm.host.buildroots(warm.taskId);
      expect(await farm.host.buildrootListing(warmBroot.id)).toEqual([
        'kf-build-macros-1.0-1.noarch',
        'kf-buildsys-1.0-1.noarch',
        'kf-rootfs-1.0-1.x86_64',
      ]);

      const regenerated = await newRepo();
      const third = await build(farm.seed.srpms.hello, regenerated);
      expect(third.log).toContain('snapshot miss');
      expect(await snapshotImages()).toHaveLength(2);
    } finally {
      await executor.stop();
    }
  }, 600_000);

  it('keeps at most SNAPSHOT_MAX_COUNT snapshots, dropping the least recently used', async () => {
    const executor = await farm.startExecutor('exec-snap-2', env({ SNAPSHOT_MAX_COUNT: '1' }));
    try {
      const before = (await snapshotImages()).map((i) => i.id);
      const third = await build(farm.seed.srpms.hello, await newRepo());
      expect(third.log).toContain('snapshot miss');
      const after = await snapshotImages();
      expect(after).toHaveLength(1);
      expect(before).not.toContain(after[0].id);
    } finally {
      await executor.stop();
    }
  }, 600_000);

  it('two executors committing the same key at once end with one snapshot and no error', async () => {
    const a = await farm.startExecutor('exec-snap-3', env());
    const b = await farm.startExecutor('exec-snap-4', env());
    try {
      const repoId = await newRepo();
      const [one, two] = await Promise.all([
        build(farm.seed.srpms.hello, repoId),
        build(farm.seed.srpms.needsDevdep, repoId),
      ]);
      const executors = [one, two].map(
        (r) => farm.events.ofTask(r.taskId).find((e) => e.type === 'task.finished')?.executorId,
      );
      expect(new Set(executors).size).toBe(2);
      expect(one.log).toContain('snapshot miss');
      expect(two.log).toContain('snapshot miss');
      const images = await snapshotImages();
      const keys = images.map((i) => i.key);
      expect(new Set(keys).size).toBe(keys.length);
      expect(images.every((i) => i.tags.length === 1)).toBe(true);
    } finally {
      await a.stop();
      await b.stop();
    }
  }, 600_000);

  it('never starts from an image under the snapshot tag that lacks the complete label (a half-made snapshot)', async () => {
    const executor = await farm.startExecutor('exec-snap-5', env());
    try {
      const repoId = await newRepo();
      const first = await build(farm.seed.srpms.hello, repoId);
      const ref = /snapshot miss: the root is kept as (\S+)/.exec(first.log)![1];
      // Put an image without the complete label under the snapshot's tag: a commit that was cut short.
      await run('podman', ['rmi', '--force', ref]);
      const { stdout } = await run('podman', [
        'create',
        '--label',
        `${KEY_LABEL}=stale`,
        '--label',
        `io.koji-farm.namespace=${farm.namespace}`,
        '--label',
        'io.koji-farm.test=true',
        'localhost/koji-farm-buildroot:bookworm',
        'true',
      ]);
      await run('podman', ['commit', '--quiet', stdout.trim(), ref]);
      await run('podman', ['rm', '--force', stdout.trim()]);
      const second = await build(farm.seed.srpms.hello, repoId);
      expect(second.log).toContain('snapshot miss');
      expect(second.steps).toContain('exec install @build');
    } finally {
      await executor.stop();
    }
  }, 600_000);

  it('snapshots off: every clean root installs its group and nothing is committed', async () => {
    const executor = await farm.startExecutor('exec-snap-6', env({ BUILDROOT_SNAPSHOTS: 'false' }));
    try {
      const before = await snapshotImages();
      const result = await build(farm.seed.srpms.hello, await newRepo());
      expect(result.log).not.toContain('snapshot');
      expect(result.snapshot).toBeUndefined();
      expect(result.steps).toContain('exec install @build');
      expect(await snapshotImages()).toEqual(before);
    } finally {
      await executor.stop();
    }
  }, 600_000);
});
