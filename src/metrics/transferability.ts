// Transferability screens: how well a model trained on a source should transfer to a target, scored
// from its outputs on the target's labelled rows, without any fine-tuning. LEEP (Nguyen et al. 2020),
// LogME (You et al. 2021), H-score (Bao et al. 2019), NCE (Tran, Nguyen and Hassner 2019). Higher is
// better for all four. Pure; both
// threads (the worker computes them next to the source model). Must not import tfjs or the store.
import { gram, matrix, symmetricEigen, transposeTimes, type Matrix } from './linalg.js';

/** Row-major n x d values. */
export interface Rows {
  readonly n: number;
  readonly d: number;
  readonly data: ArrayLike<number>;
}

function checkLabels(rows: Rows, labels: ArrayLike<number>, what: string): void {
  if (labels.length !== rows.n) throw new RangeError(`${what}: ${rows.n} rows but ${labels.length} labels`);
  if (rows.n === 0) throw new RangeError(`${what}: no rows`);
}

/**
 * Log Expected Empirical Prediction. `probabilities` are the source model's class probabilities on
 * the target rows (n x Z source classes). With the empirical joint P(y, z) = 1/n sum_i theta_z(x_i)
 * [y_i = y], LEEP = 1/n sum_i log sum_z P(y_i | z) theta_z(x_i): the log-likelihood of the target
 * labels under the source model followed by the best "dummy" label mapping. At most 0.
 */
export function leep(probabilities: Rows, labels: ArrayLike<number>, numClasses: number): number {
  checkLabels(probabilities, labels, 'leep');
  const { n, d: z, data } = probabilities;
  const joint = new Float64Array(numClasses * z);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    for (let k = 0; k < z; k++) joint[y * z + k]! += data[i * z + k]! / n;
  }
  const marginal = new Float64Array(z);
  for (let y = 0; y < numClasses; y++) for (let k = 0; k < z; k++) marginal[k]! += joint[y * z + k]!;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    let p = 0;
    for (let k = 0; k < z; k++) {
      if (marginal[k]! > 0) p += (joint[y * z + k]! / marginal[k]!) * data[i * z + k]!;
    }
    total += Math.log(Math.max(p, 1e-300));
  }
  return total / n;
}

/**
 * Negative Conditional Entropy -H(Y | Z) (Tran, Nguyen and Hassner 2019), in nats. Z is the source
 * model's hard label of each target row (the argmax of `probabilities`, n x Z source classes; the
 * first on ties), Y the target label: with the empirical joint P(y, z) of the n rows,
 * NCE = sum_{y,z} P(y, z) log P(y | z). At most 0 (Z determines Y); -H(Y) when Z says nothing about Y.
 * LEEP is its soft version (Nguyen et al. 2020 show LEEP >= NCE).
 */
export function nce(probabilities: Rows, labels: ArrayLike<number>, numClasses: number): number {
  checkLabels(probabilities, labels, 'nce');
  const { n, d: z, data } = probabilities;
  const joint = new Float64Array(numClasses * z);
  const marginal = new Float64Array(z);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < z; k++) if (data[i * z + k]! > data[i * z + best]!) best = k;
    joint[labels[i]! * z + best]! += 1;
    marginal[best]! += 1;
  }
  let total = 0;
  for (let y = 0; y < numClasses; y++) {
    for (let k = 0; k < z; k++) {
      const count = joint[y * z + k]!;
      if (count > 0) total += (count / n) * Math.log(count / marginal[k]!);
    }
  }
  return total;
}

/**
 * LogME: the log marginal evidence per row of a Bayesian linear regression from the features to each
 * target class's one-hot column, with its prior and noise precisions (alpha, beta) set by evidence
 * maximisation (the fixed-point iteration of You et al.), averaged over classes. Features are the
 * source model's penultimate activations on the target rows (n x D).
 */
export function logme(features: Rows, labels: ArrayLike<number>, numClasses: number): number {
  checkLabels(features, labels, 'logme');
  const { n, d } = features;
  const f = matrix(n, d, features.data);
  const { values, vectors } = symmetricEigen(gram(f));
  const s = Float64Array.from(values, (v) => Math.max(v, 0));
  const epsilon = 1e-5;
  let total = 0;
  let classes = 0;
  for (let c = 0; c < numClasses; c++) {
    const y = new Float64Array(n);
    let present = false;
    for (let i = 0; i < n; i++) {
      if (labels[i] !== c) continue;
      y[i] = 1;
      present = true;
    }
    if (!present) continue;
    // tmp = V^T F^T y
    const fty = transposeTimes(f, y);
    const tmp = new Float64Array(d);
    for (let k = 0; k < d; k++) for (let j = 0; j < d; j++) tmp[k]! += vectors.data[j * d + k]! * fty[j]!;
    let alpha = 1;
    let beta = 1;
    let lam = alpha / beta;
    let alphaDe = 0;
    let betaDe = 0;
    for (let iter = 0; iter < 11; iter++) {
      let gamma = 0;
      for (let k = 0; k < d; k++) gamma += s[k]! / (s[k]! + lam);
      // m = V (tmp * beta / (alpha + beta s))
      const coef = Float64Array.from(tmp, (t, k) => (t * beta) / (alpha + beta * s[k]!));
      const m = new Float64Array(d);
      for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) m[j]! += vectors.data[j * d + k]! * coef[k]!;
      alphaDe = 0;
      for (const v of m) alphaDe += v * v;
      alpha = gamma / (alphaDe + epsilon);
      betaDe = 0;
      for (let i = 0; i < n; i++) {
        let fit = 0;
        for (let j = 0; j < d; j++) fit += f.data[i * d + j]! * m[j]!;
        betaDe += (y[i]! - fit) ** 2;
      }
      beta = Math.max(n - gamma, epsilon) / (betaDe + epsilon);
      const next = alpha / beta;
      const converged = Math.abs(next - lam) / lam < 0.01;
      lam = next;
      if (converged) break;
    }
    let logDet = 0;
    for (let k = 0; k < d; k++) logDet += Math.log(alpha + beta * s[k]!);
    const evidence =
      (d / 2) * Math.log(alpha) +
      (n / 2) * Math.log(beta) -
      0.5 * logDet -
      (beta / 2) * (betaDe + epsilon) -
      (alpha / 2) * (alphaDe + epsilon) -
      (n / 2) * Math.log(2 * Math.PI);
    total += evidence / n;
    classes++;
  }
  return total / classes;
}

