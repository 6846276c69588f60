import type { KojiValue } from '@koji-farm/koji/xmlrpc';
import { ParameterError } from '../errors/koji-errors';
import { pyStr, pyType } from './py-format';

export type PyCast = 'int' | 'float' | 'str' | 'bool' | 'list' | 'dict';

interface ConvertOptions {
  noneAllowed?: boolean;
  checkOnly?: boolean;
  message?: string;
}

/**
 * kojihub's `convert_value`: casts like Python's `int()`, `float()`... or, with
 * `checkOnly`, demands `isinstance(value, cast)`; a miss is a ParameterError worded
 * as the hub words it.
 */
export function convertValue(value: KojiValue | undefined, cast: 'int', o?: ConvertOptions): number;
export function convertValue(value: KojiValue | undefined, cast: 'float', o?: ConvertOptions): number;
export function convertValue(value: KojiValue | undefined, cast: 'str', o?: ConvertOptions): string;
export function convertValue(value: KojiValue | undefined, cast: 'bool', o?: ConvertOptions): boolean;
export function convertValue(value: KojiValue | undefined, cast: 'list', o?: ConvertOptions): KojiValue[];
export function convertValue(value: KojiValue | undefined, cast: PyCast, o?: ConvertOptions): KojiValue;
export function convertValue(value: KojiValue | undefined, cast: PyCast, o: ConvertOptions = {}): KojiValue {
  const expected = `<class '${cast}'>`;
  if (value === null || value === undefined) {
    if (o.noneAllowed) return null;
    throw new ParameterError(o.message ?? `Invalid type, expected type ${expected}`);
  }
  const bad = (): never => {
    throw new ParameterError(
      o.message ?? `Invalid type for value '${pyStr(value)}': ${pyType(value)}, expected type ${expected}`,
    );
  };
  if (o.checkOnly) {
    if (!isInstance(value, cast)) bad();
    return value;
  }
  const cast1 = pyCast(value, cast);
  return cast1 === undefined ? bad() : cast1;
}

/** `isinstance(value, cast)`; Python's bool is an int. */
export function isInstance(value: KojiValue, cast: PyCast): boolean {
  switch (cast) {
    case 'int':
      return (
        typeof value === 'boolean' ||
        typeof value === 'bigint' ||
        (typeof value === 'number' && Number.isInteger(value))
      );
    case 'float':
      return typeof value === 'number' && !Number.isInteger(value);
    case 'str':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
    case 'list':
      return Array.isArray(value);
    case 'dict':
      return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
  }
}

function pyCast(value: KojiValue, cast: PyCast): KojiValue | undefined {
  switch (cast) {
    case 'int':
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value === 'bigint') return Number(value);
      if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : undefined;
      if (typeof value === 'string' && /^\s*[+-]?\d+(_\d+)*\s*$/.test(value))
        return Number(value.replace(/_/g, ''));
      return undefined;
    case 'float':
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value === 'number' || typeof value === 'bigint') return Number(value);
      if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))
        return Number(value);
      return undefined;
    case 'str':
      return pyStr(value);
    case 'bool':
      return pyTruthy(value);
    case 'list':
      return Array.isArray(value) ? value : undefined;
    case 'dict':
      return isInstance(value, 'dict') ? value : undefined;
  }
}

/** Python's truthiness. */
export function pyTruthy(value: KojiValue | undefined): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string' || Buffer.isBuffer(value) || Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
