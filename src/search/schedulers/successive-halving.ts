// The rules of (asynchronous) successive halving, as pure functions: the rung ladder and the
// promotion test at one rung. Main thread; pure. Must not import the store, tfjs or the worker.

export type Direction = 'maximize' | 'minimize';

/** min_epochs x eta^k for k = 0, 1, …, below `epochs`. */
export function rungLadder(minEpochs: number, eta: number, epochs: number): number[] {
  const rungs: number[] = [];
  for (let rung = minEpochs; rung < epochs; rung *= eta) rungs.push(rung);
  return rungs;
}

/**
 * Whether `value` goes on from a rung where `values` were recorded (its own included): it must be at
 * least as good as the k-th best value, k = floor(n / eta) - 1, i.e. in the top 1/eta (ties go on).
 * With fewer than eta values k is 0: only the best so far goes on (as Optuna's SuccessiveHalvingPruner,
 * which cannot pause a trial to wait for more values either). Below `minReports` values every trial
 * goes on: a rung judges nobody until it has seen enough of them.
 */
export function promotable(
  value: number,
  values: readonly number[],
  eta: number,
  minReports: number,
  direction: Direction,
): boolean {
  if (values.length < minReports) return true;
  const k = Math.max(Math.floor(values.length / eta) - 1, 0);
  const bestFirst = [...values].sort((a, b) => (direction === 'maximize' ? b - a : a - b));
  const threshold = bestFirst[k]!;
  return direction === 'maximize' ? value >= threshold : value <= threshold;
}
