// Batch Spectral Shrinkage (Chen, Wang, Fu, Long and Wang 2019, "Catastrophic forgetting meets
// negative transfer"): while fine-tuning, penalise the k smallest singular values of the batch's
// feature matrix (the last hidden layer), the directions that carry the source's untransferable
// detail. Its gradient joins the pass through the featureGradient hook. Worker side; gets tfjs
// passed in. Must not import the store, the CLI or YAML parsing.
//
// Why closed form: tfjs has no differentiable SVD. With F = U S V^T, sigma_i^2 is the i-th eigenvalue
// of F^T F and d(sigma_i^2)/dF = 2 F v_i v_i^T (simple eigenvalues), so the k smallest cost one d x d
// eigen-decomposition per step (d: the last hidden width). test/training/bss.test.ts checks it
// against finite differences.
import { matrix, symmetricEigen, type Matrix } from '../metrics/linalg.js';
import type { FeatureGradient } from './types.js';

/** eta sum_{i=1..k} sigma_{-i}^2 of the n x d row-major features (the k smallest, k <= min(n, d)). */
export function bssPenalty(features: ArrayLike<number>, n: number, d: number, weight: number, k: number): number {
  const { values } = symmetricEigen(gramOf(features, n, d));
  let total = 0;
  for (const i of smallest(n, d, k)) total += Math.max(values[i]!, 0);
  return weight * total;
}

/** The gradient of bssPenalty with respect to the features: 2 eta F V_k V_k^T. */
export function bssGradient(weight: number, k: number): FeatureGradient {
  return (tf, features) => {
    const [n, d] = features.shape;
    const picked = smallest(n, d, k);
    if (weight === 0 || picked.length === 0) return tf.zerosLike(features);
    const { vectors } = symmetricEigen(gramOf(features.dataSync(), n, d));
    const vk = new Float32Array(d * picked.length);
    for (let r = 0; r < d; r++) picked.forEach((col, j) => (vk[r * picked.length + j] = vectors.data[r * d + col]!));
    const v = tf.tensor2d(vk, [d, picked.length]);
    return tf.mul(tf.matMul(tf.matMul(features, v), tf.transpose(v)), tf.scalar(2 * weight));
  };
}

/**
 * Indices (into symmetricEigen's descending values) of the k smallest singular values of an n x d
 * matrix: it has min(n, d) of them, so with fewer rows than columns the zero eigenvalues of F^T F
 * beyond the rank are not singular values and are skipped.
 */
function smallest(n: number, d: number, k: number): number[] {
  const rank = Math.min(n, d);
  const count = Math.min(k, rank);
  return Array.from({ length: count }, (_, j) => rank - 1 - j);
}

function gramOf(data: ArrayLike<number>, n: number, d: number): Matrix {
  const g = matrix(d, d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const fa = data[i * d + a]!;
      if (fa === 0) continue;
      for (let b = a; b < d; b++) g.data[a * d + b]! += fa * data[i * d + b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) g.data[a * d + b] = g.data[b * d + a]!;
  return g;
}
