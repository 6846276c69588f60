import type { KojiValue } from '@koji-farm/koji/xmlrpc';

/**
 * How the real hub's Python renders values inside fault strings. Koji builds many
 * messages with `%s`/f-strings (Python's `str()`) and a few with `%r` (`repr()`);
 * tests compare these strings, so the simulator renders them the same way.
 */
export function pyTypeName(value: KojiValue | undefined): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (Buffer.isBuffer(value)) return 'bytes';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/** `type(value)` as Python prints it: `<class 'str'>`. */
export function pyType(value: KojiValue | undefined): string {
  return `<class '${pyTypeName(value)}'>`;
}

/** Python's `repr()`. */
export function pyRepr(value: KojiValue | undefined): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return pyFloatOrInt(value);
  if (typeof value === 'string') return pyStringRepr(value);
  if (Buffer.isBuffer(value)) return `b${pyStringRepr(value.toString('latin1'))}`;
  if (Array.isArray(value)) return `[${value.map((v) => pyRepr(v)).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${pyStringRepr(k)}: ${pyRepr(v)}`)
    .join(', ')}}`;
}

/** Python's `str()`: like repr except that a string is itself. */
export function pyStr(value: KojiValue | undefined): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

function pyFloatOrInt(value: number): string {
  if (Number.isInteger(value)) return String(value);
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return String(value);
}

function pyStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch < ' ' || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/**
 * A timestamp as the hub sends datetimes: Python's `isoformat(' ')` of an aware UTC
 * datetime, e.g. `2026-11-23 05:11:26.451720+00:00` (microseconds left out when 0).
 */
export function pyDatetime(ts: number): string {
  const micros = Math.round(ts * 1e6);
  const whole = Math.floor(micros / 1e6);
  const frac = micros - whole * 1e6;
  const iso = new Date(whole * 1000).toISOString(); // 2026-11-23T05:11:26.000Z
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return frac === 0 ? `${base}+00:00` : `${base}.${String(frac).padStart(6, '0')}+00:00`;
}

/** `pyDatetime` for a nullable timestamp column. */
export function pyDatetimeOrNull(ts: number | null | undefined): string | null {
  return ts === null || ts === undefined ? null : pyDatetime(ts);
}
