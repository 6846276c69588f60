import { PythonError } from '../errors/python-error';
import { readLikeExpat } from './expat-reader';
import { pyRepr } from './py-format';

type Slot = 'scalar' | 'list' | 'dict';

const INT_TAGS = new Set(['int', 'i1', 'i2', 'i4', 'i8', 'bigint']);
const KNOWN = new Set([
  ...INT_TAGS,
  'nil',
  'boolean',
  'double',
  'float',
  'bigdecimal',
  'string',
  'array',
  'struct',
  'base64',
  'dateTime.iso8601',
  'value',
  'params',
  'fault',
  'methodName',
  'name',
]);
/** Python's `int()`: optional blanks and sign, digits with single `_` between them. */
const PY_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
const PY_FLOAT =
  /^\s*[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d+(?:_\d+)*(?:[eE][+-]?\d+(?:_\d+)*)?|\d+(?:_\d+)*\.|inf|infinity|nan)\s*$/i;

/**
 * What xmlrpc's `Unmarshaller` (fed by `readLikeExpat`) makes of a request body, as
 * kojixmlrpc's `_read_request` reads it: only whether it reads and the method name,
 * with the exceptions Python raises (`ValueError` for `<int>abc</int>`, `TypeError: bad
 * boolean value`, `ResponseError()` for a document that is no call at all...). The
 * values themselves are decoded by `@koji-farm/koji/xmlrpc` afterwards.
 *
 * Returns the method name as Python has it (untrimmed), or null when the document has
 * none (the hub then answers `Invalid method: None`).
 */
export function unmarshalLikePython(body: Buffer): { methodName: string | null } {
  const stack: Slot[] = [];
  const marks: number[] = [];
  let data: string[] = [];
  let inValue = false;
  let type: string | null = null;
  let methodName: string | null = null;
  const push = (slot: Slot): void => {
    stack.push(slot);
    inValue = false;
  };
  readLikeExpat(body, {
    start(raw) {
      const tag = raw.includes(':') ? raw.slice(raw.lastIndexOf(':') + 1) : raw;
      if (tag === 'array' || tag === 'struct') marks.push(stack.length);
      data = [];
      if (inValue && !KNOWN.has(tag))
        throw new PythonError(
          'xmlrpc.client.ResponseError',
          `ResponseError(${pyRepr(`unknown tag ${pyRepr(tag)}`)})`,
        );
      inValue = tag === 'value';
    },
    text(chunk) {
      data.push(chunk);
    },
    end(raw) {
      let tag = raw;
      if (!KNOWN.has(tag)) {
        if (!raw.includes(':')) return;
        tag = raw.slice(raw.lastIndexOf(':') + 1);
        if (!KNOWN.has(tag)) return;
      }
      const text = data.join('');
      if (INT_TAGS.has(tag)) {
        if (!PY_INT.test(text))
          throw new PythonError('ValueError', `invalid literal for int() with base 10: ${pyRepr(text)}`);
        return push('scalar');
      }
      switch (tag) {
        case 'boolean':
          if (text !== '0' && text !== '1') throw new PythonError('TypeError', 'bad boolean value');
          return push('scalar');
        case 'double':
        case 'float':
          if (!PY_FLOAT.test(text))
            throw new PythonError('ValueError', `could not convert string to float: ${pyRepr(text)}`);
          return push('scalar');
        case 'base64':
          checkBase64(text);
          return push('scalar');
        case 'nil':
        case 'bigdecimal':
        case 'string':
        case 'name':
        case 'dateTime.iso8601':
          return push('scalar');
        case 'value':
          if (inValue) push('scalar'); // a value without a type element is a string
          return;
        case 'array': {
          const mark = marks.pop()!;
          stack.splice(mark);
          return push('list');
        }
        case 'struct': {
          const mark = marks.pop()!;
          const items = stack.splice(mark);
          for (let i = 0; i < items.length; i += 2) {
            if (i + 1 >= items.length) throw new PythonError('IndexError', 'list index out of range');
            if (items[i] !== 'scalar') throw new PythonError('TypeError', `unhashable type: '${items[i]}'`);
          }
          return push('dict');
        }
        case 'params':
        case 'fault':
          type = tag;
          return;
        case 'methodName':
          methodName = text;
          type = 'methodName';
          return;
      }
    },
  });
  if (type === null || marks.length > 0)
    throw new PythonError('xmlrpc.client.ResponseError', 'ResponseError()');
  return { methodName };
}

/** `base64.decodebytes`: characters outside the alphabet are skipped; the rest must be padded. */
function checkBase64(text: string): void {
  const at = Array.from(text).findIndex((ch) => ch.codePointAt(0)! > 0x7f);
  if (at >= 0) {
    throw new PythonError(
      'UnicodeEncodeError',
      `'ascii' codec can't encode character '\\u${Array.from(text)[at].codePointAt(0)!.toString(16).padStart(4, '0')}' in position ${at}: ordinal not in range(128)`,
    );
  }
  const body = text.replace(/[^A-Za-z0-9+/=]/g, '');
  const pad = body.indexOf('=');
  const count = (pad < 0 ? body : body.slice(0, pad)).length;
  if (count % 4 === 1) {
    throw new PythonError(
      'binascii.Error',
      `Invalid base64-encoded string: number of data characters (${count}) cannot be 1 more than a multiple of 4`,
    );
  }
  const padding = pad < 0 ? 0 : body.slice(pad).replace(/[^=]/g, '').length;
  if (count % 4 !== 0 && padding < 4 - (count % 4))
    throw new PythonError('binascii.Error', 'Incorrect padding');
}
