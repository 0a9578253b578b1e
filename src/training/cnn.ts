// The convolutional network behind the model interface (types.ts): a tf.Sequential of Reshape (rows
// to [H, W, C] images), Conv2D (+ MaxPooling2D) blocks, Flatten, Dense hidden layers (+ Dropout) and
// the softmax head, every initialiser seeded, trained through the hand-written pass of conv-pass.ts.
// Layers are counted conv blocks first, then Dense layers. Worker side; gets tfjs passed in. Must not
// import the store, the CLI or YAML parsing.
import type * as tfjs from '@tensorflow/tfjs';
import { convOutputSize, type Activation, type CnnSpec } from '../spec/study.js';
import type { Dataset } from '../data/types.js';
import { mixSeed } from '../util/rng.js';
import type { Rng } from '../util/rng.js';
import { drawMasks } from './batches.js';
import { CnnTrainer } from './cnn-trainer.js';
import { modelSize, pruneByMagnitude, quantizeInt8 } from './compression.js';
import { cnnForwardBackward, cnnLogits, convFeatures, type CnnWeights } from './conv-pass.js';
import type { DenseParams, DenseStack } from './dense.js';
import { forwardLogits } from './forward-backward.js';
import { exportLayersModel } from './export.js';
import { jointTrainerOf, sideBySideHeads } from './joint-heads.js';
import { assignLayers, reinitDense } from './layer-weights.js';
import { argmaxRows } from './mlp.js';
import type { ExportedModel, FeatureRows, JointTrainer, LayerSnapshot, ModelOptions, ModelSize, StepTrainer, Tf, TrainableModel, TrainerOptions } from './types.js';

/** A conv block's layer and variables, and its geometry. */
export interface ConvParams extends DenseParams {
  readonly stride: number;
  readonly pool: number;
}

export class Cnn implements TrainableModel {
  readonly kind = 'cnn';
  readonly inputs: number;
  readonly classes: number;
  readonly layerCount: number;
  private int8 = false;

  constructor(
    private readonly tf: Tf,
    /** The model as tfjs knows it (export); training and inference go through the variables. */
    readonly model: tfjs.Sequential,
    readonly inputShape: readonly [number, number, number],
    readonly conv: readonly ConvParams[],
    /** The Dense hidden layers, then the softmax head. */
    readonly dense: readonly DenseParams[],
    readonly activation: Activation,
    readonly dropout: number,
  ) {
    this.inputs = inputShape[0] * inputShape[1] * inputShape[2];
    this.classes = dense[dense.length - 1]!.units;
    this.layerCount = conv.length + dense.length;
  }

  /** Conv blocks then Dense layers: what freezing, snapshots, masks and compression count. */
  private layers(): readonly DenseParams[] {
    return [...this.conv, ...this.dense];
  }

  /** Compression's view: every kernel, conv ones included (pruned and quantised per kernel). */
  private stack(): DenseStack {
    return { dense: this.layers(), activation: this.activation };
  }

  trainableLayers(): boolean[] {
    return this.layers().map((d) => d.layer.trainable);
  }

  /** Freezes the first `count` layers (conv blocks, then Dense layers); the head always trains. */
  freezeBody(count: number): void {
    const layers = this.layers();
    layers.forEach((d, i) => {
      d.layer.trainable = i >= count || i === layers.length - 1;
    });
  }

  /**
   * Every layer's weights as snapshot() gives them (conv blocks, then dense layers, the head last):
   * a CNN model source's layers (src/data/model-folder.ts reads them in this order, tfjs's kernel
   * layout), and copies between CNNs of one architecture.
   */
  setLayers(layers: readonly { readonly kernel: Float32Array; readonly bias: Float32Array }[]): void {
    assignLayers(this.tf, this.layers(), layers);
  }


  trunkKernels(): readonly tfjs.Variable[] {
    return [...this.conv, ...this.dense.slice(0, -1)].map((d) => d.kernel);
  }