export interface HScoreOptions {
  /**
   * Shrink cov(f) toward a multiple of the identity with the Ledoit-Wolf weight (default true), as
   * in the shrinkage H-score of Ibrahim et al. 2022: with few labelled rows per feature the plain
   * estimate is near-singular and every source scores the maximum K - 1.
   */
  readonly shrinkage?: boolean;
}

/**
 * H-score: tr(cov(f)^+ cov(E[f | y])), how much of the features' variance separates the target
 * classes, relative to their total variance (0 when class means coincide; at most min(D, K - 1)).
 * The pseudo-inverse drops directions with variance below 1e-8 of the largest, so constant or
 * duplicated features do not blow it up. By default cov(f) is shrunk (see HScoreOptions).
 */
export function hScore(features: Rows, labels: ArrayLike<number>, numClasses: number, options: HScoreOptions = {}): number {
  checkLabels(features, labels, 'hscore');
  const { n, d, data } = features;
  const means = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) means[j]! += data[i * d + j]! / n;
  const centred = matrix(n, d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) centred.data[i * d + j] = data[i * d + j]! - means[j]!;
  const classSum = new Float64Array(numClasses * d);
  const counts = new Float64Array(numClasses);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    counts[y]!++;
    for (let j = 0; j < d; j++) classSum[y * d + j]! += centred.data[i * d + j]!;
  }
  // Every row replaced by its class mean (of the centred features).
  const g = matrix(n, d);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    for (let j = 0; j < d; j++) g.data[i * d + j] = classSum[y * d + j]! / counts[y]!;
  }
  // Shrunk: tr(((1 - w) S + w mu I)^-1 (1 - w) cov(g)), numerator scaled like S, so every direction
  // still contributes at most 1 and the score stays within [0, K - 1].
  const shrunk = options.shrinkage === false ? { cov: scale(gram(centred), 1 / n), weight: 0 } : ledoitWolf(centred);
  const covF = shrunk.cov;
  const covG = scale(gram(g), (1 - shrunk.weight) / n);
  const { values, vectors } = symmetricEigen(covF);
  const cutoff = 1e-8 * Math.max(values[0]!, 0);
  // tr(pinv(covF) covG) = sum_k (v_k^T covG v_k) / lambda_k over the kept eigenpairs.
  let h = 0;
  for (let k = 0; k < d; k++) {
    const lambda = values[k]!;
    if (!(lambda > cutoff)) continue;
    let q = 0;
    for (let a = 0; a < d; a++) {
      let row = 0;
      for (let b = 0; b < d; b++) row += covG.data[a * d + b]! * vectors.data[b * d + k]!;
      q += vectors.data[a * d + k]! * row;
    }
    h += q / lambda;
  }
  return h;
}

function scale(m: Matrix, factor: number): Matrix {
  return { rows: m.rows, cols: m.cols, data: Float64Array.from(m.data, (v) => v * factor) };
}

/**
 * The Ledoit-Wolf shrunk covariance of centred rows: (1 - w) S + w mu I with S = X^T X / n,
 * mu = tr(S) / p and the weight w that minimises the expected Frobenius loss (Ledoit and Wolf 2004;
 * the same estimate as scikit-learn's ledoit_wolf).
 */
export function ledoitWolf(centred: Matrix): { cov: Matrix; weight: number } {
  const { rows: n, cols: p, data } = centred;
  const s = scale(gram(centred), 1 / n);
  let trace = 0;
  for (let i = 0; i < p; i++) trace += s.data[i * p + i]!;
  const mu = trace / p;
  // beta_ = sum_ij sum_k x_ki^2 x_kj^2 = sum_k (sum_i x_ki^2)^2 ; delta_ = ||X^T X||_F^2 / n^2
  let betaSum = 0;
  for (let k = 0; k < n; k++) {
    let rowSq = 0;
    for (let i = 0; i < p; i++) rowSq += data[k * p + i]! ** 2;
    betaSum += rowSq * rowSq;
  }
  let deltaSum = 0;
  for (const v of s.data) deltaSum += v * v;
  let beta = (betaSum / n - deltaSum) / (p * n);
  // ||S - mu I||_F^2 / p
  const delta = (deltaSum - 2 * mu * trace + p * mu * mu) / p;
  beta = Math.min(beta, delta);
  const w = beta <= 0 || delta === 0 ? 0 : beta / delta;
  const out = Float64Array.from(s.data, (v) => (1 - w) * v);
  for (let i = 0; i < p; i++) out[i * p + i]! += w * mu;
  return { cov: { rows: p, cols: p, data: out }, weight: w };
}
