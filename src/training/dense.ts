// A stack of Dense layers as the MLP's helpers (compression, robustness, prediction) read it: the
// layers' variables, the activation, and the weights of an inference pass. Worker side; gets tfjs
// passed in. Must not import the store, the CLI or YAML parsing.
import type * as tfjs from '@tensorflow/tfjs';
import type { Activation } from '../spec/study.js';
import type { LayerWeights } from './forward-backward.js';
import type { Tf } from './types.js';

/** A Dense layer and the variables the training loop updates in place. */
export interface DenseParams {
  readonly layer: tfjs.layers.Layer;
  readonly kernel: tfjs.Variable;
  readonly bias: tfjs.Variable;
  readonly units: number;
}

/** Dense layers from the input (the head last) and the activation between them. */
export interface DenseStack {
  readonly dense: readonly DenseParams[];
  readonly activation: Activation;
}

/** The Dense layers' own variables as the weights of a pass (no gradients: inference). */
export function inferenceWeights(mlp: DenseStack): LayerWeights[] {
  return mlp.dense.map((d) => ({ kernel: d.kernel as tfjs.Tensor2D, bias: d.bias as tfjs.Tensor1D, trainable: false }));
}

/** The hidden layers' activation function. */
export function activate<T extends tfjs.Tensor>(tf: Tf, activation: Activation, x: T): T {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'elu':
      return tf.elu(x);
  }
}
