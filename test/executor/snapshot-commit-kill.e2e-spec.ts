import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type FarmEvent } from '@koji-farm/contracts';
import { printFigure } from '../reliability/support/figure';
import { ExecutorProcess } from './support/executor-process';
import { TestFarm } from './support/test-farm';

const run = promisify(execFile);
const KEY_LABEL = 'io.koji-farm.snapshot-key';
const COMPLETE_LABEL = 'io.koji-farm.snapshot-complete';

/** The kf-rootfs build group, as `rpm -qa` in the clean root names it. */
const GROUP = ['kf-build-macros-1.0-1.noarch', 'kf-buildsys-1.0-1.noarch', 'kf-rootfs-1.0-1.x86_64'];

/**
 * Issue 11, ADR 0080: an executor process SIGKILLed while `podman commit` makes its
 * buildroot snapshot. The task goes to another executor, which never starts from a
 * half-made image, builds, and leaves one complete snapshot; the next task starts from
 * it; the reaper removes the killed process's container.
 */
describe('buildroot snapshot: executor SIGKILLed during the commit (simulator, RabbitMQ, Podman)', () => {
  let farm: TestFarm;
  let victim: ExecutorProcess | undefined;
  const repo = `localhost/kf-test-snapkill-${process.pid}`;

  beforeAll(async () => {
    farm = await TestFarm.start('exec-snapkill', { distribution: 'rootfs' });
  }, 300_000);

  afterAll(async () => {
    await victim?.stop(5000).catch(() => undefined);
    await farm?.stop();
    for (const image of await snapshotImages().catch(() => []))
      await run('podman', ['rmi', '--force', image.id]).catch(() => 0);
  }, 90_000);

  const env = {
    BUILDROOT_MODE: 'clean',
    BUILDROOT_SNAPSHOTS: 'true',
    SNAPSHOT_REPO: repo,
    SLOTS: '1',
  };

  /** Snapshot images of this run: tagged under `repo`, or untagged with this farm's namespace label. */
  async function snapshotImages(): Promise<
    Array<{ id: string; tagged: boolean; ref: string; key: string; complete: string }>
  > {
    const { stdout } = await run('podman', [
      'images',
      '--all',
      '--no-trunc',
      '--filter',
      `label=${KEY_LABEL}`,
      '--format',
      `{{.ID}}\t{{.Repository}}:{{.Tag}}\t{{index .Labels "${KEY_LABEL}"}}\t{{index .Labels "${COMPLETE_LABEL}"}}\t{{index .Labels "io.koji-farm.namespace"}}`,
    ]);
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\t'))
      .filter(([, ref, , , ns]) => ref.startsWith(`${repo}:`) || ns === farm.namespace)
      .map(([id, ref, key, complete]) => ({ id, tagged: ref.startsWith(`${repo}:`), ref, key, complete }));
  }

  const stepsOf = (taskId: number, attempt: number) =>
    farm.events
      .ofTask(taskId, attempt)
      .filter((e: FarmEvent) => e.type === 'step.started')
      .map((e) => (e as { name: string }).name);

  const snapshotOf = (taskId: number, attempt: number) =>
    farm.events.ofTask(taskId, attempt).find((e: FarmEvent) => e.type === 'buildroot.snapshot') as
      { outcome: string; ref: string } | undefined;

  it('the task is rebuilt without the half-made image, one complete snapshot stays, the next task starts from it, no container is left', async () => {
    victim = ExecutorProcess.spawn('exec-snapkill-a', farm.env('exec-snapkill-a', env));
    await farm.events.waitFor(
      (e) => e.type === 'executor.heartbeat' && e.executorId === 'exec-snapkill-a',
      60_000,
      'a heartbeat of the executor process',
    );
    const repoId = (await farm.sim.admin.createRepo({ tag: farm.seed.buildTag })).repoId;
    const message = await farm.host.openTask('buildArch', [
      farm.seed.srpms.hello,
      farm.seed.buildTag,
      'x86_64',
      false,
      { repo_id: repoId },
    ]);
    await farm.publish(message);

    const commit = await farm.events.waitFor(
      (e) => e.type === 'step.started' && e.taskId === message.taskId && e.name === 'commit snapshot',
      240_000,
      'the snapshot commit starts',
    );
    expect(commit).toMatchObject({ executorId: 'exec-snapkill-a', attempt: 1 });
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await victim.exited).signal).toBe('SIGKILL');
    // The kill came while the commit ran: no complete snapshot had been tagged yet.
    const atKill = await snapshotImages();
    expect(atKill.filter((i) => i.tagged && i.complete === 'true')).toEqual([]);
    expect(
      farm.events
        .ofTask(message.taskId, 1)
        .some((e) => e.type === 'step.finished' && e.name === 'commit snapshot'),
    ).toBe(false);

    // The delivery returns to the queue with the killed process's channel; a second executor takes it.
    const survivor = await farm.startExecutor('exec-snapkill-b', env);
    try {
      const retried = await farm.events.finished(message.taskId, 300_000, 2);
      expect({ state: retried.state, executor: retried.executorId, error: retried.error?.message }).toEqual({
        state: 'closed',
        executor: 'exec-snapkill-b',
        error: undefined,
      });
      const second = snapshotOf(message.taskId, 2);
      // Whatever Podman made of the cut commit, the second attempt started from a complete image or none.
      if (second?.outcome === 'miss') expect(stepsOf(message.taskId, 2)).toContain('commit snapshot');
      else expect(second?.outcome).toBe('hit');
      const [, broot] = await farm.host.buildroots(message.taskId);
      expect(await farm.host.buildrootListing(broot.id)).toEqual(GROUP);
      const received = farm.events.ofTask(message.taskId, 2).find((e) => e.type === 'task.received');
      printFigure(
        'snapshot-commit-kill',
        `second attempt: snapshot ${second?.outcome ?? 'none'}, received ${Date.parse(received!.at) - killedAt} ms after the kill, ran ${retried.durationMs} ms; snapshot images at the kill: ${atKill.length}`,
      );

      // One complete snapshot of the key, tagged; no untagged or incomplete image of this run left.
      const images = await snapshotImages();
      expect(images.map((i) => ({ tagged: i.tagged, complete: i.complete }))).toEqual([
        { tagged: true, complete: 'true' },
      ]);
      expect(images[0].ref).toBe(second!.ref);
      // Its root holds exactly the group.
      const { stdout } = await run('podman', [
        'run',
        '--rm',
        '--label',
        `io.koji-farm.namespace=${farm.namespace}`,
        images[0].id,
        'rpm',
        '--root',
        '/kf/root',
        '-qa',
        '--qf',
        '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\\n',
      ]);
      expect(stdout.split('\n').filter(Boolean).sort()).toEqual(GROUP);

      // The next task with the key starts from it.
      const next = await farm.host.openTask('buildArch', [
        farm.seed.srpms.needsDevdep,
        farm.seed.buildTag,
        'x86_64',
        false,
        { repo_id: repoId },
      ]);
      await farm.publish(next);
      const done = await farm.events.finished(next.taskId, 300_000);
      expect({ state: done.state, error: done.error?.message }).toEqual({
        state: 'closed',
        error: undefined,
      });
      expect(snapshotOf(next.taskId, 1)).toMatchObject({ outcome: 'hit', ref: images[0].ref });
      expect(stepsOf(next.taskId, 1)).not.toContain('exec install @build');
      const [nextBroot] = await farm.host.buildroots(next.taskId);
      expect(await farm.host.buildrootListing(nextBroot.id)).toEqual(
        [...GROUP, 'kf-devdep-1.0-1.noarch'].sort(),
      );

      // The killed process's container (the one being committed) is an orphan: the reaper removes it.
      await farm.until(
        async () => (await farm.containersOf(message.taskId)).length === 0,
        60_000,
        'no container of the killed attempt is left',
      );
    } finally {
      await survivor.stop();
    }
  }, 900_000);
});
