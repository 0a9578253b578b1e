// Robust aggregates of per-unit values (targets x seeds) into one objective value: mean, median, worst
// case, CVaR at alpha, mean minus lambda x std. Pure; both threads. Must not import tfjs or the store.
import type { AggregateKind, Direction } from '../spec/metrics.js';

/** Parameters of the aggregates that take one; the defaults apply when left out. */
export interface AggregateParams {
  /** cvar: the fraction of the worst units averaged, in (0, 1] (default 0.25). */
  readonly alpha?: number | undefined;
  /** mean_minus_std: weight of the standard deviation, >= 0 (default 1). */
  readonly lambda?: number | undefined;
}

export const DEFAULT_ALPHA = 0.25;
export const DEFAULT_LAMBDA = 1;

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('mean of no values');
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Sample standard deviation (n - 1 in the denominator); 0 for a single value. */
export function sampleStd(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('std of no values');
  if (values.length === 1) return 0;
  const m = mean(values);
  let sum = 0;
  for (const v of values) sum += (v - m) ** 2;
  return Math.sqrt(sum / (values.length - 1));
}

/**
 * Conditional value at risk: the mean of the worst `alpha` fraction of the values (the lowest when
 * maximising, the highest when minimising). With n values the worst alpha*n of them count, the last
 * one fractionally (Rockafellar-Uryasev on the empirical distribution), so alpha = 1 is the mean and
 * alpha <= 1/n is the worst value.
 */
export function cvar(values: readonly number[], alpha: number, direction: Direction): number {
  if (values.length === 0) throw new RangeError('cvar of no values');
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`cvar alpha must be in (0, 1] (got ${alpha})`);
  const sorted = [...values].sort((a, b) => (direction === 'maximize' ? a - b : b - a));
  const mass = alpha * sorted.length;
  let sum = 0;
  let taken = 0;
  for (const v of sorted) {
    const w = Math.min(1, mass - taken);
    if (w <= 0) break;
    sum += w * v;
    taken += w;
  }
  return sum / mass;
}

/** mean - lambda * std when maximising, mean + lambda * std when minimising: variability is penalised. */
export function meanMinusStd(values: readonly number[], lambda: number, direction: Direction): number {
  if (!(lambda >= 0)) throw new RangeError(`mean_minus_std lambda must be >= 0 (got ${lambda})`);
  const penalty = lambda * sampleStd(values);
  return direction === 'maximize' ? mean(values) - penalty : mean(values) + penalty;
}

/** Aggregates values; `worst`, `cvar` and `mean_minus_std` follow the direction. */
export function aggregate(
  values: readonly number[],
  kind: AggregateKind,
  direction: Direction,
  params: AggregateParams = {},
): number {
  switch (kind) {
    case 'mean':
      return mean(values);
    case 'median':
      return median(values);
    case 'worst':
      if (values.length === 0) throw new RangeError('worst of no values');
      return direction === 'maximize' ? Math.min(...values) : Math.max(...values);
    case 'cvar':
      return cvar(values, params.alpha ?? DEFAULT_ALPHA, direction);
    case 'mean_minus_std':
      return meanMinusStd(values, params.lambda ?? DEFAULT_LAMBDA, direction);
  }
}
