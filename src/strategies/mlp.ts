// The multilayer perceptron every strategy trains: a tf.Sequential of Dense layers (plus Dropout),
// every initialiser seeded. Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML.
import type * as tfjs from '@tensorflow/tfjs';
import type { Activation, ModelSpec } from '../config/types.js';
import type { Dataset } from '../data/types.js';
import { mixSeed } from '../util/rng.js';
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

/** Class index with the highest probability for every row of `ds` (the model in inference mode). */
export function predictClasses(tf: Tf, mlp: Mlp, ds: Dataset): Int32Array {
  if (ds.rows === 0) return new Int32Array(0);
  const predicted = tf.tidy(() => {
    const x = tf.tensor2d(ds.features, [ds.rows, ds.cols]);
    const probabilities = mlp.model.predict(x, { batchSize: 512 }) as tfjs.Tensor;
    return tf.argMax(probabilities, 1);
  });
  try {
    return predicted.dataSync() as Int32Array;
  } finally {
    predicted.dispose();
  }
}

/** Copies of every Dense layer's weights (for observers; costs a read of every weight). */
export function snapshotLayers(mlp: Mlp): LayerSnapshot[] {
  return mlp.dense.map((d) => ({
    trainable: d.layer.trainable,
    kernel: Float32Array.from(d.kernel.dataSync()),
    bias: Float32Array.from(d.bias.dataSync()),
  }));
}
