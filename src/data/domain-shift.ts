// The domain-shift family's two transforms: covariate shift (the target's inputs shifted and
// rescaled by a known amount, the labelling rule unchanged) and label shift (the same inputs per
// class, resampled to other class priors). With the relatedness family at rho = 1 (every task the
// same rule) they make tasks whose only difference from the sources is a shift of a known size.
// Runs on both threads. Must not import tfjs, the store, the CLI or YAML parsing.
import { DataError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { selectRows } from './rows.js';
import type { Dataset } from './types.js';

/**
 * x'_f = x_f * exp(amount * v_f / 2) + amount * u_f, with u_f, v_f ~ N(0, 1) drawn once per feature
 * from `seed`: on unit-variance features, `amount` is the offset in standard deviations per feature
 * (in root mean square) and the log-scale's spread is amount / 2. Labels are untouched (the rule is
 * the sources'), so amount 0 is the identity and larger amounts are a larger covariate shift.
 */
export function covariateShift(ds: Dataset, amount: number, seed: number): Dataset {
  if (!(Number.isFinite(amount) && amount >= 0)) throw new DataError(`shift: amount must be a finite number >= 0 (got ${amount})`);
  if (!Number.isSafeInteger(seed)) throw new DataError(`shift: seed must be an integer (got ${seed})`);
  const rng = new Rng(seed);
  const offset = new Float64Array(ds.cols);
  const scale = new Float64Array(ds.cols);
  for (let f = 0; f < ds.cols; f++) {
    offset[f] = amount * rng.normal();
    scale[f] = Math.exp((amount * rng.normal()) / 2);
  }
  const features = new Float32Array(ds.features.length);
  for (let i = 0; i < features.length; i++) {
    const f = i % ds.cols;
    features[i] = (ds.features[i] as number) * (scale[f] as number) + (offset[f] as number);
  }
  return { ...ds, features, labels: ds.labels.slice() };
}

/**
 * The largest seeded subsample of `ds` whose class shares are `priors` (normalised to sum 1):
 * floor(N x p_k) rows of class k, N as large as every class allows. Rows keep their order and
 * values, so P(x | y) is unchanged and only P(y) moves (label shift). One prior per class.
 */
export function resamplePriors(ds: Dataset, priors: readonly number[], seed: number): Dataset {
  if (priors.length !== ds.numClasses) {
    throw new DataError(`priors: needs one prior per class (${ds.numClasses}), got ${priors.length}`);
  }
  if (priors.some((p) => !(Number.isFinite(p) && p >= 0)) || !priors.some((p) => p > 0)) {
    throw new DataError(`priors: every prior must be a finite number >= 0, at least one > 0 (got ${priors.join(', ')})`);
  }
  if (!Number.isSafeInteger(seed)) throw new DataError(`priors: seed must be an integer (got ${seed})`);
  const total = priors.reduce((a, b) => a + b, 0);
  const shares = priors.map((p) => p / total);
  const byClass: number[][] = Array.from({ length: ds.numClasses }, () => []);
  for (let i = 0; i < ds.rows; i++) byClass[ds.labels[i] as number]!.push(i);
  let size = Infinity;
  shares.forEach((p, k) => {
    if (p > 0) size = Math.min(size, byClass[k]!.length / p);
  });
  const rng = new Rng(seed);
  const kept: number[] = [];
  shares.forEach((p, k) => {
    const rows = byClass[k]!;
    const order = rng.permutation(rows.length);
    const count = Math.floor(size * p + 1e-9);
    for (let i = 0; i < count; i++) kept.push(rows[order[i] as number] as number);
  });
  if (kept.length === 0) throw new DataError('priors: no rows left (a class with a positive prior has no rows)');
  return selectRows(ds, kept.sort((a, b) => a - b));
}

/** Class shares of a dataset's labels (for tests and reports). */
export function classShares(ds: Pick<Dataset, 'labels' | 'numClasses'>): number[] {
  const counts = new Array<number>(ds.numClasses).fill(0);
  for (const y of ds.labels) counts[y] = (counts[y] as number) + 1;
  return counts.map((c) => c / Math.max(1, ds.labels.length));
}
