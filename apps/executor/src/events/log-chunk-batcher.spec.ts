import { LogChunkBatcher } from './log-chunk-batcher';
import { utf8Boundary } from './utf8-boundary';

interface Chunk {
  log: string;
  offset: number;
  data: string;
}

function collect(): { chunks: Chunk[]; emit: (log: string, offset: number, data: string) => void } {
  const chunks: Chunk[] = [];
  return { chunks, emit: (log, offset, data) => chunks.push({ log, offset, data }) };
}

describe(LogChunkBatcher.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('emits what arrived within 250 ms as one chunk, per log, with byte offsets', () => {
    const { chunks, emit } = collect();
    const sut = new LogChunkBatcher(emit);
    sut.write('build.log', Buffer.from('hello '));
    sut.write('build.log', Buffer.from('world\n'));
    sut.write('root.log', Buffer.from('dnf\n'));
    expect(chunks).toEqual([]);
    jest.advanceTimersByTime(250);
    expect(chunks).toEqual([
      { log: 'build.log', offset: 0, data: 'hello world\n' },
      { log: 'root.log', offset: 0, data: 'dnf\n' },
    ]);
    sut.write('build.log', Buffer.from('more'));
    jest.advanceTimersByTime(250);
    expect(chunks.at(-1)).toEqual({ log: 'build.log', offset: 12, data: 'more' });
  });

  it('emits at once when 64 KiB piled up, never a chunk above 64 KiB', () => {
    const { chunks, emit } = collect();
    const sut = new LogChunkBatcher(emit);
    const big = Buffer.alloc(150 * 1024, 'a');
    sut.write('build.log', big);
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(chunks.every((c) => Buffer.byteLength(c.data) <= 64 * 1024)).toBe(true);
    sut.close();
    expect(chunks.map((c) => c.data).join('')).toBe(big.toString());
    expect(chunks.map((c) => c.offset)).toEqual([0, 65536, 131072]);
  });

  it('never splits a UTF-8 character: its first bytes wait for the rest', () => {
    const { chunks, emit } = collect();
    const sut = new LogChunkBatcher(emit);
    const euro = Buffer.from('€'); // 3 bytes
    sut.write('build.log', Buffer.concat([Buffer.from('a'), euro.subarray(0, 2)]));
    jest.advanceTimersByTime(250);
    expect(chunks).toEqual([{ log: 'build.log', offset: 0, data: 'a' }]);
    sut.write('build.log', Buffer.concat([euro.subarray(2), Buffer.from('b')]));
    jest.advanceTimersByTime(250);
    expect(chunks[1]).toEqual({ log: 'build.log', offset: 1, data: '€b' });
  });

  it('keeps chunks of invalid UTF-8 under 64 KiB after decoding and flushes the rest on close', () => {
    const { chunks, emit } = collect();
    const sut = new LogChunkBatcher(emit);
    sut.write('build.log', Buffer.alloc(70 * 1024, 0xff));
    sut.close();
    expect(chunks.every((c) => Buffer.byteLength(c.data) <= 64 * 1024)).toBe(true);
    const total = chunks.reduce((n, c) => n + [...c.data].length, 0);
    expect(total).toBe(70 * 1024);
    sut.write('build.log', Buffer.from('ignored after close'));
    jest.advanceTimersByTime(1000);
    expect(chunks.some((c) => c.data.includes('ignored'))).toBe(false);
  });
});

describe(utf8Boundary.name, () => {
  it('cuts before an incomplete character and anywhere in ASCII', () => {
    expect(utf8Boundary(Buffer.from('abc'))).toBe(3);
    expect(utf8Boundary(Buffer.from('ab€'), 4)).toBe(2);
    expect(utf8Boundary(Buffer.from('ab€'))).toBe(5);
    expect(utf8Boundary(Buffer.from('😀').subarray(0, 3))).toBe(0);
  });
});
