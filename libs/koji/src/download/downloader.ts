import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { KojiClient } from '../client/koji-client';
import { DownloadError } from '../errors/download-error';
import { HubConnectionError } from '../errors/hub-connection-error';
import { HubTlsError } from '../errors/hub-tls-error';
import { LocalFileError } from '../errors/local-file-error';
import { discardBody } from '../transport/discard-body';
import { redactUrl } from '../transport/redact';
import { errorMessage } from '../transport/error-message';

export interface DownloadOptions {
  /** The size the caller knows the file has (e.g. from the hub's metadata). */
  expectedSize?: number;
  signal?: AbortSignal;
}

export interface DownloadResult {
  /** The URL without query or user info. */
  url: string;
  destination: string;
  bytes: number;
}

/**
 * Fetches files from the hub's `topurl` (`<topurl>/work/<path>`, repos, packages) and
 * streams them to disk: written to `<destination>.part` (its directory made if needed)
 * and renamed when complete, so a failed download leaves nothing behind. Checks the size
 * against Content-Length and against `expectedSize`. Connection failures are not retried
 * here: the DownloadError says whether trying again makes sense. A failure of the local
 * file system is a LocalFileError, never reported as a transfer problem.
 */
export class Downloader {
  constructor(private readonly client: KojiClient) {}

  /** `<topurl>/work/<relativePath>`, e.g. a task's uploaded SRPM. */
  downloadWork(
    relativePath: string,
    destination: string,
    options: DownloadOptions = {},
  ): Promise<DownloadResult> {
    return this.download(`work/${relativePath.replace(/^\/+/, '')}`, destination, options);
  }

  /** An absolute URL, or a path relative to `topurl`. */
  async download(
    urlOrPath: string,
    destination: string,
    options: DownloadOptions = {},
  ): Promise<DownloadResult> {
    const url = this.resolve(urlOrPath);
    const shown = redactUrl(url);
    let response;
    try {
      response = await this.client.transport.get(url, options.signal);
    } catch (err) {
      if (err instanceof HubConnectionError)
        throw new DownloadError(`GET ${shown} failed: ${err.message}`, shown, true, undefined, {
          cause: err,
        });
      if (err instanceof HubTlsError)
        throw new DownloadError(`GET ${shown} failed: ${err.message}`, shown, false, undefined, {
          cause: err,
        });
      throw err;
    }
    const { status, headers, body } = response;
    if (status !== 200) {
      discardBody(body);
      const what = status === 404 ? 'not found (HTTP 404)' : `HTTP ${status}`;
      throw new DownloadError(`GET ${shown}: ${what}`, shown, status >= 500 || status === 429, status);
    }
    const declared = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
    const expected = options.expectedSize;
    if (expected !== undefined && declared !== undefined && declared !== expected) {
      discardBody(body);
      throw new DownloadError(
        `GET ${shown}: the server offers ${declared} bytes, expected ${expected}`,
        shown,
        false,
        status,
      );
    }
    const partial = `${destination}.part`;
    try {
      await mkdir(dirname(destination), { recursive: true });
    } catch (err) {
      discardBody(body);
      throw localFailure(`cannot make the directory for ${destination}`, shown, destination, err);
    }
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        done(null, chunk);
      },
    });
    // pipeline() hands the first error to every stage, so its rejection alone does not
    // say where it began: the first stage to report one is where.
    let firstFailure: 'disk' | 'network' | undefined;
    body.once('error', () => (firstFailure ??= 'network'));
    const file = createWriteStream(partial).once('error', () => (firstFailure ??= 'disk'));
    try {
      await pipeline(body, counter, file, { signal: options.signal });
    } catch (err) {
      await rm(partial, { force: true }).catch(() => undefined);
      options.signal?.throwIfAborted();
      if (firstFailure === 'disk') {
        throw localFailure(`cannot write ${partial} after ${received} bytes`, shown, partial, err);
      }
      const of = declared ?? expected;
      const detail = errorMessage(err);
      throw new DownloadError(
        `GET ${shown} was cut off: got ${received}${of === undefined ? '' : ` of ${of}`} bytes (${detail})`,
        shown,
        true,
        status,
        { cause: err },
      );
    }
    const wanted = expected ?? declared;
    if (wanted !== undefined && received !== wanted) {
      await rm(partial, { force: true }).catch(() => undefined);
      const what = received < wanted ? 'is truncated: got' : 'is too long: got';
      throw new DownloadError(
        `GET ${shown} ${what} ${received} of ${wanted} bytes`,
        shown,
        received < wanted,
        status,
      );
    }
    try {
      await rename(partial, destination);
    } catch (err) {
      await rm(partial, { force: true }).catch(() => undefined);
      throw localFailure(`cannot move ${partial} to ${destination}`, shown, destination, err);
    }
    return { url: shown, destination, bytes: received };
  }

  private resolve(urlOrPath: string): string {
    if (/^https?:\/\//i.test(urlOrPath)) return urlOrPath;
    const topUrl = this.client.options.topUrl;
    if (!topUrl) throw new DownloadError(`no topUrl configured to fetch ${urlOrPath}`, urlOrPath, false);
    return `${topUrl}/${urlOrPath.replace(/^\/+/, '')}`;
  }
}

function localFailure(what: string, url: string, path: string, cause: unknown): LocalFileError {
  return new LocalFileError(`download of ${url}: ${what}: ${errorMessage(cause)}`, path, { cause });
}
