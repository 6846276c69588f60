import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FarmEvent, type TaskMessage } from '@koji-farm/contracts';
import { BuildError, KojiFault } from '@koji-farm/koji';
import { TASK_STATES, BR_STATES } from '../koji-hub-sim';
import { type InProcessExecutor } from './support/in-process-executor';
import { TestFarm } from './support/test-farm';

const EXECUTOR = 'exec-build';

function stepNames(events: FarmEvent[]): string[] {
  return events
    .filter((e) => e.type === 'step.started')
    .map((e) => (e as { kind: string; name: string }).kind + ':' + (e as { name: string }).name);
}

describe('buildArch through the executor (simulator, RabbitMQ, Podman)', () => {
  let farm: TestFarm;
  let executor: InProcessExecutor;
  const messages: TaskMessage[] = [];

  beforeAll(async () => {
    farm = await TestFarm.start('exec-build');
    executor = await farm.startExecutor(EXECUTOR);
  }, 120_000);

  afterAll(async () => {
    await farm?.stop();
  }, 60_000);

  it('builds the good SRPM: RPMs and logs uploaded, CLOSED with the result, buildroot EXPIRED, container gone, every step in order', async () => {
    const message = await farm.buildArchTask(farm.seed.srpms.hello, { keepSrpm: true });
    messages.push(message);
    await farm.publish(message);
    const finished = await farm.events.finished(message.taskId);
    expect({ ...finished, error: finished.error?.message }).toMatchObject({
      state: 'closed',
      attempt: 1,
      executorId: EXECUTOR,
      error: undefined,
    });

    const info = await farm.host.taskInfo(message.taskId);
    expect(info.state).toBe(TASK_STATES.CLOSED);
    const result = (await farm.host.taskResult(message.taskId)) as {
      rpms: string[];
      srpms: string[];
      logs: string[];
      brootid: number;
    };
    const dir = `tasks/${message.taskId % 10000}/${message.taskId}`;
    expect(result.rpms).toEqual([`${dir}/kf-hello-1.0-1.kf1.x86_64.rpm`]);
    expect(result.srpms).toEqual([`${dir}/kf-hello-1.0-1.src.rpm`]);
    expect(result.logs).toEqual([
      `${dir}/build.log`,
      `${dir}/hw_info.log`,
      `${dir}/installed_pkgs.log`,
      `${dir}/root.log`,
      `${dir}/state.log`,
    ]);
    for (const path of [...result.rpms, ...result.srpms, ...result.logs]) {
      expect(existsSync(join(farm.sim.dir, 'work', path))).toBe(true);
    }
    const buildLog = readFileSync(join(farm.sim.dir, 'work', dir, 'build.log'), 'utf8');
    expect(buildLog).toContain('rpmbuild');
    expect(buildLog).toMatch(/Wrote: .*kf-hello-1\.0-1\.kf1\.x86_64\.rpm/);
    const rootLog = readFileSync(join(farm.sim.dir, 'work', dir, 'root.log'), 'utf8');
    expect(rootLog).toContain('kf-build-macros');
    expect(finished.result).toEqual(result);

    const broots = await farm.host.buildroots(message.taskId);
    expect(broots).toEqual([expect.objectContaining({ id: result.brootid, state: BR_STATES.EXPIRED })]);
    expect(await farm.containersOf(message.taskId)).toEqual([]);

    const events = farm.events.ofTask(message.taskId, 1);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(stepNames(events)).toEqual([
      'create:create container',
      'exec:exec hw_info',
      'copy:copy repo file',
      'copy:copy macros file',
      'exec:exec mkdir /builddir',
      'exec:exec list image packages',
      'exec:exec install @build',
      'exec:exec list installed packages',
      // kf-hello's BuildRequires (kf-build-macros) is in the group: nothing runs for it
      'copy:copy SRPM',
      'exec:exec rpmbuild --rebuild',
      'copy:copy results',
      'remove:remove container',
    ]);
    const finishedSteps = events.filter((e) => e.type === 'step.finished');
    expect(finishedSteps.every((e) => e.type === 'step.finished' && e.status === 'ok')).toBe(true);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('task.received');
    expect(types.at(-1)).toBe('task.finished');
    expect(types).toEqual(
      expect.arrayContaining([
        'task.started',
        'container.created',
        'container.started',
        'container.removed',
        'log.chunk',
      ]),
    );
    const states = events
      .filter((e) => e.type === 'buildroot.state')
      .map((e) => (e as { state: string }).state);
    expect(states).toEqual(['INIT', 'BUILDING', 'EXPIRED']);

    // hw_info.log: Podman and the image from the host, the rest from inside the container
    const podman = await farm.containers.version();
    const imageRef = executor.config.image.defaultImage;
    const image = await farm.containers.ensureImage(imageRef, 'never');
    const hwInfo = readFileSync(join(farm.sim.dir, 'work', dir, 'hw_info.log'), 'utf8');
    expect(hwInfo).toContain(`Podman: ${podman.version} (API ${podman.apiVersion}`);
    expect(hwInfo).toContain(`Image: ${imageRef} (${image.id})`);
    expect(hwInfo).toMatch(/CPU info:\n(.*\n)*Architecture: +x86_64/);
    expect(hwInfo).toMatch(/Memory:\n +total +used/);
    expect(hwInfo).toMatch(/Storage:\nFilesystem +Size +Used/);
    expect(hwInfo).toMatch(/Kernel:\nLinux /);

    // state.log: every step and phase with its start, then its finish with status and duration, in order
    const stateLog = readFileSync(join(farm.sim.dir, 'work', dir, 'state.log'), 'utf8')
      .trimEnd()
      .split('\n');
    const line =
      /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) - (Start|Finish): (.+?)(?: \((ok|failed|timeout|aborted), (\d+) ms\))?$/;
    const parsed = stateLog.map((text) => {
      const m = line.exec(text);
      if (!m) throw new Error(`state.log line not understood: ${text}`);
      return {
        at: Date.parse(m[1].replace(' ', 'T').replace(',', '.') + 'Z'),
        what: m[2],
        name: m[3],
        status: m[4],
      };
    });
    const stamps = parsed.map((p) => p.at);
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    const starts = parsed.filter((p) => p.what === 'Start').map((p) => p.name);
    const steps = stepNames(events).map((name, i) => `${name.slice(name.indexOf(':') + 1)} (step ${i + 1})`);
    expect(steps).toHaveLength(12);
    expect(starts).toEqual([
      'download SRPM',
      'chroot init',
      ...steps.slice(0, 9),
      'build phase',
      steps[9],
      steps[10],
      'upload results',
      steps[11],
    ]);
    const finishes = parsed.filter((p) => p.what === 'Finish');
    expect(finishes.map((p) => p.name).sort()).toEqual([...starts].sort());
    expect(finishes.every((p) => p.status === 'ok')).toBe(true);
  }, 180_000);

  it('fails the broken SRPM with a BuildError naming the step and exit code, build.log uploaded with the failure', async () => {
    const message = await farm.buildArchTask(farm.seed.srpms.broken, { keepSrpm: false });
    messages.push(message);
    await farm.publish(message);
    const finished = await farm.events.finished(message.taskId);
    expect(finished).toMatchObject({ state: 'failed', error: { faultCode: 1005, name: 'BuildError' } });
    expect((await farm.host.taskInfo(message.taskId)).state).toBe(TASK_STATES.FAILED);

    const fault = await farm.host.taskResult(message.taskId).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(fault).toBeInstanceOf(BuildError);
    expect((fault as KojiFault).faultString).toMatch(
      /error building package \(arch x86_64\): step "exec rpmbuild --rebuild" exited with code 1/,
    );

    const dir = join(farm.sim.dir, 'work', `tasks/${message.taskId % 10000}/${message.taskId}`);
    const buildLog = readFileSync(join(dir, 'build.log'), 'utf8');
    expect(buildLog).toContain('kf-broken: this package fails in %build on purpose');
    expect(buildLog).toContain('exited with code 1');
    expect(existsSync(join(dir, 'root.log'))).toBe(true);

    const broots = await farm.host.buildroots(message.taskId);
    expect(broots.map((b) => b.state)).toEqual([BR_STATES.EXPIRED]);
    expect(await farm.containersOf(message.taskId)).toEqual([]);
    const events = farm.events.ofTask(message.taskId, 1);
    const build = events.find((e) => e.type === 'step.finished' && e.name === 'exec rpmbuild --rebuild');
    expect(build).toMatchObject({ status: 'failed', exitCode: 1 });
    const chunks = events
      .filter((e) => e.type === 'log.chunk' && e.log === 'build.log')
      .map((e) => (e as { data: string }).data);
    expect(chunks.join('')).toContain('kf-broken: this package fails in %build on purpose');
  }, 180_000);

  it('never puts a session key in a log line or an event', () => {
    expect(messages.length).toBeGreaterThanOrEqual(2);
    const logs = executor.logLines.join('\n');
    const events = farm.events.raw.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThan(0);
    for (const message of messages) {
      expect(logs).not.toContain(message.session.key);
      expect(events).not.toContain(message.session.key);
    }
    expect(logs).not.toMatch(/session-?key"\s*:\s*"(?!\[redacted\])/i);
  });
});
