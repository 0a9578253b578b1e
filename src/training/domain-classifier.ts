// DANN's domain classifier (Ganin et al. 2016): a small MLP on the last hidden layer's activations
// that tells labelled (source) rows from unlabelled target rows, trained to tell them apart while
// the features below get its gradient reversed (scaled by -lambda), so they learn to make the domains
// indistinguishable. Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML.
import type * as tfjs from '@tensorflow/tfjs';
import type { OptimizerName } from '../spec/recipe.js';
import { forwardBackward, type LayerWeights, type LoopConstants } from './forward-backward.js';
import { createOptimizer, type LeanOptimizer } from './optimizers.js';
import type { FeatureGradient, Tf } from './types.js';

/** Ganin et al.'s schedule of the reversal's strength: 2 / (1 + exp(-10 p)) - 1, p in [0, 1] the phase's progress. */
export function dannLambda(progress: number): number {
  return 2 / (1 + Math.exp(-10 * progress)) - 1;
}

export interface DomainClassifierOptions {
  /** Width of the features it reads (the last hidden layer's). */
  readonly width: number;
  /** Its hidden layer's width. */
  readonly hidden: number;
  readonly seed: number;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
}

/**
 * features -> Dense(hidden, relu) -> Dense(2) softmax, domain 0 the labelled rows and 1 the target's.
 * Its own weights step with their own optimizer inside the step of the model it is attached to.
 * Owns its tensors: dispose it.
 */
export class DomainClassifier {
  private readonly layers: { kernel: tfjs.Variable; bias: tfjs.Variable }[];
  private readonly optimizer: LeanOptimizer;
  private readonly constants: LoopConstants;
  /** Summed domain cross-entropy of the steps since the last read (a diagnostic, read back only then). */
  private lossSum: tfjs.Scalar | null = null;
  private lossCount = 0;

  constructor(
    private readonly tf: Tf,
    options: DomainClassifierOptions,
  ) {
    const shapes: [number, number][] = [
      [options.width, options.hidden],
      [options.hidden, 2],
    ];
    this.layers = shapes.map((shape, i) =>
      tf.tidy(() => ({
        kernel: tf.variable(tf.initializers.glorotUniform({ seed: options.seed + i }).apply(shape, 'float32') as tfjs.Tensor, true),
        bias: tf.variable(tf.zeros([shape[1]]), true),
      })),
    );
    this.optimizer = createOptimizer(tf, options.optimizer, options.learningRate, this.layers.flatMap((l) => [l.kernel, l.bias]));
    this.constants = { zero: tf.keep(tf.scalar(0)), one: tf.keep(tf.scalar(1)) };
  }

  /**
   * The reversed gradient for a batch whose first `labelledRows` rows are the labelled domain:
   * -weight x lambda(progress) x dL_domain/dfeatures. Steps the classifier on the same batch.
   */
  gradient(labelledRows: number, progress: number, weight: number): FeatureGradient {
    return (tf, features) => {
      const n = features.shape[0];
      const y = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) y[i * 2 + (i < labelledRows ? 0 : 1)] = 1;
      const weights: LayerWeights[] = this.layers.map((l) => ({ kernel: l.kernel as tfjs.Tensor2D, bias: l.bias as tfjs.Tensor1D, trainable: true }));
      // The closed-form pass differentiates only the layers it is given: the classifier's own step
      // leaves the model's weights alone, and inputGrad is what the features receive.
      const target = tf.tensor2d(y, [n, 2]);
      const pass = forwardBackward(tf, weights, 'relu', features, { y: target, scale: tf.scalar(1 / n) }, [], this.constants, { inputGrad: true });
      this.optimizer.step(pass.grads);
      const loss = tf.neg(tf.mean(tf.sum(tf.mul(target, tf.log(tf.maximum(pass.probabilities, 1e-12))), 1)));
      const sum = tf.keep(this.lossSum ? tf.add(this.lossSum, loss) : loss) as tfjs.Scalar;
      this.lossSum?.dispose();
      this.lossSum = sum;
      this.lossCount += 1;
      return tf.mul(pass.inputGrad!, -weight * dannLambda(progress)) as tfjs.Tensor2D;
    };
  }

  /** Mean domain loss over the recorded steps since the last call (ln 2 ~ 0.693: domains indistinguishable), NaN if none. */
  readLoss(): number {
    if (this.lossSum === null) return Number.NaN;
    const mean = (this.lossSum.dataSync()[0] as number) / this.lossCount;
    this.lossSum.dispose();
    this.lossSum = null;
    this.lossCount = 0;
    return mean;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.tf.dispose([...this.layers.flatMap((l) => [l.kernel, l.bias]), this.constants.zero, this.constants.one]);
    this.lossSum?.dispose();
    this.lossSum = null;
  }
}
