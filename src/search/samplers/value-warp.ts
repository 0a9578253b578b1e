// The gp sampler's warp of observed values before they are standardised: a soft logarithm of the gap
// to the best value, -log(best - y + delta), with delta a multiple of the median gap. Near the best
// (gaps well below delta) it is close to linear; the far tail, the poor trials of an objective whose
// range spans orders of magnitude (an ellipsoid, a bent cigar, a loss that explodes), is compressed,
// so the process's fit and its length scales follow the region that matters instead of the outliers.
// Monotone, so the order of the values and the best are kept. Main thread; pure.

/**
 * The warped values (to maximise, like the input), or the input itself when half of the values or
 * more tie the best (no scale to soften by) or `softness` is null.
 */
export function compressTail(values: readonly number[], softness: number | null): readonly number[] {
  if (softness === null || values.length === 0) return values;
  let best = -Infinity;
  for (const v of values) best = Math.max(best, v);
  const gaps = values.map((v) => best - v).sort((a, b) => a - b);
  const delta = softness * gaps[Math.floor(gaps.length / 2)]!;
  if (!(delta > 0 && Number.isFinite(delta))) return values;
  return values.map((v) => -Math.log(best - v + delta));
}
