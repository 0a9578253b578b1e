// Robust aggregates of per-unit values (targets x seeds) into one objective value. Pure; both threads.

export type AggregateKind = 'mean' | 'median' | 'worst';
export type Direction = 'maximize' | 'minimize';

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

/** Aggregates values; `worst` is the minimum when maximising and the maximum when minimising. */
export function aggregate(values: readonly number[], kind: AggregateKind, direction: Direction): number {
  switch (kind) {
    case 'mean':
      return mean(values);
    case 'median':
      return median(values);
    case 'worst':
      if (values.length === 0) throw new RangeError('worst of no values');
      return direction === 'maximize' ? Math.min(...values) : Math.max(...values);
  }
}
