// Robustness evaluation: accuracy of a trained MLP under the fast gradient sign attack (FGSM,
// Goodfellow et al. 2015). Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML.
import type * as tfjs from '@tensorflow/tfjs';
import type { Dataset } from '../data/types.js';
import { forwardBackward, forwardLogits } from './forward-backward.js';
import { inferenceWeights, type DenseStack } from './dense.js';
import type { Tf } from './types.js';

const CHUNK = 1024;

/**
 * Share of `ds`'s rows still classified correctly after each row is moved to x + epsilon *
 * sign(dCE/dx), the gradient taken at its true label under the model's current weights (white box,
 * one step, no clipping to a feature range). NaN for an empty dataset.
 */
export function fgsmAccuracy(tf: Tf, mlp: DenseStack, ds: Dataset, epsilon: number): number {
  if (ds.rows === 0) return Number.NaN;
  const width = mlp.dense[mlp.dense.length - 1]!.units;
  const weights = inferenceWeights(mlp);
  let correct = 0;
  for (let start = 0; start < ds.rows; start += CHUNK) {
    const n = Math.min(CHUNK, ds.rows - start);
    const y = new Float32Array(n * width);
    for (let i = 0; i < n; i++) y[i * width + (ds.labels[start + i] as number)] = 1;
    const predicted = tf.tidy(() => {
      const x = tf.tensor2d(ds.features.subarray(start * ds.cols, (start + n) * ds.cols), [n, ds.cols]);
      const constants = { zero: tf.scalar(0), one: tf.scalar(1) };
      const pass = forwardBackward(
        tf,
        weights,
        mlp.activation,
        x,
        { y: tf.tensor2d(y, [n, width]), scale: tf.scalar(1 / n) },
        [],
        constants,
        { weightGrads: false, inputGrad: true },
      );
      const attacked = tf.add(x, tf.mul(tf.sign(pass.inputGrad!), tf.scalar(epsilon))) as tfjs.Tensor2D;
      return tf.argMax(forwardLogits(tf, weights, mlp.activation, attacked), 1);
    });
    try {
      const classes = predicted.dataSync();
      for (let i = 0; i < n; i++) if (classes[i] === ds.labels[start + i]) correct += 1;
    } finally {
      predicted.dispose();
    }
  }
  return correct / ds.rows;
}
