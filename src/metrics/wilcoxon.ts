// The one-sided Wilcoxon signed-rank test of paired differences, as scipy.stats.wilcoxon computes it
// with zero_method="zsplit" (what Optuna's WilcoxonPruner calls). Main thread; pure.
// Must not import the store, tfjs or the worker.
import { normalCdf } from './normal.js';

/** Which way the alternative hypothesis points: the differences tend to be below (or above) zero. */
export type Alternative = 'less' | 'greater';

/**
 * P-value of the one-sided signed-rank test of `differences` (x - y per pair). Ranks of |d| with
 * ties averaged; a zero difference's rank is split half to each side (zsplit, so that all-zero
 * differences give p = 0.5 rather than no answer). Exact null distribution for up to 50 pairs without
 * zeros or ties, otherwise the normal approximation with the tie correction and no continuity
 * correction (scipy's defaults; scipy 1.10 also used the exact table with ties, on a truncated
 * statistic, which newer versions stopped doing). NaN for no pairs.
 */
export function signedRankTest(differences: readonly number[], alternative: Alternative): number {
  const n = differences.length;
  if (n === 0) return Number.NaN;
  const ranks = averageRanks(differences.map(Math.abs));
  let rPlus = 0;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const d = differences[i]!;
    if (d > 0) rPlus += ranks[i]!;
    else if (d === 0) {
      rPlus += ranks[i]! / 2;
      zeros++;
    }
  }
  const tied = tieGroups(differences.map(Math.abs));
  if (n <= 50 && zeros === 0 && tied.length === 0) {
    const pmf = rankSumDistribution(n);
    const r = Math.round(rPlus);
    let p = 0;
    if (alternative === 'greater') for (let k = r; k < pmf.length; k++) p += pmf[k]!;
    else for (let k = 0; k <= r; k++) p += pmf[k]!;
    return Math.min(Math.max(p, 0), 1);
  }
  const mean = (n * (n + 1)) / 4;
  let variance = n * (n + 1) * (2 * n + 1);
  for (const t of tied) variance -= 0.5 * t * (t * t - 1);
  const se = Math.sqrt(variance / 24);
  if (se === 0) return 0.5;
  const z = (rPlus - mean) / se;
  return alternative === 'greater' ? 1 - normalCdf(z) : normalCdf(z);
}

/** Ranks 1..n of `values`, ties given the mean of the ranks they span. */
function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]![0] === order[start]![0]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]![1]] = rank;
    start = end + 1;
  }
  return ranks;
}

/** Sizes of the groups of equal values (only groups of two or more). */
function tieGroups(values: readonly number[]): number[] {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.values()].filter((c) => c > 1);
}

/** P(R+ = k) under the null for n pairs without ties: each rank's sign a fair coin. */
function rankSumDistribution(n: number): number[] {
  const max = (n * (n + 1)) / 2;
  let counts = new Array<number>(max + 1).fill(0);
  counts[0] = 1;
  for (let rank = 1; rank <= n; rank++) {
    const next = counts.slice();
    for (let k = rank; k <= max; k++) next[k]! += counts[k - rank]!;
    counts = next;
  }
  const total = 2 ** n;
  return counts.map((c) => c / total);
}
