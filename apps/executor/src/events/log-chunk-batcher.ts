import { LOG_CHUNK_MAX_BYTES } from '@koji-farm/contracts';
import { utf8Boundary } from './utf8-boundary';

/** Receives one batched piece of a log: its byte offset in the log and the text. */
export type LogChunkEmitter = (log: string, offset: number, data: string) => void;

export interface LogChunkBatcherOptions {
  /** Longest a byte waits before it is emitted (architecture: 250 ms). */
  intervalMs?: number;
  /** Largest chunk in UTF-8 bytes (the contract's 64 KiB). */
  maxBytes?: number;
}

interface LogState {
  /** Bytes of the log already emitted. */
  offset: number;
  pending: Buffer[];
  pendingBytes: number;
}

/** A piece whose decoded text may not outgrow maxBytes even if every byte is invalid UTF-8 (→ 3-byte U+FFFD). */
const WORST_CASE_EXPANSION = 3;

/**
 * Batches a task's log output into `log.chunk` events: at most every `intervalMs` or
 * when `maxBytes` piled up, whichever comes first. Offsets are byte offsets in the log;
 * chunks never split a UTF-8 character (an incomplete one waits for its next bytes).
 */
export class LogChunkBatcher {
  private readonly logs = new Map<string, LogState>();
  private readonly intervalMs: number;
  private readonly maxBytes: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly emit: LogChunkEmitter,
    options: LogChunkBatcherOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 250;
    this.maxBytes = options.maxBytes ?? LOG_CHUNK_MAX_BYTES;
  }

  write(log: string, bytes: Buffer): void {
    if (this.closed || bytes.length === 0) return;
    let state = this.logs.get(log);
    if (!state) {
      state = { offset: 0, pending: [], pendingBytes: 0 };
      this.logs.set(log, state);
    }
    state.pending.push(Buffer.from(bytes));
    state.pendingBytes += bytes.length;
    if (state.pendingBytes >= this.maxBytes) this.drain(log, state, false);
    if (state.pendingBytes > 0) this.timer ??= setTimeout(() => this.onTimer(), this.intervalMs);
  }

  /** Emits everything pending now (an incomplete trailing character waits, unless `final`). */
  flush(final = false): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [log, state] of this.logs) this.drain(log, state, final);
  }

  /** Emits the rest, trailing bytes included, and ignores later writes. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush(true);
    this.closed = true;
  }

  private onTimer(): void {
    this.timer = undefined;
    this.flush(false);
    const waiting = [...this.logs.values()].some((s) => s.pendingBytes > 0);
    if (waiting && !this.closed) this.timer = setTimeout(() => this.onTimer(), this.intervalMs);
  }

  private drain(log: string, state: LogState, final: boolean): void {
    if (state.pendingBytes === 0) return;
    let buf = state.pending.length === 1 ? state.pending[0] : Buffer.concat(state.pending);
    while (buf.length > 0) {
      let cut = utf8Boundary(buf, this.maxBytes);
      if (cut === 0) {
        if (!final && buf.length < 4) break; // the start of a character whose rest has not arrived
        cut = Math.min(buf.length, this.maxBytes);
      }
      let data = buf.subarray(0, cut).toString('utf8');
      if (Buffer.byteLength(data) > this.maxBytes) {
        cut = utf8Boundary(buf, Math.floor(this.maxBytes / WORST_CASE_EXPANSION)) || 1;
        data = buf.subarray(0, cut).toString('utf8');
      }
      this.emit(log, state.offset, data);
      state.offset += cut;
      buf = buf.subarray(cut);
      if (!final && buf.length < this.maxBytes && utf8Boundary(buf) === 0) break;
    }
    state.pending = buf.length > 0 ? [buf] : [];
    state.pendingBytes = buf.length;
  }
}
