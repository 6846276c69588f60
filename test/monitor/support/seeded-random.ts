import { type FarmEvent } from '@koji-farm/contracts';

/** A small seeded PRNG (mulberry32), so that a scenario is the same every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uuid(next: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Each event once or twice, in a seeded random order. */
export function duplicateAndShuffle(events: readonly FarmEvent[], seed = 11): FarmEvent[] {
  const next = random(seed);
  const doubled = events.flatMap((e) => (next() < 0.5 ? [e, e] : [e]));
  for (let i = doubled.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [doubled[i], doubled[j]] = [doubled[j], doubled[i]];
  }
  return doubled;
}
