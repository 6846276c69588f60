import { FileLogSource, type LogSnapshot, type LogSource } from '@koji-farm/koji';

/**
 * A log file that can be cut off from its uploader: once `stopped`, it looks absent, so
 * the uploader's syncs (its final one included) send nothing more to the hub.
 */
export class StoppableLogSource implements LogSource {
  stopped = false;
  private readonly file: FileLogSource;

  constructor(path: string) {
    this.file = new FileLogSource(path);
  }

  snapshot(): Promise<LogSnapshot | null> {
    return this.stopped ? Promise.resolve(null) : this.file.snapshot();
  }

  read(offset: number, length: number): Promise<Buffer> {
    return this.file.read(offset, length);
  }
}
