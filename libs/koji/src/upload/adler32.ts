import { buf as adler32Buf } from 'adler-32';

/** Adler-32 of an empty input (the running checksum's start). */
export const ADLER32_EMPTY = 1;

/**
 * Adler-32 as the hub reports it: `%08x` of the unsigned value. The `adler-32`
 * package returns a signed 32-bit int, hence `>>> 0`. Pass the previous value as
 * `seed` to continue a running checksum over consecutive chunks.
 */
export function adler32(data: Uint8Array, seed: number = ADLER32_EMPTY): number {
  return adler32Buf(data, seed) >>> 0;
}

export function adler32Hex(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}
