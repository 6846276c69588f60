import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';

import type { ContainerRef } from '../container-handle';
import { ContainerError } from '../errors/container.error';
import { InvalidContainerRequestError } from '../errors/invalid-container-request.error';
import type { PodmanClient } from '../podman-client';
import type { CopySource, CopyToOptions } from './copy-source';
import { extractTarSafely, type ExtractedEntry } from './safe-tar-extract';
import { packCopySource } from './tar-packer';

/** Copies files into and out of containers as streamed tar archives. Internal. */
export class ArchiveCopier {
  constructor(private readonly client: PodmanClient) {}

  async copyTo(
    ref: ContainerRef,
    source: CopySource,
    destPath: string,
    options: CopyToOptions = {},
  ): Promise<void> {
    const containerId = ref.id;
    checkContainerPath(destPath, containerId, 'destPath');
    if (!Buffer.isBuffer(source)) await checkHostSource(source, containerId);

    const packed = packCopySource(source, posix.basename(destPath), {
      bufferMode: options.mode ?? 0o644,
      uid: options.uid ?? 0,
      gid: options.gid ?? 0,
    });
    const container = this.client.docker.getContainer(containerId);
    // Whichever side fails first is the cause; the other side's failure is its echo.
    let uploadSettled = false;
    let packingFailedFirst = false;
    const packing = packed.done.then(
      () => undefined,
      (err: unknown) => {
        packingFailedFirst = !uploadSettled;
        return err ?? new Error('packing failed');
      },
    );
    let uploadError: Error | undefined;
    try {
      // Podman creates a missing parent directory (Docker would answer 404).
      await this.client.unbounded({ step: 'copy', containerId }, () =>
        container.putArchive(Readable.from(packed.stream, { objectMode: false }), {
          path: posix.dirname(destPath),
        }),
      );
    } catch (err) {
      uploadError = err instanceof Error ? err : new Error(String(err));
      packed.stream.destroy(); // or the producer waits forever on backpressure
    } finally {
      uploadSettled = true;
    }
    const packError = await packing;
    if (packError !== undefined && (packingFailedFirst || uploadError === undefined)) {
      if (packError instanceof ContainerError) throw packError;
      const what = Buffer.isBuffer(source) ? 'the buffer' : source;
      throw new ContainerError(
        `Reading ${what} for copy into ${destPath} failed: ${packError instanceof Error ? packError.message : 'unknown error'}`,
        {
          step: 'copy',
          containerId,
          cause: packError,
        },
      );
    }
    if (uploadError !== undefined) throw uploadError;
  }

  async copyFrom(ref: ContainerRef, containerPath: string, hostDir: string): Promise<ExtractedEntry[]> {
    const containerId = ref.id;
    checkContainerPath(containerPath, containerId, 'containerPath');
    const container = this.client.docker.getContainer(containerId);
    const archive = await this.client.unbounded({ step: 'copy', containerId }, async () => {
      const s: unknown = await container.getArchive({ path: containerPath });
      return s as Readable;
    });
    return extractTarSafely(archive, hostDir, { containerId });
  }
}

function checkContainerPath(path: string, containerId: string, field: string): void {
  const ok = typeof path === 'string' && path.startsWith('/') && path !== '/' && !path.includes('\0');
  if (!ok || posix.normalize(path) !== path || path.endsWith('/')) {
    throw new InvalidContainerRequestError(
      [`${field} ${String(path)} must be a normalised absolute path other than /`],
      {
        step: 'copy',
        containerId,
      },
    );
  }
}

async function checkHostSource(source: string, containerId: string): Promise<void> {
  try {
    await stat(source);
  } catch (err) {
    throw new InvalidContainerRequestError(
      [`host source ${source} cannot be read: ${(err as Error).message}`],
      {
        step: 'copy',
        containerId,
        cause: err,
      },
    );
  }
}
