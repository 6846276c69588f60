import type { IncomingMessage } from 'node:http';
import { GenericError } from '../errors/koji-errors';

/** Reads a request body; past `maxLength` the hub answers GenericError('Request too long'). */
export async function readBody(req: IncomingMessage, maxLength: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxLength) {
      req.resume();
      throw new GenericError('Request too long');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
