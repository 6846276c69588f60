import { Writable } from 'node:stream';

export interface CapturedLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/**
 * A pino destination that keeps every line (raw and parsed) so a test can wait for one
 * and check that no secret ever reached the log.
 */
export class LogCapture extends Writable {
  readonly raw: string[] = [];
  readonly lines: CapturedLine[] = [];
  private readonly waiters = new Set<() => void>();
  private partial = '';

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = this.partial + chunk.toString('utf8');
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
    callback();
  }

  /** Resolves with the first line (seen already or later) that matches. */
  async waitFor(
    match: (line: CapturedLine) => boolean,
    timeoutMs = 20_000,
    what = 'a log line',
  ): Promise<CapturedLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(`timed out waiting for ${what}; last lines:\n${this.raw.slice(-15).join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, remaining);
        const waiters = this.waiters;
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  }

  waitForMessage(text: string | RegExp, timeoutMs?: number): Promise<CapturedLine> {
    const test = (msg: string) => (typeof text === 'string' ? msg.includes(text) : text.test(msg));
    return this.waitFor((l) => typeof l.msg === 'string' && test(l.msg), timeoutMs, `"${String(text)}"`);
  }

  messages(): string[] {
    return this.lines.map((l) => l.msg);
  }

  private add(line: string): void {
    if (!line) return;
    this.raw.push(line);
    try {
      const parsed = JSON.parse(line) as CapturedLine;
      if (parsed && typeof parsed === 'object') this.lines.push(parsed);
    } catch {
      // not JSON: kept in raw only
    }
    for (const wake of [...this.waiters]) wake();
  }
}
