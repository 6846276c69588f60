import { STARSTAR_KEY, isPythonTruthy, type KojiValue } from './koji-value';
import { escapeXmlText } from './xml-text';
import { XmlRpcEncodeError } from './xmlrpc-encode-error';

const XML_HEADER = '<?xml version="1.0"?>\n';
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Encodes a call. Keyword arguments travel as Koji does it: one final struct holding
 * the keywords and `__starstar: true` (omitted when there are none).
 */
export function encodeRequest(
  method: string,
  params: KojiValue[],
  kwargs?: Record<string, KojiValue>,
): string {
  if (typeof method !== 'string' || method.length === 0) {
    throw new XmlRpcEncodeError('the method name must be a non-empty string', 'methodName');
  }
  if (!Array.isArray(params)) throw new XmlRpcEncodeError('params must be an array', 'params');
  const last: unknown = params[params.length - 1];
  if (isPlainObject(last) && isPythonTruthy(last[STARSTAR_KEY] as KojiValue)) {
    throw new XmlRpcEncodeError(
      `a final positional struct with a true ${STARSTAR_KEY} would be read as keyword arguments; pass them as kwargs`,
      `params[${params.length - 1}]`,
    );
  }
  const parts: string[] = [XML_HEADER, '<methodCall><methodName>', escapeXmlText(method, 'methodName')];
  parts.push('</methodName><params>');
  params.forEach((param, i) => {
    parts.push('<param>');
    encodeValue(param, `params[${i}]`, parts, new Set());
    parts.push('</param>');
  });
  if (kwargs !== undefined) {
    if (!isPlainObject(kwargs)) throw new XmlRpcEncodeError('kwargs must be a plain object', 'kwargs');
    const keys = Object.keys(kwargs);
    if (keys.includes(STARSTAR_KEY)) {
      throw new XmlRpcEncodeError(`${STARSTAR_KEY} is reserved for Koji's keyword marker`, 'kwargs');
    }
    if (keys.length > 0) {
      parts.push('<param>');
      encodeValue({ ...kwargs, [STARSTAR_KEY]: true }, 'kwargs', parts, new Set());
      parts.push('</param>');
    }
  }
  parts.push('</params></methodCall>\n');
  return parts.join('');
}

/** Encodes a successful reply holding `value` as its one param. */
export function encodeResponse(value: KojiValue): string {
  const parts: string[] = [XML_HEADER, '<methodResponse><params><param>'];
  encodeValue(value, 'result', parts, new Set());
  parts.push('</param></params></methodResponse>\n');
  return parts.join('');
}

/** Encodes a fault reply: `faultCode` must be an integer, `faultString` any XML-safe text. */
export function encodeFault(faultCode: number, faultString: string): string {
  if (!Number.isInteger(faultCode)) {
    throw new XmlRpcEncodeError(`faultCode must be an integer, got ${String(faultCode)}`, 'faultCode');
  }
  if (typeof faultString !== 'string')
    throw new XmlRpcEncodeError('faultString must be a string', 'faultString');
  const parts: string[] = [XML_HEADER, '<methodResponse><fault>'];
  encodeValue({ faultCode, faultString }, 'fault', parts, new Set());
  parts.push('</fault></methodResponse>\n');
  return parts.join('');
}

/** Appends `<value>…</value>` for `value`; `ancestors` catches cycles. */
function encodeValue(value: unknown, path: string, out: string[], ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      out.push('<value><string>', escapeXmlText(value, path), '</string></value>');
      return;
    case 'boolean':
      out.push(value ? '<value><boolean>1</boolean></value>' : '<value><boolean>0</boolean></value>');
      return;
    case 'number':
      out.push('<value>', encodeNumber(value, path), '</value>');
      return;
    case 'bigint':
      if (value < INT64_MIN || value > INT64_MAX) {
        throw new XmlRpcEncodeError(`integer ${value} is outside the 64-bit range of <i8>`, path);
      }
      out.push(
        value >= INT32_MIN && value <= INT32_MAX
          ? `<value><int>${value}</int></value>`
          : `<value><i8>${value}</i8></value>`,
      );
      return;
    case 'object':
      if (value === null) {
        out.push('<value><nil/></value>');
        return;
      }
      encodeObject(value, path, out, ancestors);
      return;
    default:
      throw new XmlRpcEncodeError(`${typeof value} is not an XML-RPC value`, path);
  }
}

function encodeNumber(value: number, path: string): string {
  if (!Number.isFinite(value)) {
    throw new XmlRpcEncodeError(`${value} is not representable in XML-RPC`, path);
  }
  if (Number.isInteger(value) && !Object.is(value, -0)) {
    if (value >= INT32_MIN && value <= INT32_MAX) return `<int>${value}</int>`;
    if (Number.isSafeInteger(value)) return `<i8>${value}</i8>`;
  }
  // Non-integers, -0 and integral doubles beyond 2^53 (which are not exact integers).
  return `<double>${Object.is(value, -0) ? '-0.0' : String(value)}</double>`;
}

function encodeObject(value: object, path: string, out: string[], ancestors: Set<object>): void {
  if (value instanceof Uint8Array) {
    out.push(
      '<value><base64>',
      Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
    );
    out.push('</base64></value>');
    return;
  }
  const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
  if (ancestors.has(value)) throw new XmlRpcEncodeError('the value refers to itself (a cycle)', path);
  ancestors.add(value);
  if (Array.isArray(value)) {
    out.push('<value><array><data>');
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) throw new XmlRpcEncodeError('sparse arrays have no XML-RPC form', `${path}[${i}]`);
      encodeValue(value[i], `${path}[${i}]`, out, ancestors);
    }
    out.push('</data></array></value>');
  } else if (isPlainObject(value)) {
    out.push('<value><struct>');
    for (const key of Object.keys(value)) {
      const memberPath = `${path}.${key}`;
      out.push('<member><name>', escapeXmlText(key, `${memberPath} (key)`), '</name>');
      encodeValue(value[key], memberPath, out, ancestors);
      out.push('</member>');
    }
    out.push('</struct></value>');
  } else {
    throw new XmlRpcEncodeError(`a ${kind} is not an XML-RPC value (datetimes travel as strings)`, path);
  }
  ancestors.delete(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
