import { open, stat } from 'node:fs/promises';

/** What an incremental upload needs to know about a growing log. */
export interface LogSnapshot {
  size: number;
  /** Changes when the log is replaced by another file (rotation): upload restarts at 0. */
  identity: string;
}

/** A log that grows while a task runs: a local file, or anything that can say its size. */
export interface LogSource {
  /** Where the log stands now; null while it does not exist yet. */
  snapshot(): Promise<LogSnapshot | null>;
  /** Up to `length` bytes from `offset`. */
  read(offset: number, length: number): Promise<Buffer>;
}

/** A log file on local disk. */
export class FileLogSource implements LogSource {
  constructor(readonly path: string) {}

  async snapshot(): Promise<LogSnapshot | null> {
    try {
      const st = await stat(this.path);
      return { size: st.size, identity: `${st.dev}:${st.ino}` };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const file = await open(this.path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }
}
