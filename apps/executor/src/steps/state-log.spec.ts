import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ContainerManager } from '@koji-farm/container';
import { silentLogger } from '@koji-farm/observability';
import { LogChunkBatcher } from '../events/log-chunk-batcher';
import { type TaskEventStream } from '../events/task-event-stream';
import { StateLog } from './state-log';
import { StepRunner } from './step-runner';
import { TaskLogs } from './task-logs';

const handle = { id: 'b'.repeat(64), name: 'kf-1-1-x', image: 'localhost/img:1', labels: {} };

describe(StateLog.name, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kf-state-log-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes a Start and a Finish line (status, duration) for each phase and the steps inside it, in order, in UTC', async () => {
    const logs = new TaskLogs(dir, new LogChunkBatcher(() => undefined));
    const containers = {
      copyTo: () => Promise.resolve(),
      exec: () =>
        Promise.resolve({
          exitCode: 2,
          timedOut: false,
          aborted: false,
          containerKilled: false,
          durationMs: 42,
        }),
    } as unknown as ContainerManager;
    const events = { emit: () => undefined } as unknown as TaskEventStream;
    const steps = new StepRunner(containers, events, new AbortController().signal, silentLogger);
    const sut = new StateLog(logs, () => new Date('2026-12-05T19:30:00.123Z'));
    const unfollow = sut.follow(steps);

    await sut.phase('chroot init', async () => {
      await steps.copyTo(handle, Buffer.from('x'), '/x', 'repo file');
      await steps.exec(
        handle,
        ['false'],
        { stdout: () => undefined, stderr: () => undefined },
        { name: 'exec false' },
      );
    });
    await expect(sut.phase('build phase', () => Promise.reject(new Error('no rpmbuild')))).rejects.toThrow(
      'no rpmbuild',
    );
    unfollow();
    await steps.copyTo(handle, Buffer.from('x'), '/y', 'not followed');
    await sut.flush();
    await logs.close();

    const lines = (await readFile(join(dir, 'state.log'), 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - /, ''))).toEqual([
      'Start: chroot init',
      'Start: copy repo file (step 1)',
      expect.stringMatching(/^Finish: copy repo file \(step 1\) \(ok, \d+ ms\)$/),
      'Start: exec false (step 2)',
      'Finish: exec false (step 2) (failed, 42 ms)',
      expect.stringMatching(/^Finish: chroot init \(ok, \d+ ms\)$/),
      'Start: build phase',
      expect.stringMatching(/^Finish: build phase \(failed, \d+ ms\)$/),
    ]);
    expect(lines[0]).toBe('2026-12-05 19:30:00,123 - Start: chroot init');
  });
});