  reinitHead(seed: number): void {
    reinitDense(this.tf, this.dense[this.dense.length - 1]!, seed);
  }


  trainer(options: TrainerOptions): StepTrainer {
    const perLayer = (d: DenseParams, i: number) => ({
      kernel: d.kernel,
      bias: d.bias,
      trainable: d.layer.trainable,
      lrScale: options.lrScales?.[i] ?? 1,
      kernelMask: options.kernelMasks?.[i] ?? null,
      anchor: options.anchors?.[i] ?? null,
    });
    const c = this.conv.length;
    return new CnnTrainer(
      this.tf,
      this.inputShape,
      this.conv.map((d, i) => ({ ...perLayer(d, i), stride: d.stride, pool: d.pool })),
      this.dense.map((d, i) => perLayer(d, c + i)),
      this.activation,
      options.optimizer,
      options.learningRate,
      { weightDecay: options.weightDecay, l2sp: options.l2sp },
    );
  }

  /** Every body layer trains (as the MLP's joint trainer); the heads side by side in one kernel. */
  jointTrainer(options: TrainerOptions, headSeeds: readonly number[]): JointTrainer {
    const { tf } = this;
    const head = this.dense[this.dense.length - 1]!;
    const classes = this.classes;
    const heads = sideBySideHeads(tf, head, classes, headSeeds);
    const c = this.conv.length;
    const trainer = new CnnTrainer(
      tf,
      this.inputShape,
      this.conv.map((d, i) => ({ kernel: d.kernel, bias: d.bias, trainable: true, anchor: options.anchors?.[i] ?? null, stride: d.stride, pool: d.pool })),
      [
        ...this.dense.slice(0, -1).map((d, i) => ({ kernel: d.kernel, bias: d.bias, trainable: true, anchor: options.anchors?.[c + i] ?? null })),
        { kernel: heads.kernel, bias: heads.bias, trainable: true },
      ],
      this.activation,
      options.optimizer,
      options.learningRate,
      { weightDecay: options.weightDecay, l2sp: options.l2sp },
    );
    return jointTrainerOf(tf, trainer, head, heads, classes);
  }

  /** Masks after the Dense hidden layers only (none after conv blocks or the head). */
  dropoutMasks(n: number, rng: Rng): (Float32Array | null)[] {
    return [
      ...this.conv.map(() => null),
      ...drawMasks(
        this.dense.map((d) => d.units),
        this.dropout,
        n,
        rng,
      ),
    ];
  }

  predictLogits(ds: FeatureRows): Float32Array {
    return this.chunked(ds, this.classes, (x) => cnnLogits(this.tf, this.weights(), x));
  }

  predictClasses(ds: FeatureRows): Int32Array {
    return argmaxRows(this.predictLogits(ds), this.classes);
  }

  /** The last hidden layer's activations (the flattened conv output without Dense hidden layers). */
  representation(ds: FeatureRows): { probabilities: Float32Array; features: Float32Array; width: number } {
    const { tf } = this;
    const weights = this.weights();
    const hidden = weights.dense.slice(0, -1);
    const [features, probabilities] = tf.tidy(() => {
      const h = forwardLogitsOrFeatures(tf, weights, hidden, tf.tensor2d(ds.features, [ds.rows, ds.cols]));
      const head = weights.dense[weights.dense.length - 1]!;
      return [h, tf.softmax(tf.add(tf.matMul(h, head.kernel), head.bias))];
    });
    try {
      return { features: features.dataSync() as Float32Array, probabilities: probabilities.dataSync() as Float32Array, width: features.shape[1] as number };
    } finally {
      tf.dispose([features, probabilities]);
    }
  }

