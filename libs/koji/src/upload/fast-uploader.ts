import { open } from 'node:fs/promises';
import type { KojiClient } from '../client/koji-client';
import { UploadError } from '../errors/upload-error';
import { describeKojiValue, isKojiStruct, type KojiValue } from '../xmlrpc/koji-value';
import { ADLER32_EMPTY, adler32, adler32Hex } from './adler32';
import { rawUpload } from './raw-upload';
import { checkUploadTarget, type UploadTarget } from './upload-target';

export interface FastUploadOptions {
  /** Replace a file that already exists on the hub (default false, as kojid). */
  overwrite?: boolean;
  /** Chunk size; the client's `uploadChunkBytes` (1 MiB) by default. */
  chunkBytes?: number;
  signal?: AbortSignal;
  /** Called after each chunk with bytes sent so far and the file's size. */
  onProgress?: (sent: number, total: number) => void;
}

export interface FastUploadResult {
  path: string;
  name: string;
  size: number;
  /** Adler-32 of the whole file, `%08x`. */
  hexdigest: string;
}

/**
 * Koji's fast upload of a local file: chunks (1 MiB by default; an empty file is one
 * zero-length chunk) each checked against the hub's adler32, then
 * `checkUpload(path, name, 'adler32')` compared with the size sent and the running
 * whole-file adler32. Reads the file chunk by chunk; never holds it whole.
 */
export class FastUploader {
  constructor(private readonly client: KojiClient) {}

  async upload(
    localFile: string,
    target: UploadTarget,
    options: FastUploadOptions = {},
  ): Promise<FastUploadResult> {
    const checked = checkUploadTarget(target);
    const chunkBytes = options.chunkBytes ?? this.client.options.uploadChunkBytes;
    if (!Number.isInteger(chunkBytes) || chunkBytes <= 0)
      throw new RangeError('chunkBytes must be an integer > 0');
    let file;
    try {
      file = await open(localFile, 'r');
    } catch (err) {
      throw new UploadError(
        `cannot read ${localFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        {
          cause: err,
        },
      );
    }
    try {
      const total = (await file.stat()).size;
      const buffer = Buffer.alloc(Math.min(chunkBytes, Math.max(total, 1)));
      let offset = 0;
      let running = ADLER32_EMPTY;
      for (let first = true; ; first = false) {
        const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0 && !first) break;
        const chunk = buffer.subarray(0, bytesRead);
        await rawUpload(this.client, chunk, offset, checked, {
          overwrite: options.overwrite,
          signal: options.signal,
        });
        running = adler32(chunk, running);
        offset += bytesRead;
        options.onProgress?.(offset, total);
        if (bytesRead === 0) break;
      }
      if (offset !== total) {
        this.client.logger.warn(
          { path: checked.path, name: checked.name, total, sent: offset },
          'file changed size during upload',
        );
      }
      const hexdigest = adler32Hex(running);
      await this.verify(checked, offset, hexdigest, options.signal);
      return { path: checked.path, name: checked.name, size: offset, hexdigest };
    } finally {
      await file.close();
    }
  }

  /** `checkUpload` must report the size and whole-file adler32 that were sent. */
  private async verify(
    target: UploadTarget,
    size: number,
    hexdigest: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const kwargs: Record<string, KojiValue> | undefined =
      target.volume !== undefined && target.volume !== 'DEFAULT' ? { volume: target.volume } : undefined;
    const where = `${target.path}/${target.name}`;
    const result = await this.client.call('checkUpload', [target.path, target.name, 'adler32'], kwargs, {
      signal,
    });
    if (result === null) throw new UploadError(`checkUpload found no file at ${where} after uploading it`);
    if (!isKojiStruct(result)) throw new UploadError(`checkUpload answered ${typeof result} for ${where}`);
    if (Number(result.size) !== size) {
      throw new UploadError(
        `uploaded file ${where} has the wrong size: hub ${describeKojiValue(result.size)}, sent ${size}`,
      );
    }
    if (result.hexdigest !== hexdigest) {
      throw new UploadError(
        `uploaded file ${where} has the wrong adler32: hub ${describeKojiValue(result.hexdigest)}, sent ${hexdigest}`,
      );
    }
  }
}
