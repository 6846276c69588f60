import type { ExecSink } from './exec-sink';

/** The default cap of a {@link CollectingSink}: enough for `rpm -qa` or `uname`, not for a build log. */
export const DEFAULT_COLLECT_LIMIT_BYTES = 1024 * 1024;

/**
 * A sink that keeps output in memory, for small commands whose output the caller parses.
 * Keeps at most `limitBytes` per stream; the rest is counted but dropped (see `truncated`).
 * Build logs belong in a streaming sink, not here.
 */
export class CollectingSink implements ExecSink {
  private readonly out: Buffer[] = [];
  private readonly err: Buffer[] = [];
  private outKept = 0;
  private errKept = 0;
  /** Bytes received per stream, kept or not. */
  stdoutBytes = 0;
  stderrBytes = 0;

  constructor(private readonly limitBytes = DEFAULT_COLLECT_LIMIT_BYTES) {}

  stdout(chunk: Buffer): void {
    this.stdoutBytes += chunk.length;
    this.outKept += this.keep(this.out, this.outKept, chunk);
  }

  stderr(chunk: Buffer): void {
    this.stderrBytes += chunk.length;
    this.errKept += this.keep(this.err, this.errKept, chunk);
  }

  /** True when a stream produced more than `limitBytes` and its text is cut. */
  get truncated(): boolean {
    return this.stdoutBytes > this.outKept || this.stderrBytes > this.errKept;
  }

  stdoutText(encoding: BufferEncoding = 'utf8'): string {
    return Buffer.concat(this.out).toString(encoding);
  }

  stderrText(encoding: BufferEncoding = 'utf8'): string {
    return Buffer.concat(this.err).toString(encoding);
  }

  private keep(into: Buffer[], kept: number, chunk: Buffer): number {
    const room = this.limitBytes - kept;
    if (room <= 0) return 0;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    into.push(Buffer.from(part));
    return part.length;
  }
}