  fgsmAccuracy(ds: Dataset, epsilon: number): number {
    if (ds.rows === 0) return Number.NaN;
    const { tf } = this;
    const weights = this.weights();
    const width = this.classes;
    let correct = 0;
    for (let start = 0; start < ds.rows; start += CHUNK) {
      const n = Math.min(CHUNK, ds.rows - start);
      const y = new Float32Array(n * width);
      for (let i = 0; i < n; i++) y[i * width + (ds.labels[start + i] as number)] = 1;
      const predicted = tf.tidy(() => {
        const x = tf.tensor2d(ds.features.subarray(start * ds.cols, (start + n) * ds.cols), [n, ds.cols]);
        const constants = { zero: tf.scalar(0), one: tf.scalar(1) };
        const pass = cnnForwardBackward(tf, weights, x, { y: tf.tensor2d(y, [n, width]), scale: tf.scalar(1 / n) }, [], constants, { weightGrads: false, inputGrad: true });
        const attacked = tf.add(x, tf.mul(tf.sign(pass.inputGrad!), tf.scalar(epsilon))) as tfjs.Tensor2D;
        return tf.argMax(cnnLogits(tf, weights, attacked), 1);
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

  prune(sparsity: number): Float32Array[] {
    return pruneByMagnitude(this.tf, this.stack(), sparsity);
  }

  quantizeInt8(): void {
    quantizeInt8(this.tf, this.stack());
    this.int8 = true;
  }

  size(int8: boolean): ModelSize {
    return modelSize(this.stack(), int8);
  }

  /** As the MLP's: an int8 model's kernels (conv ones too) written with TF.js's uint8 quantisation. */
  exportArtifact(): Promise<ExportedModel> {
    const int8 = this.int8;
    return exportLayersModel(this.model, (name) => int8 && name.endsWith('/kernel'));
  }

  parameterCount(): number {
    return this.layers().reduce((sum, d) => sum + d.kernel.size + d.bias.size, 0);
  }

  snapshot(): LayerSnapshot[] {
    return this.layers().map((d) => ({
      trainable: d.layer.trainable,
      kernel: Float32Array.from(d.kernel.dataSync()),
      bias: Float32Array.from(d.bias.dataSync()),
    }));
  }

  dispose(): void {
    this.model.dispose();
  }

  /** The variables as the weights of an inference pass (no gradients). */
  private weights(): CnnWeights {
    return {
      inputShape: this.inputShape,
      conv: this.conv.map((c) => ({ kernel: c.kernel as tfjs.Tensor4D, bias: c.bias as tfjs.Tensor1D, trainable: false, stride: c.stride, pool: c.pool })),
      dense: this.dense.map((d) => ({ kernel: d.kernel as tfjs.Tensor2D, bias: d.bias as tfjs.Tensor1D, trainable: false })),
      activation: this.activation,
    };
  }

  /** `pass` over chunks of `ds`'s rows (bounds the memory of large validation sets), rows x width out. */
  private chunked(ds: FeatureRows, width: number, pass: (x: tfjs.Tensor2D) => tfjs.Tensor2D): Float32Array {
    const { tf } = this;
    const out = new Float32Array(ds.rows * width);
    for (let start = 0; start < ds.rows; start += CHUNK) {
      const n = Math.min(CHUNK, ds.rows - start);
      const result = tf.tidy(() => pass(tf.tensor2d(ds.features.subarray(start * ds.cols, (start + n) * ds.cols), [n, ds.cols])));
      try {
        out.set(result.dataSync() as Float32Array, start * width);
      } finally {
        result.dispose();
      }
    }
    return out;
  }
}

/** Rows per pass when predicting or attacking: conv activations are large (rows x H x W x filters). */
const CHUNK = 512;

/** The activations below the head: conv features through the Dense hidden layers. Call inside tf.tidy. */
function forwardLogitsOrFeatures(tf: Tf, weights: CnnWeights, hidden: CnnWeights['dense'], x: tfjs.Tensor2D): tfjs.Tensor2D {
  const features = convFeatures(tf, weights, x);
  if (hidden.length === 0) return features;
  // forwardLogits leaves the last layer linear: apply the activation to the last hidden layer ourselves.
  const last = forwardLogits(tf, hidden, weights.activation, features);
  return activateRows(tf, weights.activation, last);
}

function activateRows(tf: Tf, activation: Activation, x: tfjs.Tensor2D): tfjs.Tensor2D {
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

const STREAM_KERNEL = 1;
const STREAM_DROPOUT_LAYER = 2;
const STREAM_CONV_KERNEL = 3;

/**
 * Builds the CNN. Conv and hidden Dense kernels: He-uniform under relu/elu, Glorot-uniform under
 * tanh/sigmoid; the head Glorot-uniform; biases zero. Refuses an input size that is not H x W x C,
 * and blocks that shrink the image to nothing.
 */
export function buildCnn(tf: Tf, options: ModelOptions & { readonly spec: CnnSpec }): Cnn {
  const { spec, seed } = options;
  const [height, width, channels] = spec.input_shape;
  if (height * width * channels !== options.inputs) {
    throw new RangeError(`model.input_shape [${spec.input_shape.join(', ')}] holds ${height * width * channels} features, the rows have ${options.inputs}`);
  }
  const model = tf.sequential();
  try {
    model.add(tf.layers.reshape({ inputShape: [options.inputs], targetShape: [height, width, channels] }));
    let [h, w] = [height, width];
    spec.conv.forEach((block, i) => {
      [h, w] = [convOutputSize(h, block), convOutputSize(w, block)];
      if (h < 1 || w < 1) throw new RangeError(`model.conv[${i}] shrinks the image to nothing`);
      model.add(
        tf.layers.conv2d({
          filters: block.filters,
          kernelSize: block.kernel,
          strides: block.stride,
          padding: 'same',
          activation: spec.activation,
          kernelInitializer: hiddenInit(tf, spec.activation, mixSeed(seed, STREAM_CONV_KERNEL, i)),
          biasInitializer: 'zeros',
        }),
      );
      if (block.pool > 1) model.add(tf.layers.maxPooling2d({ poolSize: block.pool, strides: block.pool, padding: 'valid' }));
    });
    model.add(tf.layers.flatten());
    const units = [...spec.hidden, options.numClasses];
    units.forEach((size, i) => {
      const head = i === units.length - 1;
      const kernelSeed = mixSeed(seed, STREAM_KERNEL, i);
      model.add(
        tf.layers.dense({
          units: size,
          activation: head ? 'softmax' : spec.activation,
          kernelInitializer: head ? tf.initializers.glorotUniform({ seed: kernelSeed }) : hiddenInit(tf, spec.activation, kernelSeed),
          biasInitializer: 'zeros',
        }),
      );
      // As in the MLP: only tfjs inference uses it (the identity there); training draws its own masks.
      if (!head && options.dropout > 0) model.add(tf.layers.dropout({ rate: options.dropout, seed: mixSeed(seed, STREAM_DROPOUT_LAYER, i) }));
    });
    const params = (name: string) =>
      model.layers
        .filter((layer) => layer.getClassName() === name)
        .map((layer) => {
          const [kernel, bias] = layer.weights.map((v) => v.read() as tfjs.Variable);
          return { layer, kernel: kernel!, bias: bias!, units: kernel!.shape[kernel!.shape.length - 1] as number };
        });
    const conv = params('Conv2D').map((p, i) => ({ ...p, stride: spec.conv[i]!.stride, pool: spec.conv[i]!.pool }));
    return new Cnn(tf, model, [height, width, channels], conv, params('Dense'), spec.activation, options.dropout);
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function hiddenInit(tf: Tf, activation: Activation, seed: number): ReturnType<Tf['initializers']['heUniform']> {
  return activation === 'relu' || activation === 'elu' ? tf.initializers.heUniform({ seed }) : tf.initializers.glorotUniform({ seed });
}
