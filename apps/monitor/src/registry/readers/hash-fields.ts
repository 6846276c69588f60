/** A Redis hash as ioredis returns it. Empty strings stand for "not known" (see the fold script). */
export type Hash = Record<string, string | undefined>;

export function text(hash: Hash, field: string): string | null {
  const value = hash[field];
  return value === undefined || value === '' ? null : value;
}

export function num(hash: Hash, field: string): number | null {
  const value = text(hash, field);
  if (value === null) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Times are stored as epoch milliseconds and served as ISO 8601. */
export function time(hash: Hash, field: string): string | null {
  const ms = num(hash, field);
  return ms === null ? null : new Date(ms).toISOString();
}

export function flag(hash: Hash, field: string): boolean {
  return hash[field] === 'true' || hash[field] === '1';
}

export function jsonField<T>(hash: Hash, field: string, fallback: T): T {
  const value = text(hash, field);
  if (value === null) return fallback;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

/** HMGET's array as a hash of the requested fields. */
export function zipFields(fields: readonly string[], values: ReadonlyArray<string | null>): Hash {
  const hash: Hash = {};
  fields.forEach((field, i) => {
    const value = values[i];
    if (value !== null && value !== undefined) hash[field] = value;
  });
  return hash;
}
