// Seeded pseudo-random numbers (no global state): every sampler, split and generator owns one.
// Pure; safe on both threads.

/** Mixes any number of integers into one 32-bit seed (order matters). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    // Split doubles into two 32-bit halves so large or fractional seeds still mix.
    const lo = part >>> 0;
    const hi = Math.floor(part / 2 ** 32) >>> 0;
    for (const word of [lo, hi]) {
      h = Math.imul(h ^ word, 0x01000193);
      h ^= h >>> 15;
      h = Math.imul(h, 0x2c1b3c6d);
      h ^= h >>> 12;
    }
  }
  return h >>> 0;
}

/** Hash of a string to a 32-bit seed (FNV-1a). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: small, fast, and good enough for sampling and shuffles. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = mixSeed(seed) || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [low, high] (inclusive). */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    return this.permutationInto(new Int32Array(n));
  }

  /** permutation(out.length) written into `out` (the same draws): a long phase reuses one order array per epoch. */
  permutationInto(out: Int32Array): Int32Array {
    for (let i = 0; i < out.length; i++) out[i] = i;
    this.shuffle(out);
    return out;
  }

  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}
