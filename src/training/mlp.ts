// The multilayer perceptron, the first implementation of the model interface (types.ts): a
// tf.Sequential of Dense layers (plus Dropout), every initialiser seeded, trained through the
// closed-form pass of forward-backward.ts. Worker side; gets tfjs passed in. Must not import the
// store, the CLI or YAML parsing.
import type * as tfjs from '@tensorflow/tfjs';
import type { Activation } from '../spec/study.js';
import type { Dataset } from '../data/types.js';
import { mixSeed } from '../util/rng.js';
import type { Rng } from '../util/rng.js';
import { fgsmAccuracy } from './adversarial.js';
import { drawMasks } from './batches.js';
import { modelSize, pruneByMagnitude, quantizeInt8 } from './compression.js';
import { DenseTrainer } from './dense-trainer.js';
import { activate, inferenceWeights, type DenseParams } from './dense.js';
import { forwardLogits } from './forward-backward.js';
import { exportLayersModel } from './export.js';
import { jointTrainerOf, sideBySideHeads } from './joint-heads.js';
import { assignLayers, reinitDense } from './layer-weights.js';
import type { ExportedModel, FeatureRows, ModelOptions, JointTrainer, LayerSnapshot, ModelSize, StepTrainer, Tf, TrainableModel, TrainerOptions } from './types.js';

/** The MLP behind the model interface; its Dense layers are open to the MLP's own helpers and tests. */
export class Mlp implements TrainableModel {
  readonly kind = 'mlp';
  readonly inputs: number;
  readonly classes: number;
  readonly layerCount: number;
  /** Whether quantizeInt8 ran: the export then writes uint8-quantised kernels. */
  private int8 = false;

  constructor(
    private readonly tf: Tf,
    /** The model as tfjs knows it (inference, summaries); training goes through `dense`. */
    readonly model: tfjs.Sequential,
    /** The hidden Dense layers from the input, then the softmax head. */
    readonly dense: readonly DenseParams[],
    readonly activation: Activation,
    /** Dropout rate after every hidden layer (0: none). */
    readonly dropout: number,
  ) {
    this.inputs = dense[0]!.kernel.shape[0] as number;
    this.classes = dense[dense.length - 1]!.units;
    this.layerCount = dense.length;
  }

  trainableLayers(): boolean[] {
    return this.dense.map((d) => d.layer.trainable);
  }

  /** Clamps to the hidden layers: the head always trains. */
  freezeBody(count: number): void {
    this.dense.forEach((d, i) => {
      d.layer.trainable = i >= count || i === this.dense.length - 1;
    });
  }

  setLayers(layers: readonly { readonly kernel: Float32Array; readonly bias: Float32Array }[]): void {
    assignLayers(this.tf, this.dense, layers);
  }


  trunkKernels(): readonly tfjs.Variable[] {
    return this.dense.slice(0, -1).map((d) => d.kernel);
  }

  /** Glorot-uniform kernel, zero bias. */
  reinitHead(seed: number): void {
    reinitDense(this.tf, this.dense[this.dense.length - 1]!, seed);
  }


  trainer(options: TrainerOptions): StepTrainer {
    return new DenseTrainer(
      this.tf,
      this.dense.map((d, i) => ({
        kernel: d.kernel,
        bias: d.bias,
        trainable: d.layer.trainable,
        lrScale: options.lrScales?.[i] ?? 1,
        kernelMask: options.kernelMasks?.[i] ?? null,
        anchor: options.anchors?.[i] ?? null,
      })),
      this.activation,
      options.optimizer,
      options.learningRate,
      { weightDecay: options.weightDecay, l2sp: options.l2sp },
    );
  }

  /**
   * Every hidden layer trains, whatever is frozen: joint training has no pre-trained body to keep.
   * Weight decay covers every kernel, the side-by-side heads included; anchors apply to hidden layers only.
   */
  jointTrainer(options: TrainerOptions, headSeeds: readonly number[]): JointTrainer {
    const { tf } = this;
    const hidden = this.dense.slice(0, -1);
    const head = this.dense[this.dense.length - 1]!;
    const classes = this.classes;
    const heads = sideBySideHeads(tf, head, classes, headSeeds);
    const trainer = new DenseTrainer(
      tf,
      [
        ...hidden.map((d, i) => ({ kernel: d.kernel, bias: d.bias, trainable: true, anchor: options.anchors?.[i] ?? null })),
        { kernel: heads.kernel, bias: heads.bias, trainable: true },
      ],
      this.activation,
      options.optimizer,
      options.learningRate,
      { weightDecay: options.weightDecay, l2sp: options.l2sp },
    );
    return jointTrainerOf(tf, trainer, head, heads, classes);
  }

