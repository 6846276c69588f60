/**
 * What depends on the Koji release the simulator plays (hub.conf has no such setting:
 * it is the hub's code). Only what koji-farm's behaviour depends on is modelled.
 */

/**
 * The first release whose hub reads the `Koji-Session-Callnum` header that Koji's client
 * (and ours) has sent since 1.31: PR #4150 ("fix callnum lookup on hub", commit 724dbe31),
 * merged on 2025-06-26, after 1.35.3 (2025-04-28). Up to 1.35 the hub reads only
 * `Koji-Callnum`, so header sessions have no callnum check at all (ADR 0036).
 */
export const READS_SESSION_CALLNUM_SINCE = '1.36.0';

/** `1.35.3` -> [1, 35, 3]; anything else is a setup mistake. */
export function parseKojiVersion(version: string): number[] {
  if (!/^\d+(\.\d+){1,2}$/.test(version))
    throw new Error(`kojiVersion must look like 1.35.3, got ${version}`);
  return version.split('.').map(Number);
}

export function isAtLeast(version: string, than: string): boolean {
  const a = parseKojiVersion(version);
  const b = parseKojiVersion(than);
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** Whether a hub of `version` reads `Koji-Session-Callnum` (else only `Koji-Callnum`). */
export function readsSessionCallnum(version: string): boolean {
  return isAtLeast(version, READS_SESSION_CALLNUM_SINCE);
}
