// k-means (Lloyd's iterations from a k-means++ start, Arthur and Vassilvitskii 2007) on row-major
// points: selftrain's cluster pseudo-labels. Pure and seeded; both threads. Must not import tfjs or the store.
import { Rng } from '../util/rng.js';

export interface Clustering {
  /** Cluster of every point. */
  readonly assignment: Int32Array;
  /** k x d centres, row-major. */
  readonly centres: Float64Array;
  /** Sum of squared distances of the points to their centres. */
  readonly inertia: number;
}

/** The best (lowest-inertia) of `restarts` seeded k-means runs: one k-means++ start can merge two clusters. */
export function bestKmeans(points: ArrayLike<number>, n: number, d: number, k: number, seed: number, restarts = 8): Clustering {
  let best: Clustering | null = null;
  for (let r = 0; r < restarts; r++) {
    const run = kmeans(points, n, d, k, seed * 1009 + r);
    if (best === null || run.inertia < best.inertia) best = run;
  }
  return best!;
}

/**
 * `k` clusters of the n x d points (k <= n), seeded: k-means++ draws the first centres (each next one
 * with probability proportional to its squared distance from the chosen ones), then Lloyd's
 * assign-and-average steps until no point moves or `iterations` are spent. A cluster that empties
 * keeps its centre.
 */
export function kmeans(points: ArrayLike<number>, n: number, d: number, k: number, seed: number, iterations = 50): Clustering {
  if (!(k >= 1 && k <= n)) throw new RangeError(`kmeans: k must be in 1..${n} (got ${k})`);
  const rng = new Rng(seed);
  const centres = new Float64Array(k * d);
  const dist = (i: number, c: number) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += (points[i * d + j]! - centres[c * d + j]!) ** 2;
    return s;
  };
  const first = Math.min(n - 1, Math.floor(rng.next() * n));
  for (let j = 0; j < d; j++) centres[j] = points[first * d + j]!;
  const nearest = new Float64Array(n).fill(Infinity);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i]!, dist(i, c - 1));
      total += nearest[i]!;
    }
    let pick = n - 1;
    let r = rng.next() * total;
    for (let i = 0; i < n; i++) {
      r -= nearest[i]!;
      if (r < 0) {
        pick = i;
        break;
      }
    }
    for (let j = 0; j < d; j++) centres[c * d + j] = points[pick * d + j]!;
  }
  const assignment = new Int32Array(n).fill(-1);
  for (let iter = 0; iter < iterations; iter++) {
    let moved = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDist = dist(i, 0);
      for (let c = 1; c < k; c++) {
        const dc = dist(i, c);
        if (dc < bestDist) {
          best = c;
          bestDist = dc;
        }
      }
      if (assignment[i] !== best) moved = true;
      assignment[i] = best;
    }
    if (!moved) break;
    const sums = new Float64Array(k * d);
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const c = assignment[i]!;
      counts[c]! += 1;
      for (let j = 0; j < d; j++) sums[c * d + j]! += points[i * d + j]!;
    }
    for (let c = 0; c < k; c++) if (counts[c]! > 0) for (let j = 0; j < d; j++) centres[c * d + j] = sums[c * d + j]! / counts[c]!;
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += dist(i, assignment[i]!);
  return { assignment, centres, inertia };
}
