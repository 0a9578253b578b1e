// Writing weights into a model's layers, for every engine (mlp.ts, cnn.ts): another model's weights in
// (setLayers), a fresh head, and reading a trainer step's outputs back. Worker side; gets tfjs passed in.
import type * as tfjs from '@tensorflow/tfjs';
import { rowLogLikelihood } from './forward-backward.js';
import type { StepResult, Tf } from './types.js';

/** A layer's variables (Dense or conv: any kernel shape). */
interface LayerVariables {
  readonly kernel: tfjs.Variable;
  readonly bias: tfjs.Variable;
}

/** `weights` into `layers`, in order. Throws on a different layer count or a layer of another size. */
export function assignLayers(tf: Tf, layers: readonly LayerVariables[], weights: readonly { readonly kernel: Float32Array; readonly bias: Float32Array }[]): void {
  if (weights.length !== layers.length) throw new Error(`${weights.length} layers of weights for a model of ${layers.length}`);
  layers.forEach((d, i) => {
    const { kernel, bias } = weights[i]!;
    if (kernel.length !== d.kernel.size || bias.length !== d.bias.size) throw new Error(`layer ${i}: weights of ${kernel.length}+${bias.length} values for ${d.kernel.size}+${d.bias.size}`);
    tf.tidy(() => {
      d.kernel.assign(tf.tensor(kernel, d.kernel.shape));
      d.bias.assign(tf.tensor1d(bias));
    });
  });
}

/** Glorot-uniform kernel from `seed`, zero bias. */
export function reinitDense(tf: Tf, head: LayerVariables, seed: number): void {
  tf.tidy(() => {
    head.kernel.assign(tf.initializers.glorotUniform({ seed }).apply(head.kernel.shape, 'float32'));
    head.bias.assign(tf.zerosLike(head.bias));
  });
}

/** A step's result from its probabilities and per-task gradient norms (both disposed here). */
export function readStep(y: Float32Array, width: number, probabilities: tfjs.Tensor, norms: tfjs.Tensor1D | null): StepResult {
  try {
    return {
      logLikelihood: rowLogLikelihood(y, probabilities.dataSync() as Float32Array, width),
      taskGradNorms: norms ? (norms.dataSync() as Float32Array) : null,
    };
  } finally {
    probabilities.dispose();
    norms?.dispose();
  }
}
