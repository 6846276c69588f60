import { silentLogger } from '@koji-farm/observability';
import { type LeaderLease } from '../lease/leader-lease';
import { InFlightStore } from './in-flight-store';
import { type InFlightTask } from './in-flight-task';

const record: InFlightTask = {
  taskId: 5,
  method: 'buildArch',
  arch: 'x86_64',
  queue: 'koji.tasks.x86_64',
  orchestration: false,
  weight: 1.5,
  priority: 20,
  channelId: 1,
  parentId: null,
  masterSessionId: 10,
  subsessionId: 77,
  generation: 1,
  publishedAt: '2026-11-23T10:00:00.000Z',
};

describe(InFlightStore.name, () => {
  it('lets whenRecorded wait for a publication under way, then see its record', async () => {
    const lease = { assertHeld: () => undefined, value: 'v' } as unknown as LeaderLease;
    const redis = { eval: () => Promise.resolve(1) };
    const sut = new InFlightStore(redis as never, lease, silentLogger);
    let publish!: () => void;
    const published = new Promise<void>((resolve) => (publish = resolve));
    const recording = sut.recording(5, async () => {
      await published;
      await sut.put(record);
    });
    const seen = sut.whenRecorded(5);
    expect(sut.has(5)).toBe(false);
    publish();
    await expect(seen).resolves.toEqual(record);
    await recording;
    await expect(sut.whenRecorded(6)).resolves.toBeUndefined();
  });

  it('lets whenRecorded go on when the publication failed', async () => {
    const sut = new InFlightStore({} as never, {} as LeaderLease, silentLogger);
    const failing = sut.recording(5, () => Promise.reject(new Error('broker gone')));
    await expect(sut.whenRecorded(5)).resolves.toBeUndefined();
    await expect(failing).rejects.toThrow('broker gone');
  });
});
