// Pareto dominance over objective vectors, all minimised (callers flip the sign of a maximised
// objective): dominance, non-dominated sorting, the non-dominated subset. Pure; both threads.
// Must not import tfjs or the store.

/** Whether `a` dominates `b`: no worse in every objective and better in at least one (minimisation). */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    const y = b[k]!;
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/**
 * The non-domination rank of every point (0: the Pareto front; 1: the front once rank 0 is removed;
 * …), by repeated peeling: O(M N^2) per front, plenty for the few hundred trials of a study.
 */
export function nondominatedRanks(points: readonly (readonly number[])[]): Int32Array {
  const n = points.length;
  const rank = new Int32Array(n).fill(-1);
  let left = n;
  for (let r = 0; left > 0; r++) {
    const front: number[] = [];
    for (let i = 0; i < n; i++) {
      if (rank[i] !== -1) continue;
      let dominated = false;
      for (let j = 0; j < n && !dominated; j++) {
        if (j !== i && rank[j] === -1 && dominates(points[j]!, points[i]!)) dominated = true;
      }
      if (!dominated) front.push(i);
    }
    for (const i of front) rank[i] = r;
    left -= front.length;
  }
  return rank;
}

/** Indices of the non-dominated points, in input order (equal points are all kept). */
export function paretoFront(points: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < points.length; i++) {
    if (!points.some((p, j) => j !== i && dominates(p, points[i]!))) out.push(i);
  }
  return out;
}
