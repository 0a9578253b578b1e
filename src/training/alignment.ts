// Feature alignment between labelled (source) rows and unlabelled target rows of one batch, as an
// extra loss on the last hidden layer's activations: CORAL (Sun and Saenko 2016) and multi-kernel
// Gaussian MMD (Long et al. 2015), their gradients in closed form; and how such rows join a batch.
// Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML parsing.
//
// Why closed form: the rest of the pass is (forward-backward.ts), and a tape around a few ops per
// step would cost more than the ops. test/training/alignment.test.ts checks both against tfjs autodiff.
import type * as tfjs from '@tensorflow/tfjs';
import { concat, scaleOf } from './batches.js';
import type { Batch, FeatureGradient, Tf } from './types.js';

/** Unlabelled target rows a phase appends to every batch, and the loss that aligns them. */
export interface Alignment {
  /** The unlabelled rows (rows x cols, row-major). */
  readonly pool: Float32Array;
  readonly rows: number;
  /**
   * The feature gradient of a batch whose first `labelledRows` rows are the labelled ones and the
   * rest pool rows, at `progress` in [0, 1) of the phase (DANN's lambda schedule reads it).
   */
  gradient(labelledRows: number, progress: number): FeatureGradient;
}

/**
 * The batch followed by `poolRows` of the pool: their targets are all zero and their loss scale 0,
 * so the cross-entropy never reads them (they carry no label); only the alignment loss does.
 */
export function withAlignment(batch: Batch, alignment: Alignment, poolRows: readonly number[], progress: number, cols: number, width: number): Batch {
  if (batch.groups || batch.taskRows || batch.distill) throw new RangeError('feature alignment takes a plain single-task batch');
  const k = poolRows.length;
  const x = new Float32Array(k * cols);
  poolRows.forEach((row, i) => x.set(alignment.pool.subarray(row * cols, (row + 1) * cols), i * cols));
  return {
    n: batch.n + k,
    x: concat(batch.x, x),
    y: concat(batch.y, new Float32Array(k * width)),
    scale: concat(scaleOf(batch), new Float32Array(k)),
    featureGradient: alignment.gradient(batch.n, progress),
  };
}

/**
 * CORAL's gradient, weight x d/dX of ||C_s - C_t||_F^2 / (4 d^2) with C the unbiased covariance of
 * each part: for the source rows (X_s - mean_s)(C_s - C_t) / (d^2 (n_s - 1)), for the target rows
 * the same with the opposite sign. Rows [0, sourceRows) are the source.
 */
export function coralGradient(weight: number, sourceRows: number): FeatureGradient {
  return (tf, features) => {
    const [n, d] = features.shape;
    const nt = n - sourceRows;
    if (sourceRows < 2 || nt < 2) return tf.zerosLike(features);
    const s = tf.slice(features, [0, 0], [sourceRows, d]);
    const t = tf.slice(features, [sourceRows, 0], [nt, d]);
    const sc = tf.sub(s, tf.mean(s, 0, true));
    const tc = tf.sub(t, tf.mean(t, 0, true));
    const cs = tf.div(tf.matMul(tf.transpose(sc), sc), sourceRows - 1);
    const ct = tf.div(tf.matMul(tf.transpose(tc), tc), nt - 1);
    const diff = tf.sub(cs, ct);
    const gs = tf.mul(tf.matMul(sc, diff), weight / (d * d * (sourceRows - 1)));
    const gt = tf.mul(tf.matMul(tc, diff), -weight / (d * d * (nt - 1)));
    return tf.concat([gs, gt], 0) as tfjs.Tensor2D;
  };
}

/** The CORAL loss itself, as tensors (for tests and diagnostics). */
export function coralLoss(tf: Tf, source: tfjs.Tensor2D, target: tfjs.Tensor2D): tfjs.Scalar {
  const d = source.shape[1];
  const cov = (x: tfjs.Tensor2D) => {
    const c = tf.sub(x, tf.mean(x, 0, true));
    return tf.div(tf.matMul(tf.transpose(c), c), x.shape[0] - 1);
  };
  return tf.div(tf.sum(tf.square(tf.sub(cov(source), cov(target)))), 4 * d * d) as tfjs.Scalar;
}

/** The Gaussian kernels' bandwidth multipliers (TLlib's DAN default: 2^-3 … 2^1 of the mean squared distance). */
export const MMD_BANDWIDTHS = [0.125, 0.25, 0.5, 1, 2] as const;

/**
 * The MMD estimator's coefficient matrices by batch shape, kept across steps (every full batch has
 * the same shape); the caller disposes it when the phase ends.
 */
