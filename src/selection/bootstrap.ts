// Seeded bootstrap helpers: resampling weights and percentile intervals. Main thread; pure.
// Must not import the store, tfjs or the worker.
import { quantileSorted } from 'simple-statistics';
import type { Rng } from '../util/rng.js';

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** How many times each of `n` items is drawn when resampling n items with replacement. */
export function resampleCounts(rng: Rng, n: number): Uint32Array {
  const counts = new Uint32Array(n);
  for (let i = 0; i < n; i++) counts[Math.floor(rng.next() * n)]!++;
  return counts;
}

/** The central `level` percentile interval of `samples` (e.g. 0.95: the 2.5% and 97.5% quantiles). */
export function percentileInterval(samples: readonly number[], level: number): Interval {
  if (samples.length === 0) throw new RangeError('percentile interval of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { low: quantileSorted(sorted, tail), high: quantileSorted(sorted, 1 - tail) };
}
