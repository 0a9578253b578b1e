// The multilayer perceptron every strategy trains: a tf.Sequential of Dense layers (plus Dropout),
// every initialiser seeded. Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML.
import type * as tfjs from '@tensorflow/tfjs';
import type { Activation, ModelSpec } from '../spec/study.js';
import type { Dataset } from '../data/types.js';
import { mixSeed } from '../util/rng.js';
import { forwardLogits, type LayerWeights } from './forward-backward.js';
import type { LayerSnapshot, Tf } from './types.js';

/** A Dense layer and the variables the training loop updates in place. */
export interface DenseParams {
  readonly layer: tfjs.layers.Layer;
  readonly kernel: tfjs.Variable;
  readonly bias: tfjs.Variable;
  readonly units: number;
}

export interface Mlp {
  /** The model as tfjs knows it (inference, summaries); training goes through `dense`. */
  readonly model: tfjs.Sequential;
  /** The hidden Dense layers from the input, then the softmax head. */
  readonly dense: readonly DenseParams[];
  readonly activation: Activation;
  /** Dropout rate after every hidden layer (0: none). */
  readonly dropout: number;
}

export interface MlpOptions {
  readonly inputs: number;
  readonly numClasses: number;
  readonly spec: ModelSpec;
  /** The recipe's dropout: it overrides the model's (the config resolves which applies). */
  readonly dropout: number;
  readonly seed: number;
}

/** Seed streams derived from the model seed, so no two initialisers share random numbers. */
const STREAM_KERNEL = 1;
const STREAM_DROPOUT_LAYER = 2;

/**
 * Builds the MLP. Kernels: He-uniform under relu/elu (keeps the activations' variance through the
 * layers), Glorot-uniform under tanh/sigmoid and for the head; biases start at zero. The head has a
 * softmax, so `model.predict` gives class probabilities.
 */
export function buildMlp(tf: Tf, options: MlpOptions): Mlp {
  const { spec, seed } = options;
  const model = tf.sequential();
  try {
    const units = [...spec.hidden, options.numClasses];
    units.forEach((size, i) => {
      const head = i === units.length - 1;
      const kernelSeed = mixSeed(seed, STREAM_KERNEL, i);
      model.add(
        tf.layers.dense({
          ...(i === 0 ? { inputShape: [options.inputs] } : {}),
          units: size,
          activation: head ? 'softmax' : spec.activation,
          kernelInitializer: head ? tf.initializers.glorotUniform({ seed: kernelSeed }) : hiddenInit(tf, spec.activation, kernelSeed),
          biasInitializer: 'zeros',
        }),
      );
      if (!head && options.dropout > 0) {
        // Only used by tfjs inference paths (where dropout is the identity); training applies its own
        // seeded masks because tfjs reuses one mask for every batch when given a fixed seed.
        model.add(tf.layers.dropout({ rate: options.dropout, seed: mixSeed(seed, STREAM_DROPOUT_LAYER, i) }));
      }
    });
    const dense = model.layers
      .filter((layer) => layer.getClassName() === 'Dense')
      .map((layer) => {
        const [kernel, bias] = layer.weights.map((w) => w.read() as tfjs.Variable);
        return { layer, kernel: kernel!, bias: bias!, units: kernel!.shape[1] as number };
      });
    return { model, dense, activation: spec.activation, dropout: options.dropout };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function hiddenInit(tf: Tf, activation: Activation, seed: number): ReturnType<Tf['initializers']['heUniform']> {
  return activation === 'relu' || activation === 'elu'
    ? tf.initializers.heUniform({ seed })
    : tf.initializers.glorotUniform({ seed });
}

/** Draws fresh head weights from `seed` (Glorot-uniform kernel, zero bias), e.g. after pre-training. */
export function reinitHead(tf: Tf, mlp: Mlp, seed: number): void {
  const head = mlp.dense[mlp.dense.length - 1]!;
  tf.tidy(() => {
    head.kernel.assign(tf.initializers.glorotUniform({ seed }).apply(head.kernel.shape, 'float32'));
    head.bias.assign(tf.zerosLike(head.bias));
  });
}

/** Marks the first `count` hidden Dense layers as frozen (never the head); clamps to the hidden count. */
export function freezeHidden(mlp: Mlp, count: number): void {
  mlp.dense.forEach((d, i) => {
    d.layer.trainable = i >= count || i === mlp.dense.length - 1;
  });
}

/** The Dense layers' own variables as the weights of a pass (no gradients: inference). */
export function inferenceWeights(mlp: Mlp): LayerWeights[] {
  return mlp.dense.map((d) => ({ kernel: d.kernel as tfjs.Tensor2D, bias: d.bias as tfjs.Tensor1D, trainable: false }));
}

/** Rows per forward pass when predicting: bounds the memory of large validation sets. */
const PREDICT_CHUNK = 2048;

/** The head's logits for every row of `ds` (row-major, rows x classes; inference mode). */
export function predictLogits(tf: Tf, mlp: Mlp, ds: Pick<Dataset, 'features' | 'rows' | 'cols'>): Float32Array {
  const width = mlp.dense[mlp.dense.length - 1]!.units;
  const out = new Float32Array(ds.rows * width);
  const weights = inferenceWeights(mlp);
  for (let start = 0; start < ds.rows; start += PREDICT_CHUNK) {
    const n = Math.min(PREDICT_CHUNK, ds.rows - start);
    const logits = tf.tidy(() =>
      forwardLogits(tf, weights, mlp.activation, tf.tensor2d(ds.features.subarray(start * ds.cols, (start + n) * ds.cols), [n, ds.cols])),
    );
    try {
      out.set(logits.dataSync() as Float32Array, start * width);
    } finally {
      logits.dispose();
    }
  }
  return out;
}

/** Class index with the highest logit for every row of `ds` (the model in inference mode). */
export function predictClasses(tf: Tf, mlp: Mlp, ds: Pick<Dataset, 'features' | 'rows' | 'cols'>): Int32Array {
  const width = mlp.dense[mlp.dense.length - 1]!.units;
  return argmaxRows(predictLogits(tf, mlp, ds), width);
}

/** Index of the largest value of every row (the first one on ties). */
export function argmaxRows(values: Float32Array, width: number): Int32Array {
  const rows = values.length / width;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < width; k++) if ((values[r * width + k] as number) > (values[r * width + best] as number)) best = k;
    out[r] = best;
  }
  return out;
}

/** Weights and biases of every Dense layer. */
export function parameterCount(mlp: Mlp): number {
  return mlp.dense.reduce((sum, d) => sum + d.kernel.size + d.bias.size, 0);
}

/** Copies of every Dense layer's weights (for observers; costs a read of every weight). */
export function snapshotLayers(mlp: Mlp): LayerSnapshot[] {
  return mlp.dense.map((d) => ({
    trainable: d.layer.trainable,
    kernel: Float32Array.from(d.kernel.dataSync()),
    bias: Float32Array.from(d.bias.dataSync()),
  }));
}
