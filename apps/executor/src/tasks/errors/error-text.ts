import { types } from 'node:util';

/**
 * True for anything error-like. `instanceof Error` is not enough: errors made by Node's
 * internals in another realm (a test runner's VM context) fail it.
 */
export function isErrorLike(value: unknown): value is Error {
  return (
    value instanceof Error ||
    types.isNativeError(value) ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as Error).message === 'string' &&
      typeof (value as Error).name === 'string')
  );
}

export function errorText(value: unknown): string {
  return isErrorLike(value) ? value.message : String(value);
}

export function errorName(value: unknown): string {
  return isErrorLike(value) ? value.name : typeof value;
}
