import { type FarmEvent } from '@koji-farm/contracts';
import { AmqpUnavailableError, PublishRejectedError } from '@koji-farm/messaging';
import { silentLogger } from '@koji-farm/observability';
import { EventBacklog } from './event-backlog';
import { type EventDraft, type EventPublisher } from './event-publisher';
import { TaskEventStream } from './task-event-stream';

/** A publisher whose sends resolve or fail as the test says; it records what reached the "broker". */
function fakePublisher(maxBytes = 1024 * 1024) {
  const sent: number[] = [];
  const confirmed: number[] = [];
  let fail: ((seq: number) => Error | undefined) | undefined;
  const publisher = {
    backlog: new EventBacklog(maxBytes),
    prepare: (draft: EventDraft) => draft as unknown as FarmEvent,
    send: (event: FarmEvent & { seq: number }) => {
      sent.push(event.seq);
      const err = fail?.(event.seq);
      if (err) return Promise.reject(err);
      confirmed.push(event.seq);
      return Promise.resolve();
    },
  };
  return {
    publisher: publisher as unknown as EventPublisher,
    backlog: publisher.backlog,
    sent,
    confirmed,
    failWith: (f: typeof fail) => (fail = f),
  };
}

const scope = { executorId: 'e1', taskId: 9, attempt: 1 };
const step = (n: number) => ({ type: 'step.started', step: n, name: `s${n}`, kind: 'exec' }) as never;

describe(TaskEventStream.name, () => {
  it('numbers events from 1 and hands them to the publisher in that order without waiting for earlier confirms', async () => {
    const handedOver: number[] = [];
    let confirmFirst!: () => void;
    const publisher = {
      backlog: new EventBacklog(1024),
      prepare: (draft: EventDraft) => draft as unknown as FarmEvent,
      send: (event: { seq: number }) => {
        handedOver.push(event.seq);
        if (event.seq === 1) return new Promise<void>((resolve) => (confirmFirst = resolve));
        return Promise.resolve();
      },
    } as unknown as EventPublisher;
    const sut = new TaskEventStream(publisher, { ...scope, attempt: 2 }, silentLogger);
    sut.emit({ type: 'task.started', method: 'buildArch', arch: 'x86_64' });
    sut.emit({ type: 'buildroot.state', brootId: 3, state: 'INIT' });
    sut.emit({ type: 'buildroot.state', brootId: 3, state: 'BUILDING' });
    await Promise.resolve();
    expect(handedOver).toEqual([1, 2, 3]);
    let flushed = false;
    const flushing = sut.flush().then(() => (flushed = true));
    await Promise.resolve();
    expect(flushed).toBe(false); // the first confirm is still outstanding
    confirmFirst();
    await flushing;
    expect(sut.lastSeq).toBe(3);
  });

  it('sends again, first and in order, what a lost connection left unconfirmed; events emitted meanwhile follow', async () => {
    const fake = fakePublisher();
    const sut = new TaskEventStream(fake.publisher, scope, silentLogger);
    // The connection drops once 2 is confirmed and is back 600 ms later: every send meanwhile fails.
    let down = false;
    let dropped = false;
    fake.failWith((seq) => {
      if (seq === 3 && !dropped) {
        dropped = down = true;
        setTimeout(() => (down = false), 600);
      }
      return down
        ? new AmqpUnavailableError('AMQP channel closed before the broker confirmed a publish')
        : undefined;
    });
    sut.emit(step(1));
    await sut.flush();
    sut.emit(step(2));
    sut.emit(step(3));
    sut.emit(step(4));
    sut.emit(step(5)); // in the same batch: sent, and refused too
    await Promise.resolve();
    sut.emit(step(6)); // emitted while the broker is away
    sut.emit(step(7));
    await sut.flush();
    expect(fake.confirmed).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(fake.confirmed).size).toBe(7);
    expect(sut.failedPublishes).toBe(0);
    expect(sut.republished).toBeGreaterThanOrEqual(3);
    expect(fake.backlog.bytes).toBe(0);
  });

  it('leaves log chunks out past the backlog bound, keeps every other event, and numbers without holes', async () => {
    const fake = fakePublisher(100);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const sut = new TaskEventStream(
      { ...fake.publisher, send: (e: FarmEvent) => held.then(() => fake.publisher.send(e)) } as never,
      scope,
      silentLogger,
    );
    sut.emit({ type: 'log.chunk', log: 'build.log', offset: 0, data: 'a'.repeat(80) });
    sut.emit({ type: 'log.chunk', log: 'build.log', offset: 80, data: 'b'.repeat(80) }); // over the bound
    sut.emit(step(1));
    expect(fake.backlog.bytes).toBeGreaterThan(80);
    release();
    await sut.flush();
    expect(fake.confirmed).toEqual([1, 2]);
    expect(sut.refusedLogChunks).toBe(1);
    expect(fake.backlog.refusedLogChunks).toBe(1);
    expect(fake.backlog.bytes).toBe(0);
  });

  it('gives up an event the broker keeps refusing and counts it; the rest go on', async () => {
    const fake = fakePublisher();
    fake.failWith((seq) => (seq === 2 ? new PublishRejectedError('koji.events', 'step.started') : undefined));
    const sut = new TaskEventStream(fake.publisher, scope, silentLogger);
    sut.emit(step(1));
    sut.emit(step(2));
    sut.emit(step(3));
    await sut.flush();
    expect(fake.confirmed).toEqual([1, 3]);
    expect(fake.sent.filter((s) => s === 2)).toHaveLength(5);
    expect(sut.failedPublishes).toBe(1);
  }, 20_000);
});
