import { UnsafeBuildrootValueError } from './errors/unsafe-buildroot-value.error';

/**
 * Checks on values that go into files and argv inside the buildroot. Each returns the
 * value when it is safe and throws UnsafeBuildrootValueError naming the field otherwise.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A single line of text: no newline, carriage return, NUL or other control character. */
export function singleLine(field: string, value: string): string {
  if (CONTROL.test(value))
    throw new UnsafeBuildrootValueError(field, 'contains a newline or control character');
  return value;
}

/** Tag names become a path segment of the repo URL and a line of the repo file. */
export function tagName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(value) || value.length > 256) {
    const reason = value.includes('/')
      ? 'contains "/"'
      : 'expected letters, digits, ".", "_", "+" or "-" (starting with a letter or digit)';
    throw new UnsafeBuildrootValueError('tag name', reason);
  }
  return value;
}

export function archName(field: string, value: string): string {
  if (!/^[A-Za-z0-9_]{1,32}$/.test(value))
    throw new UnsafeBuildrootValueError(field, 'expected an arch name');
  return value;
}

/** rpm macro names: `dist`, `_smp_mflags`, `__python3` (no `%`, no parameters). */
export function macroName(field: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(value)) {
    throw new UnsafeBuildrootValueError(field, 'expected a macro name of letters, digits and "_"');
  }
  return value;
}

/**
 * A macro value is the rest of one line of a macros file: no line breaks, and no
 * trailing backslash (which would continue the definition onto the next line).
 */
export function macroValue(field: string, value: string): string {
  singleLine(field, value);
  if (value.endsWith('\\'))
    throw new UnsafeBuildrootValueError(field, 'ends with a backslash (line continuation)');
  return value;
}

export function envName(field: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(value)) {
    throw new UnsafeBuildrootValueError(field, 'expected an environment variable name');
  }
  return value;
}

export function envValue(field: string, value: string): string {
  if (value.includes('\0')) throw new UnsafeBuildrootValueError(field, 'contains a NUL byte');
  return value;
}

/** An http(s) URL on one line, without credentials-looking whitespace tricks. */
export function httpUrl(field: string, value: string): string {
  singleLine(field, value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UnsafeBuildrootValueError(field, 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UnsafeBuildrootValueError(field, 'expected an http or https URL');
  }
  if (/\s/.test(value)) throw new UnsafeBuildrootValueError(field, 'contains whitespace');
  return value;
}

/** A plain file name: no directory part, not hidden, printable. */
export function fileName(field: string, value: string): string {
  if (!/^[A-Za-z0-9_+][A-Za-z0-9._+~^-]{0,254}$/.test(value)) {
    throw new UnsafeBuildrootValueError(field, 'expected a plain file name (no "/", not starting with ".")');
  }
  return value;
}

/** A comps group id. */
export function groupName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value)) {
    throw new UnsafeBuildrootValueError('group', 'expected a comps group id');
  }
  return value;
}

/** An image reference: `registry/name:tag` or `name@sha256:...`, no whitespace. */
export function imageRef(field: string, value: string): string {
  if (!/^[a-z0-9][a-z0-9._\-/:@]{0,254}$/i.test(value) || value.includes('..')) {
    throw new UnsafeBuildrootValueError(field, 'expected an image reference such as registry/name:tag');
  }
  return value;
}

/**
 * kojid turns `extra` values into strings with Python's `str()`; this does the same for
 * the JSON-ish values the hub sends (True/False/None as Python prints them).
 */
export function pythonStr(field: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw new UnsafeBuildrootValueError(field, 'expected a string, number or boolean');
}