export class MmdCoefficients {
  private readonly kept = new Map<string, tfjs.Tensor2D>();

  get(tf: Tf, ns: number, nt: number): tfjs.Tensor2D {
    const key = `${ns},${nt}`;
    let c = this.kept.get(key);
    if (c === undefined) {
      c = tf.keep(mmdCoefficients(tf, ns, nt));
      this.kept.set(key, c);
    }
    return c;
  }

  dispose(): void {
    for (const c of this.kept.values()) c.dispose();
    this.kept.clear();
  }
}

/**
 * Multi-kernel MMD's gradient: weight x d/dZ of sum_ij M_ij sum_k exp(-||z_i - z_j||^2 / (2 s_k)),
 * M the unbiased estimator's coefficients (1/(n_s(n_s-1)) within the source, 1/(n_t(n_t-1)) within
 * the target, diagonals excluded, -1/(n_s n_t) across). The bandwidths s_k are multiples of the
 * batch's mean squared distance b, held constant (not differentiated, as in TLlib). With
 * A_ij = -2 M_ij sum_k K_k,ij / s_k the gradient is rowSum(A) z_i - (A Z)_i.
 *
 * The bandwidths being b x 2^k, one exp serves all five kernels: with u = exp(-D / 4b) (the widest),
 * the others are u^2, u^4, u^8, u^16, so sum_k K_k / s_k = (u/2 + u^2 + 2u^4 + 4u^8 + 8u^16) / b:
 * about half the tfjs ops of one exp per kernel, which is what a small batch's step costs on wasm.
 */
export function mmdGradient(weight: number, sourceRows: number, cache?: MmdCoefficients): FeatureGradient {
  return (tf, features) => {
    const n = features.shape[0];
    const nt = n - sourceRows;
    if (sourceRows < 2 || nt < 2) return tf.zerosLike(features);
    const distances = squaredDistances(tf, features);
    const base = tf.mean(distances);
    const coefficients = cache ? cache.get(tf, sourceRows, nt) : mmdCoefficients(tf, sourceRows, nt);
    const u = tf.exp(tf.mul(distances, tf.div(-0.25, base))) as tfjs.Tensor2D;
    const u2 = tf.mul(u, u);
    const u4 = tf.mul(u2, u2);
    const u8 = tf.mul(u4, u4);
    const u16 = tf.mul(u8, u8);
    const kernels = tf.addN([tf.mul(u, 0.5), u2, tf.mul(u4, 2), tf.mul(u8, 4), tf.mul(u16, 8)]);
    const weighted = tf.mul(tf.mul(kernels, coefficients), tf.div(-2 * weight, base)) as tfjs.Tensor2D;
    return tf.sub(tf.mul(tf.sum(weighted, 1, true), features), tf.matMul(weighted, features)) as tfjs.Tensor2D;
  };
}

/** The multi-kernel MMD^2 estimate itself (bandwidths from `bandwidthBase`, a constant), for tests. */
/** Written kernel by kernel, as the definition reads: the reference the tests check mmdGradient against. */
export function mmdLoss(tf: Tf, features: tfjs.Tensor2D, sourceRows: number, bandwidthBase: number): tfjs.Scalar {
  const distances = squaredDistances(tf, features);
  const coefficients = mmdCoefficients(tf, sourceRows, features.shape[0] - sourceRows);
  let k: tfjs.Tensor | null = null;
  for (const m of MMD_BANDWIDTHS) {
    const term = tf.exp(tf.neg(tf.div(distances, 2 * m * bandwidthBase)));
    k = k ? tf.add(k, term) : term;
  }
  return tf.sum(tf.mul(k!, coefficients)) as tfjs.Scalar;
}

/** ||z_i - z_j||^2 for every pair of rows, clipped at 0 (rounding). */
export function squaredDistances(tf: Tf, z: tfjs.Tensor2D): tfjs.Tensor2D {
  const sq = tf.sum(tf.square(z), 1, true);
  return tf.relu(tf.sub(tf.add(sq, tf.transpose(sq)), tf.mul(tf.matMul(z, tf.transpose(z)), 2))) as tfjs.Tensor2D;
}

function mmdCoefficients(tf: Tf, ns: number, nt: number): tfjs.Tensor2D {
  const n = ns + nt;
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const si = i < ns;
      const sj = j < ns;
      values[i * n + j] = si && sj ? 1 / (ns * (ns - 1)) : !si && !sj ? 1 / (nt * (nt - 1)) : -1 / (ns * nt);
    }
  }
  return tf.tensor2d(values, [n, n]);
}
