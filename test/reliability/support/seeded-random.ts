/**
 * A seeded PRNG (mulberry32) for scenarios that fault at random moments: the seed is
 * printed with the figure, and `KF_RELIABILITY_SEED=<seed>` replays the same moments.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** The seed from `KF_RELIABILITY_SEED`, else a fresh one. */
  static fromEnv(): SeededRandom {
    const given = Number(process.env.KF_RELIABILITY_SEED);
    return new SeededRandom(Number.isInteger(given) ? given : Math.floor(Math.random() * 2 ** 31));
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}
