import { randomUUID } from 'node:crypto';
import { farmEventSchema } from '@koji-farm/contracts';
import { encodeEvent, foldArguments, STREAM_CHUNK_MAX_BYTES, streamFormOf } from './fold-arguments';

const base = {
  v: 1,
  id: randomUUID(),
  at: '2026-11-23T12:00:00.000Z',
  seq: 3,
  executorId: 'exec-1',
  taskId: 42,
  attempt: 2,
};

describe(encodeEvent.name, () => {
  it('encodes the envelope and the type-specific fields as strings, nested values as JSON', () => {
    const sut = encodeEvent(
      farmEventSchema.parse({
        ...base,
        type: 'step.started',
        step: 4,
        kind: 'exec',
        name: 'exec build',
        argv: ['rpmbuild', '-bb'],
      }),
    );
    expect(sut.header).toEqual([
      'step.started',
      base.id,
      String(Date.parse(base.at)),
      '3',
      'exec-1',
      '42',
      '2',
    ]);
    expect(sut.fields).toEqual([
      'step',
      '4',
      'kind',
      'exec',
      'name',
      'exec build',
      'argv',
      '["rpmbuild","-bb"]',
    ]);
  });

  it('writes a null exit code and a null parent as empty strings and leaves absent fields out', () => {
    const finished = encodeEvent(
      farmEventSchema.parse({
        ...base,
        type: 'step.finished',
        step: 1,
        kind: 'create',
        name: 'create',
        status: 'ok',
        exitCode: null,
        durationMs: 5,
      }),
    );
    expect(finished.fields).toEqual([
      'step',
      '1',
      'kind',
      'create',
      'name',
      'create',
      'status',
      'ok',
      'exitCode',
      '',
      'durationMs',
      '5',
    ]);
    const received = encodeEvent(
      farmEventSchema.parse({
        ...base,
        type: 'task.received',
        method: 'buildArch',
        arch: 'x86_64',
        parentId: null,
      }),
    );
    expect(received.fields).toEqual(['method', 'buildArch', 'arch', 'x86_64', 'parentId', '']);
  });

  it('takes the poller id as the source of poller events, which have no attempt', () => {
    const { executorId: _e, attempt: _a, ...poller } = base;
    const sut = encodeEvent(
      farmEventSchema.parse({
        ...poller,
        pollerId: 'poller-1',
        type: 'task.queued',
        method: 'build',
        arch: 'noarch',
        queue: 'koji.tasks.orchestrate',
        priority: 20,
        weight: 0.2,
        parentId: null,
      }),
    );
    expect(sut.header.slice(4)).toEqual(['poller-1', '42', '']);
  });

  it('puts the position and the settings before the event in the script arguments', () => {
    const encoded = encodeEvent(
      farmEventSchema.parse({ ...base, type: 'task.started', method: 'buildArch', arch: 'x86_64' }),
    );
    const settings = {
      taskTtlMs: 1,
      containerTtlMs: 2,
      executorTtlMs: 3,
      staleTtlMs: 4,
      goneMs: 5,
      logMaxBytes: 6,
      eventStreamMaxLength: 7,
    };
    const sut = foldArguments('kf:', 1000, { epoch: 'e1', offset: 17, previousOffset: 9 }, settings, [
      encoded,
      encoded,
    ]);
    expect(sut.slice(0, 12)).toEqual(['kf:', '1000', 'e1', '17', '9', '1', '2', '3', '4', '5', '6', '7']);
    const count = encoded.header.length + 1 + encoded.fields.length;
    expect(sut[12]).toBe(String(count));
    expect(sut.slice(13, 20)).toEqual(encoded.header);
    expect(JSON.parse(sut[20])).toMatchObject({ type: 'task.started', taskId: 42 });
    expect(sut).toHaveLength(12 + 2 * (count + 1));
  });
});

describe(streamFormOf.name, () => {
  const chunk = (data: string) =>
    farmEventSchema.parse({ ...base, type: 'log.chunk', log: 'build.log', offset: 0, data });

  it('keeps small chunks whole', () => {
    expect(JSON.parse(streamFormOf(chunk('hello\n')))).toMatchObject({ data: 'hello\n' });
  });

  it('cuts large chunks on a character boundary and marks them', () => {
    const data = 'a' + '€'.repeat(STREAM_CHUNK_MAX_BYTES);
    const sut = JSON.parse(streamFormOf(chunk(data)));
    expect(sut.dataTruncated).toBe(true);
    expect(Buffer.byteLength(sut.data)).toBeLessThanOrEqual(STREAM_CHUNK_MAX_BYTES);
    expect(Buffer.byteLength(sut.data)).toBeGreaterThan(STREAM_CHUNK_MAX_BYTES - 3);
    expect(sut.data).not.toContain('\uFFFD');
    expect(data.startsWith(sut.data)).toBe(true);
  });
});
