import { TextDecoder } from 'node:util';
import { XmlRpcDecodeError } from './xmlrpc-decode-error';

const DECLARED_ENCODING = /^<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/;

/**
 * Turns a body into text: a BOM or the XML declaration's `encoding` picks the charset
 * (UTF-8 when neither says), and bytes that are not valid in it are an error rather
 * than a silent U+FFFD.
 */
export function bodyToText(body: string | Buffer): string {
  if (typeof body === 'string') return body;
  if (!Buffer.isBuffer(body)) throw new XmlRpcDecodeError('the body must be a string or a Buffer');
  let label = 'utf-8';
  if (body[0] === 0xff && body[1] === 0xfe) label = 'utf-16le';
  else if (body[0] === 0xfe && body[1] === 0xff) label = 'utf-16be';
  else {
    const declared = DECLARED_ENCODING.exec(body.subarray(0, 256).toString('latin1'));
    if (declared) label = declared[1].toLowerCase();
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch (err) {
    throw new XmlRpcDecodeError(`the document declares an unsupported encoding "${label}"`, undefined, {
      cause: err,
    });
  }
  try {
    return decoder.decode(body);
  } catch (err) {
    throw new XmlRpcDecodeError(`the body is not valid ${label} (${body.length} bytes)`, undefined, {
      cause: err,
    });
  }
}
