import type { KojiClient } from '../client/koji-client';
import { UploadError } from '../errors/upload-error';
import { describeKojiValue, isKojiStruct } from '../xmlrpc/koji-value';
import { adler32, adler32Hex } from './adler32';
import type { UploadTarget } from './upload-target';

export interface RawUploadOptions {
  /** Truncate the hub's file at `offset` before writing (re-sends, growing logs). */
  overwrite?: boolean;
  signal?: AbortSignal;
}

/** The hub's answer to one chunk, checked against what was sent. */
export interface RawUploadReply {
  size: number;
  offset: number;
  hexdigest: string;
}

/**
 * Sends one fast-upload chunk: `POST <hub>?filename=&filepath=&fileverify=adler32&offset=`
 * with the session headers and its own callnum, the bytes as the body. A resend after a
 * connection failure carries `overwrite=1` (the first attempt may have written part of
 * it; without overwrite the hub refuses offset 0 on an existing file). The reply's size
 * and adler32 must match the chunk, else UploadError. The target must be checked
 * (checkUploadTarget) by the caller.
 */
export async function rawUpload(
  client: KojiClient,
  chunk: Buffer,
  offset: number,
  target: UploadTarget,
  options: RawUploadOptions = {},
): Promise<RawUploadReply> {
  client.requireSession('rawUpload');
  const expected = adler32Hex(adler32(chunk));
  const reply = await client.send(() => ({
    label: 'rawUpload',
    build: (_callnum, resend) => ({
      url: `${client.options.hubUrl}?${uploadQuery(target, offset, options.overwrite === true || resend)}`,
      headers: {},
      body: chunk,
      contentType: 'application/octet-stream',
    }),
    signal: options.signal,
  }));
  const where = `${target.path}/${target.name} at offset ${offset}`;
  if (!isKojiStruct(reply))
    throw new UploadError(`the hub answered the upload of ${where} with a ${typeof reply}`);
  const size = Number(reply.size);
  if (size !== chunk.length) {
    throw new UploadError(
      `the hub stored ${describeKojiValue(reply.size)} bytes of ${where}, the chunk had ${chunk.length}`,
    );
  }
  if (reply.hexdigest !== expected) {
    throw new UploadError(
      `adler32 mismatch for ${where}: hub ${describeKojiValue(reply.hexdigest)}, sent ${expected}`,
    );
  }
  return { size, offset: Number(reply.offset ?? offset), hexdigest: expected };
}

function uploadQuery(target: UploadTarget, offset: number, overwrite: boolean): string {
  const query = new URLSearchParams({
    filename: target.name,
    filepath: target.path,
    fileverify: 'adler32',
    offset: String(offset),
  });
  if (overwrite) query.set('overwrite', '1');
  if (target.volume !== undefined && target.volume !== 'DEFAULT') query.set('volume', target.volume);
  return query.toString();
}
