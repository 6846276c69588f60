/** One piece of an exec's output: which stream and the bytes. */
export interface ExecFrame {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

const HEADER_BYTES = 8;
const EMPTY = Buffer.alloc(0);

/** What {@link demuxExecStream} found at the end of its input. */
export interface DemuxState {
  /** True when the input ended inside a frame (a header or payload was cut short). */
  truncated: boolean;
}

/**
 * Splits the multiplexed stream of a non-TTY exec (Docker's "stream format": frames of
 * an 8-byte header `[type, 0, 0, 0, size (uint32 BE)]` and `size` bytes) into stdout and
 * stderr pieces, yielding each piece as soon as its bytes arrive: a large frame comes out
 * in several pieces, nothing waits for a whole frame or the whole output. Pieces are views
 * into the input chunks (no copy).
 *
 * Type 1 is stdout; 2 (and 3, newer Docker's "system error") is stderr; 0 (stdin echo) is
 * reported as stdout. Any other type means the stream is not what we expect: throws.
 * A stream cut inside a frame ends quietly with `state.truncated` set: the caller decides
 * (an exec whose API connection broke) from the exec's state.
 */
export async function* demuxExecStream(
  source: AsyncIterable<Buffer | string>,
  state: DemuxState = { truncated: false },
): AsyncGenerator<ExecFrame, void, undefined> {
  let header: Buffer = EMPTY;
  let remaining = 0;
  let stream: ExecFrame['stream'] = 'stdout';

  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let offset = 0;
    while (offset < chunk.length) {
      if (remaining === 0) {
        const take = chunk.subarray(offset, offset + HEADER_BYTES - header.length);
        offset += take.length;
        header = header.length === 0 ? take : Buffer.concat([header, take]);
        if (header.length < HEADER_BYTES) break;
        stream = streamOf(header[0]);
        remaining = header.readUInt32BE(4);
        header = EMPTY;
        continue;
      }
      const size = Math.min(remaining, chunk.length - offset);
      const data = chunk.subarray(offset, offset + size);
      offset += size;
      remaining -= size;
      yield { stream, data };
    }
  }
  state.truncated = header.length > 0 || remaining > 0;
}

function streamOf(type: number | undefined): ExecFrame['stream'] {
  switch (type) {
    case 0:
    case 1:
      return 'stdout';
    case 2:
    case 3:
      return 'stderr';
    default:
      throw new Error(`Malformed exec stream: frame type ${String(type)} (expected 1 or 2)`);
  }
}
