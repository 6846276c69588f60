import { type FarmEvent } from '@koji-farm/contracts';
import { silentLogger } from '@koji-farm/observability';
import { type EventDraft, type EventPublisher } from './event-publisher';
import { TaskEventStream } from './task-event-stream';

describe(TaskEventStream.name, () => {
  it('numbers events from 1 and hands them to the publisher in that order without waiting for earlier confirms', async () => {
    const handedOver: number[] = [];
    let confirmFirst!: () => void;
    const publisher = {
      publish: (draft: EventDraft) => {
        handedOver.push(draft.seq);
        if (draft.seq === 1)
          return new Promise<FarmEvent>(
            (resolve) => (confirmFirst = () => resolve(draft as unknown as FarmEvent)),
          );
        return Promise.resolve(draft as unknown as FarmEvent);
      },
    } as unknown as EventPublisher;
    const sut = new TaskEventStream(publisher, { executorId: 'e1', taskId: 9, attempt: 2 }, silentLogger);
    sut.emit({ type: 'task.started', method: 'buildArch', arch: 'x86_64' });
    sut.emit({ type: 'buildroot.state', brootId: 3, state: 'INIT' });
    sut.emit({ type: 'buildroot.state', brootId: 3, state: 'BUILDING' });
    expect(handedOver).toEqual([1, 2, 3]);
    let flushed = false;
    const flushing = sut.flush().then(() => (flushed = true));
    await Promise.resolve();
    expect(flushed).toBe(false); // the first confirm is still outstanding
    confirmFirst();
    await flushing;
    expect(sut.lastSeq).toBe(3);
  });

  it('survives a failed publish and counts it', async () => {
    const publisher = {
      publish: () => Promise.reject(new Error('broker gone')),
    } as unknown as EventPublisher;
    const sut = new TaskEventStream(publisher, { executorId: 'e1', taskId: 9, attempt: 1 }, silentLogger);
    sut.emit({ type: 'task.started', method: 'buildArch', arch: 'x86_64' });
    await expect(sut.flush()).resolves.toBeUndefined();
    expect(sut.failedPublishes).toBe(1);
  });
});
