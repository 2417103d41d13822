/**
 * Seeded pseudo-random numbers (mulberry32 + Box–Muller). The only source of randomness allowed
 * in the engine (DESIGN.md rule 2): same seed ⇒ same sequence on every machine.
 */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** A new independent generator derived from this one and a label (e.g. per symbol). */
  fork(label: string): Prng;
}

const hashString = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
};

export const createPrng = (seed: number | string): Prng => {
  let state = (typeof seed === 'string' ? hashString(seed) : seed >>> 0) || 0x9e3779b9;
  // Spare normal from the Box–Muller pair, so each call costs one log/sqrt on average.
  let spareNormal: number | undefined;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal() {
      if (spareNormal !== undefined) {
        const value = spareNormal;
        spareNormal = undefined;
        return value;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const radius = Math.sqrt(-2 * Math.log(u));
      spareNormal = radius * Math.sin(2 * Math.PI * v);
      return radius * Math.cos(2 * Math.PI * v);
    },
    int: (n: number) => Math.floor(next() * n),
    fork: (label: string) => createPrng((hashString(label) ^ Math.floor(next() * 4294967296)) >>> 0),
  };
};
