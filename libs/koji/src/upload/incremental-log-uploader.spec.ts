import { KojiClient } from '../client/koji-client';
import { silentLogger } from '../logging/koji-logger';
import { IncrementalLogUploader, type ChunkSender } from './incremental-log-uploader';
import type { LogSnapshot, LogSource } from './log-source';
import type { UploadTarget } from './upload-target';

/** A log in memory that a test grows, truncates or replaces. */
class MemoryLog implements LogSource {
  data: Buffer | null = null;
  identity = 'inode-1';

  snapshot(): Promise<LogSnapshot | null> {
    return Promise.resolve(this.data ? { size: this.data.length, identity: this.identity } : null);
  }

  read(offset: number, length: number): Promise<Buffer> {
    return Promise.resolve(Buffer.from((this.data ?? Buffer.alloc(0)).subarray(offset, offset + length)));
  }

  append(text: string): void {
    this.data = Buffer.concat([this.data ?? Buffer.alloc(0), Buffer.from(text)]);
  }
}

/** Stands for the hub: applies each chunk as the hub does with overwrite=1 (truncate at offset, write). */
class HubFile {
  content = Buffer.alloc(0);
  readonly sends: Array<{ offset: number; length: number; overwrite: boolean | undefined }> = [];
  fail: Error | undefined;
  /** When set, called as a send begins, which then waits until its signal aborts (a hub that does not answer). */
  hang: (() => void) | undefined;

  readonly send: ChunkSender = (chunk, offset, _target, options) => {
    if (this.fail) return Promise.reject(this.fail);
    if (this.hang) {
      const signal = options.signal;
      return new Promise((_resolve, reject) => {
        this.hang?.();
        if (!signal) return;
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    }
    this.sends.push({ offset, length: chunk.length, overwrite: options.overwrite });
    this.content = Buffer.concat([this.content.subarray(0, offset), chunk]);
    return Promise.resolve({ size: chunk.length });
  };
}

const target: UploadTarget = { path: 'tasks/1/1', name: 'build.log' };

describe(IncrementalLogUploader.name, () => {
  let client: KojiClient;
  let log: MemoryLog;
  let hub: HubFile;
  let sut: IncrementalLogUploader;

  beforeEach(() => {
    client = KojiClient.create({ hubUrl: 'http://127.0.0.1:9/kojihub', uploadChunkBytes: 4 });
    log = new MemoryLog();
    hub = new HubFile();
    sut = new IncrementalLogUploader(client, log, target, { sendChunk: hub.send, intervalMs: 5 });
  });

  afterEach(async () => {
    await sut.close().catch(() => undefined);
    await client.close();
  });

  it('sends nothing while the log does not exist', async () => {
    await expect(sut.flush()).resolves.toBe(0);
    expect(hub.sends).toEqual([]);
  });

  it('sends only what the log gained since the last sync, in chunks, with overwrite at the offset', async () => {
    log.append('hello world');
    await expect(sut.flush()).resolves.toBe(11);
    log.append('!!');
    await expect(sut.flush()).resolves.toBe(2);
    await expect(sut.flush()).resolves.toBe(0);
    expect(hub.sends).toEqual([
      { offset: 0, length: 4, overwrite: true },
      { offset: 4, length: 4, overwrite: true },
      { offset: 8, length: 3, overwrite: true },
      { offset: 11, length: 2, overwrite: true },
    ]);
    expect(hub.content.toString()).toBe('hello world!!');
    expect(sut.uploadedBytes).toBe(13);
  });

  it('starts again from 0 when the log shrank', async () => {
    log.append('first run output');
    await sut.flush();
    log.data = Buffer.from('again');
    await sut.flush();
    expect(hub.sends.at(-2)).toEqual({ offset: 0, length: 4, overwrite: true });
    expect(hub.content.toString()).toBe('again');
  });

  it('starts again from 0 when the log was replaced by another file', async () => {
    log.append('old log');
    await sut.flush();
    log.data = Buffer.from('new log, longer');
    log.identity = 'inode-2';
    await sut.flush();
    expect(hub.content.toString()).toBe('new log, longer');
  });

  it('resumes where it left off after a failed sync', async () => {
    log.append('abcdef');
    hub.fail = new Error('hub down');
    await expect(sut.flush()).rejects.toThrow('hub down');
    hub.fail = undefined;
    await sut.flush();
    expect(hub.content.toString()).toBe('abcdef');
  });

  it('creates an empty log on the hub at close, once', async () => {
    log.data = Buffer.alloc(0);
    await sut.close();
    await sut.close();
    expect(hub.sends).toEqual([{ offset: 0, length: 0, overwrite: true }]);
  });

  it('sends the rest at close', async () => {
    log.append('tail');
    await sut.close();
    expect(hub.content.toString()).toBe('tail');
  });

  it('syncs in the background after start() and records failures in lastError', async () => {
    sut.start();
    log.append('growing');
    const deadline = Date.now() + 5000;
    while (hub.content.toString() !== 'growing' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    expect(hub.content.toString()).toBe('growing');

    hub.fail = new Error('connection refused');
    log.append('+more');
    while (!sut.lastError && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(sut.lastError?.message).toBe('connection refused');

    hub.fail = undefined;
    await sut.close();
    expect(hub.content.toString()).toBe('growing+more');
  });

  describe('abort()', () => {
    it('sends nothing more: no final upload, and flush and close send nothing afterwards', async () => {
      log.append('before');
      await sut.flush();
      log.append(' after');
      await sut.abort();
      await expect(sut.flush()).rejects.toThrow(/was aborted/);
      await expect(sut.close()).resolves.toBeUndefined();
      expect(hub.content.toString()).toBe('before');
      expect(sut.aborted).toBe(true);
    });

    it('does not even create an empty log at close', async () => {
      log.data = Buffer.alloc(0);
      await sut.abort();
      await sut.close();
      expect(hub.sends).toEqual([]);
    });

    it('cuts off a chunk on its way and resolves once nothing runs', async () => {
      log.append('stuck');
      let started!: () => void;
      const sending = new Promise<void>((resolve) => (started = resolve));
      hub.hang = () => started();
      const flushing = sut.flush();
      await sending;
      await sut.abort();
      await expect(flushing).rejects.toThrow(/was aborted/);
      expect(sut.uploadedBytes).toBe(0);
      expect(hub.sends).toEqual([]);
    });

    it('ends background syncs without reporting the abort as an upload failure', async () => {
      jest.useFakeTimers();
      try {
        const warnings: unknown[] = [];
        const logger = { ...silentLogger, warn: (...args: unknown[]) => void warnings.push(args) };
        sut = new IncrementalLogUploader(client, log, target, { sendChunk: hub.send, intervalMs: 5, logger });
        let started!: () => void;
        const sending = new Promise<void>((resolve) => (started = resolve));
        hub.hang = () => started();
        log.append('background');
        sut.start();
        await jest.advanceTimersByTimeAsync(5);
        await sending;
        await sut.abort();
        await jest.advanceTimersByTimeAsync(50);
        expect(jest.getTimerCount()).toBe(0);
        expect(hub.sends).toEqual([]);
        expect(sut.lastError).toBeUndefined();
        expect(warnings).toEqual([]);
      } finally {
        jest.useRealTimers();
      }
    });

    it('is idempotent', async () => {
      await sut.abort();
      await expect(sut.abort()).resolves.toBeUndefined();
    });
  });
});