  dropoutMasks(n: number, rng: Rng): (Float32Array | null)[] {
    return drawMasks(
      this.dense.map((d) => d.units),
      this.dropout,
      n,
      rng,
    );
  }

  predictLogits(ds: FeatureRows): Float32Array {
    return predictLogits(this.tf, this, ds);
  }

  predictClasses(ds: FeatureRows): Int32Array {
    return argmaxRows(predictLogits(this.tf, this, ds), this.classes);
  }

  /** The last hidden layer's activations (inference: no dropout). */
  representation(ds: FeatureRows): { probabilities: Float32Array; features: Float32Array; width: number } {
    const { tf } = this;
    const hidden = this.dense.slice(0, -1);
    const head = this.dense[this.dense.length - 1]!;
    const [features, probabilities] = tf.tidy(() => {
      let h: tfjs.Tensor2D = tf.tensor2d(ds.features, [ds.rows, ds.cols]);
      for (const layer of hidden) {
        h = activate(tf, this.activation, tf.add(tf.matMul(h, layer.kernel as tfjs.Tensor2D), layer.bias));
      }
      const logits = tf.add(tf.matMul(h, head.kernel as tfjs.Tensor2D), head.bias);
      return [h, tf.softmax(logits)];
    });
    try {
      return {
        features: features.dataSync() as Float32Array,
        probabilities: probabilities.dataSync() as Float32Array,
        width: features.shape[1] as number,
      };
    } finally {
      tf.dispose([features, probabilities]);
    }
  }

  fgsmAccuracy(ds: Dataset, epsilon: number): number {
    return fgsmAccuracy(this.tf, this, ds, epsilon);
  }

  prune(sparsity: number): Float32Array[] {
    return pruneByMagnitude(this.tf, this, sparsity);
  }

  quantizeInt8(): void {
    quantizeInt8(this.tf, this);
    this.int8 = true;
  }

  /**
   * The tf.Sequential as TF.js Layers data. An int8 model's kernels are written with TF.js's uint8
   * weight quantisation (one affine scale per tensor; biases stay float32), so weights.bin is about a
   * quarter of the float32 size. That re-quantises our per-output-unit int8 kernels per tensor: the
   * loaded model is within one uint8 step (range / 255) of the unit's weights, not bit-equal.
   */
  exportArtifact(): Promise<ExportedModel> {
    const int8 = this.int8;
    return exportLayersModel(this.model, (name) => int8 && name.endsWith('/kernel'));
  }

  size(int8: boolean): ModelSize {
    return modelSize(this, int8);
  }

  /** Weights and biases of every Dense layer. */
  parameterCount(): number {
    return this.dense.reduce((sum, d) => sum + d.kernel.size + d.bias.size, 0);
  }

  snapshot(): LayerSnapshot[] {
    return this.dense.map((d) => ({
      trainable: d.layer.trainable,
      kernel: Float32Array.from(d.kernel.dataSync()),
      bias: Float32Array.from(d.bias.dataSync()),
    }));
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Seed streams derived from the model seed, so no two initialisers share random numbers. */
const STREAM_KERNEL = 1;
const STREAM_DROPOUT_LAYER = 2;

/**
 * Builds the MLP. Kernels: He-uniform under relu/elu (keeps the activations' variance through the
 * layers), Glorot-uniform under tanh/sigmoid and for the head; biases start at zero. The head has a
 * softmax, so `model.predict` gives class probabilities.
 */
export function buildMlp(tf: Tf, options: ModelOptions): Mlp {
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
    return new Mlp(tf, model, dense, spec.activation, options.dropout);
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

/** Rows per forward pass when predicting: bounds the memory of large validation sets. */
const PREDICT_CHUNK = 2048;

/** The head's logits for every row of `ds` (row-major, rows x classes; inference mode). */
function predictLogits(tf: Tf, mlp: Mlp, ds: FeatureRows): Float32Array {
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

