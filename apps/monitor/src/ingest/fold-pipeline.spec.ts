import { randomUUID } from 'node:crypto';
import { type PinoLogger } from 'nestjs-pino';
import { farmEventSchema } from '@koji-farm/contracts';
import { type InboundMessage } from '@koji-farm/messaging';
import { MonitorMetrics } from '../metrics/monitor-metrics';
import { FoldRejectedError } from '../registry/errors/fold-rejected.error';
import { type EncodedEvent } from '../registry/fold-arguments';
import { type BatchPosition, type FoldOutcome, type RegistryWriter } from '../registry/registry-writer';
import { FoldPipeline, type PendingMessage } from './fold-pipeline';
import { FoldProgress } from './fold-progress';

/** Records what was folded and answers with scripted outcomes. */
class FakeWriter {
  readonly calls: Array<{ ids: string[]; end?: BatchPosition }> = [];
  failures = 0;
  answer: (events: readonly EncodedEvent[]) => FoldOutcome[] = (events) => events.map(() => 'folded');

  fold(events: readonly EncodedEvent[], _epoch: string, end?: BatchPosition): Promise<FoldOutcome[]> {
    this.calls.push({ ids: events.map((e) => e.header[1]), end });
    if (this.failures > 0) {
      this.failures -= 1;
      return Promise.reject(new Error('Connection is closed.'));
    }
    return Promise.resolve(this.answer(events));
  }
}

const silent = {
  warn: jest.fn(),
  error: jest.fn(),
  debug: jest.fn(),
  info: jest.fn(),
} as unknown as PinoLogger;

describe(FoldPipeline.name, () => {
  let writer: FakeWriter;
  let metrics: MonitorMetrics;
  let changed: string[];
  let acked: string[];
  let allAcked: (count: number) => Promise<void>;
  let sut: FoldPipeline;

  beforeEach(() => {
    writer = new FakeWriter();
    metrics = new MonitorMetrics();
    changed = [];
    acked = [];
    const waiters: Array<{ count: number; resolve: () => void }> = [];
    allAcked = (count) => new Promise((resolve) => waiters.push({ count, resolve }));
    const onAck = (id: string) => {
      acked.push(id);
      for (const w of waiters) if (acked.length >= w.count) w.resolve();
    };
    sut = new FoldPipeline({
      writer: writer as unknown as RegistryWriter,
      metrics,
      progress: new FoldProgress(),
      logger: silent,
      currentEpoch: () => 'epoch-1',
      currentGeneration: () => 1,
      onRegistryChanged: (reason) => {
        changed.push(reason);
        return Promise.resolve();
      },
    });
    pending = (offset, body) => {
      const id = randomUUID();
      const content = Buffer.from(
        body ??
          JSON.stringify(
            farmEventSchema.parse({
              v: 1,
              id,
              at: new Date().toISOString(),
              seq: offset + 1,
              executorId: 'exec-1',
              taskId: 5,
              attempt: 1,
              type: 'task.started',
              method: 'buildArch',
              arch: 'x86_64',
            }),
          ),
      );
      const message = {
        content,
        routingKey: 'task.started',
        ack: () => onAck(id),
      } as unknown as InboundMessage;
      return { id, message: { message, generation: 1, subscription: 1, offset, previousOffset: offset - 1 } };
    };
  });

  afterEach(async () => {
    await sut.stop();
  });

  let pending: (offset: number, body?: string) => { id: string; message: PendingMessage };

  it('folds in stream order, acks after the fold, and lets the last event of a batch move the offset', async () => {
    const messages = Array.from({ length: 600 }, (_, i) => pending(100 + i));
    for (const m of messages) sut.push(m.message);
    await allAcked(600);
    expect(writer.calls.flatMap((c) => c.ids)).toEqual(messages.map((m) => m.id));
    expect(acked).toEqual(messages.map((m) => m.id));
    const first = writer.calls[0];
    expect(first.end).toEqual({ offset: 100 + first.ids.length - 1, previousOffset: 99 });
    expect(writer.calls.at(-1)!.end?.offset).toBe(699);
  });

  it('skips what is not a valid event, counting it, and still moves the offset past it', async () => {
    sut.push(pending(1, '{not json').message);
    sut.push(pending(2, JSON.stringify({ type: 'task.exploded' })).message);
    const valid = pending(3);
    sut.push(valid.message);
    await allAcked(3);
    expect(writer.calls.flatMap((c) => c.ids)).toEqual([valid.id]);
    expect(writer.calls.at(-1)!.end?.offset).toBe(3);
    // A batch of invalid messages alone still carries its offset, or the folded offset would stall.
    expect(writer.calls.map((c) => c.end?.offset)).toContain(1);
    const text = await metrics.registry.metrics();
    expect(text).toContain('koji_farm_monitor_events_folded_total{type="task.started",result="invalid"} 2');
  });

  it('folds a batch again when Redis was unreachable, and acks nothing before it is folded', async () => {
    writer.failures = 1;
    const messages = [pending(1), pending(2)];
    for (const m of messages) sut.push(m.message);
    await allAcked(2);
    const [failed, ...later] = writer.calls;
    expect(later.map((c) => c.ids)).toContainEqual(failed.ids);
    expect(new Set(writer.calls.flatMap((c) => c.ids))).toEqual(new Set(messages.map((m) => m.id)));
  });

  it('reports a lost registry', async () => {
    writer.answer = (events) => events.map(() => 'lost');
    sut.push(pending(1).message);
    await allAcked(1);
    expect(changed).toEqual(['Redis lost the registry']);
  });

  it('counts an event Redis refused and folds the others', async () => {
    writer.answer = (events) =>
      events.map((e, i) =>
        i === 0 ? new FoldRejectedError(e.header[0], e.header[1], { cause: new Error('boom') }) : 'folded',
      );
    const messages = Array.from({ length: 5 }, (_, i) => pending(i + 1));
    for (const m of messages) sut.push(m.message);
    await allAcked(5);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/result="rejected"\} [1-5]/);
    expect(text).toMatch(/result="folded"\} [0-4]/);
  });
});
