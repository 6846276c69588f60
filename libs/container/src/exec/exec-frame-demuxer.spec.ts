import { Readable } from 'node:stream';

import fc from 'fast-check';

import { demuxExecStream, type DemuxState, type ExecFrame } from './exec-frame-demuxer';

function frame(type: number, payload: string | Buffer): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

function chunks(...parts: Buffer[]): AsyncIterable<Buffer> {
  return Readable.from(parts);
}

async function collect(source: AsyncIterable<Buffer>, state?: DemuxState): Promise<ExecFrame[]> {
  const out: ExecFrame[] = [];
  for await (const f of demuxExecStream(source, state)) out.push(f);
  return out;
}

function joined(frames: ExecFrame[], stream: ExecFrame['stream']): string {
  return Buffer.concat(frames.filter((f) => f.stream === stream).map((f) => f.data)).toString();
}

describe(demuxExecStream.name, () => {
  it('separates stdout (1) and stderr (2) frames', async () => {
    const frames = await collect(chunks(Buffer.concat([frame(1, 'out'), frame(2, 'err'), frame(1, '!')])));
    expect(frames.map((f) => [f.stream, f.data.toString()])).toEqual([
      ['stdout', 'out'],
      ['stderr', 'err'],
      ['stdout', '!'],
    ]);
  });

  it('yields the part of a large frame that has arrived, without waiting for the rest', async () => {
    const whole = frame(1, 'x'.repeat(100));
    const source = chunks(whole.subarray(0, 58), whole.subarray(58));
    const iterator = demuxExecStream(source);
    const first = await iterator.next();
    expect(first.value).toEqual({ stream: 'stdout', data: Buffer.from('x'.repeat(50)) });
    expect((await iterator.next()).value).toEqual({ stream: 'stdout', data: Buffer.from('x'.repeat(50)) });
  });

  it('reassembles headers split across chunks, for any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(1, 2), fc.uint8Array({ maxLength: 40 })), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 1, maxLength: 20 }),
        async (spec, cuts) => {
          const stream = Buffer.concat(spec.map(([t, d]) => frame(t, Buffer.from(d))));
          const parts: Buffer[] = [];
          for (let i = 0, c = 0; i < stream.length; c += 1) {
            const size = cuts[c % cuts.length];
            parts.push(stream.subarray(i, i + size));
            i += size;
          }
          const state: DemuxState = { truncated: false };
          const frames = await collect(chunks(...parts), state);
          const expected = (t: number) =>
            Buffer.concat(spec.filter(([k]) => k === t).map(([, d]) => Buffer.from(d)));
          expect(Buffer.concat(frames.filter((f) => f.stream === 'stdout').map((f) => f.data))).toEqual(
            expected(1),
          );
          expect(Buffer.concat(frames.filter((f) => f.stream === 'stderr').map((f) => f.data))).toEqual(
            expected(2),
          );
          expect(state.truncated).toBe(false);
        },
      ),
    );
  });

  it('skips empty frames and treats type 0 as stdout and 3 as stderr', async () => {
    const frames = await collect(chunks(Buffer.concat([frame(1, ''), frame(0, 'in'), frame(3, 'sys')])));
    expect(joined(frames, 'stdout')).toBe('in');
    expect(joined(frames, 'stderr')).toBe('sys');
  });

  it('reports a stream cut inside a frame through its state, after yielding what arrived', async () => {
    const state: DemuxState = { truncated: false };
    const frames = await collect(chunks(frame(1, 'complete'), frame(2, 'cut short').subarray(0, 12)), state);
    expect(joined(frames, 'stdout')).toBe('complete');
    expect(joined(frames, 'stderr')).toBe('cut ');
    expect(state.truncated).toBe(true);

    const headerOnly: DemuxState = { truncated: false };
    await collect(chunks(frame(1, 'x').subarray(0, 5)), headerOnly);
    expect(headerOnly.truncated).toBe(true);
  });

  it('throws on a frame type that is not part of the format', async () => {
    await expect(collect(chunks(frame(7, 'x')))).rejects.toThrow('Malformed exec stream: frame type 7');
  });
});
