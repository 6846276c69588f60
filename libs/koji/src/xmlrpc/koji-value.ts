/**
 * A value that travels over Koji's XML-RPC: Python's `None`, `bool`, `int`, `float`,
 * `str`, `bytes`, `list` and `dict` (string keys only).
 *
 * Integers decode to `number` while they are safe integers and to `bigint` beyond
 * ±(2^53 - 1); datetimes stay strings (Koji sends them as strings anyway).
 */
export type KojiValue = null | boolean | number | bigint | string | Buffer | KojiValue[] | KojiStruct;

/** An XML-RPC `<struct>`: a Python dict with string keys. */
export interface KojiStruct {
  [key: string]: KojiValue;
}

/** The key Koji adds to the final struct of a call that carries keyword arguments. */
export const STARSTAR_KEY = '__starstar';

/** True for a plain struct (not an array, a Buffer or null). */
export function isKojiStruct(value: KojiValue): value is KojiStruct {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * Python's truthiness, which Koji's `decode_args` applies to `__starstar`
 * (`last.get('__starstar', False)`).
 */
export function isPythonTruthy(value: KojiValue | undefined): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value.length > 0;
  if (Buffer.isBuffer(value) || Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Sets `key` as an own property even when it is `__proto__`. */
export function setStructMember(struct: KojiStruct, key: string, value: KojiValue): void {
  if (key === '__proto__') {
    Object.defineProperty(struct, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    struct[key] = value;
  }
}

/** A short text for a value in an error message: primitives as they are, else their kind. */
export function describeKojiValue(value: KojiValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'nil';
  if (typeof value !== 'object') return typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (Buffer.isBuffer(value)) return `${value.length} bytes of base64`;
  return Array.isArray(value) ? `an array of ${value.length}` : 'a struct';
}
