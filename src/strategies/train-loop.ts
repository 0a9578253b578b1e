// The deterministic mini-batch training loop for the MLP: a Trainer that applies one optimizer step
// per batch to the layers' variables, and trainMlp, the epoch loop of one training set (seeded
// shuffles and dropout masks, augmentation, FGSM examples, consistency rows, a loss check on every
// batch). Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML parsing.
//
// Why not model.fit: per-op overhead dominates a small MLP on wasm. fit adds callbacks and tape
// bookkeeping, autodiff emits matMuls with transpose flags (several times slower on wasm than an
// explicit transpose, see forward-backward.ts), and tf.train.adam runs ~20 ops per variable where
// the lean optimizers (optimizers.ts) run 12.
import type * as tfjs from '@tensorflow/tfjs';
import type { Activation } from '../spec/study.js';
import type { OptimizerName } from '../spec/recipe.js';
import type { Dataset } from '../data/types.js';
import { NonFiniteLossError } from '../errors.js';
import { Rng, mixSeed } from '../util/rng.js';
import { addNoise, mixup } from './augment.js';
import {
  forwardBackward,
  forwardLogits,
  rowLogLikelihood,
  type LayerWeights,
  type LoopConstants,
  type PassOptions,
  type PassResult,
} from './forward-backward.js';
import type { Mlp } from './mlp.js';
import { createOptimizer, type LeanOptimizer } from './optimizers.js';
import type { Tf, TrainingPhase } from './types.js';

export { forwardBackward, rowLogLikelihood, type LayerWeights, type LoopConstants } from './forward-backward.js';

/** A Dense layer as the Trainer sees it: its variables (written back after training) and its role. */
export interface TrainerLayer {
  readonly kernel: tfjs.Variable;
  readonly bias: tfjs.Variable;
  readonly trainable: boolean;
  /** Learning-rate multiplier (discriminative learning rates); default 1. */
  readonly lrScale?: number;
  /** Per kernel weight: 0 freezes it (pruned weights stay zero), 1 trains it; default all 1. */
  readonly kernelMask?: Float32Array | null;
}

/** One batch, as plain arrays (row-major). */
export interface Batch {
  readonly n: number;
  /** n x inputs. */
  readonly x: Float32Array;
  /** n x width targets (one-hot or soft). */
  readonly y: Float32Array;
  /** The loss is sum_i scale_i * CE_i; null or absent: 1/n for every row (the batch mean). */
  readonly scale?: Float32Array | null;
  /** Several task heads side by side (multitask): see PassTargets.groups. */
  readonly groups?: { readonly count: number; readonly mask: Float32Array } | null;
  /** Teacher probabilities at a temperature (n x width): see PassTargets.distill. */
  readonly distill?: { readonly soft: Float32Array; readonly temperature: number; readonly alpha: number } | null;
  /** Inverted-dropout masks after every layer (null: none). */
  readonly masks?: readonly (Float32Array | null)[];
  /** Row boundaries of stacked tasks: the step then returns GradNorm's per-task gradient norms. */
  readonly taskRows?: readonly number[] | null;
}

export interface StepResult {
  /** sum_k y_ik log p_ik per row, before the step. */
  readonly logLikelihood: Float64Array;
  readonly taskGradNorms: Float32Array | null;
}

/**
 * Trains a stack of Dense layers in place: one optimizer steps the trainable layers' own kernel and
 * bias variables. (Not one flat vector: on wasm, tf.slice and tf.concat copy their whole input out of
 * the wasm heap into a fresh ArrayBuffer, ~15 ms for a 784-256-256 MLP's weights, so slicing a flat
 * parameter vector costs more than the extra small ops of per-variable updates.)
 * Owns its tensors: call dispose (also after a throw).
 */
export class Trainer {
  readonly inputs: number;
  /** Width of the last layer (classes x groups). */
  readonly width: number;
  private readonly variables: tfjs.Variable[];
  private readonly optimizer: LeanOptimizer;
  private readonly constants: LoopConstants;
  /** 1/n scalars by n: kept across batches instead of one fresh tensor per batch. */
  private readonly inverse = new Map<number, tfjs.Scalar>();

  constructor(
    private readonly tf: Tf,
    private readonly layers: readonly TrainerLayer[],
    private readonly activation: Activation,
    optimizer: OptimizerName,
    learningRate: number,
  ) {
    this.inputs = layers[0]!.kernel.shape[0] as number;
    this.width = layers[layers.length - 1]!.kernel.shape[1] as number;
    const trainable = layers.filter((d) => d.trainable);
    this.variables = trainable.flatMap((d) => [d.kernel, d.bias]);
    // Learning-rate scales: a kernel mask scales element by element, a layer multiplier as a scalar.
    const scales = trainable.flatMap((d) => {
      const lr = d.lrScale ?? 1;
      const kernel = d.kernelMask ? d.kernelMask.map((m) => m * lr) : lr !== 1 ? Float32Array.of(lr) : null;
      return [kernel, lr !== 1 ? Float32Array.of(lr) : null];
    });
    this.optimizer = createOptimizer(tf, optimizer, learningRate, this.variables, scales);
    this.constants = { zero: tf.keep(tf.scalar(0)), one: tf.keep(tf.scalar(1)) };
  }

  /** One optimizer step on `batch`; returns the batch's log-likelihoods (before the step). */
  step(batch: Batch): StepResult {
    const { tf } = this;
    let norms: tfjs.Tensor1D | null = null;
    const probabilities = tf.tidy(() => {
      const pass = this.pass(batch, batch.masks ?? [], batch.taskRows ? { taskRows: batch.taskRows } : {});
      if (pass.grads.length > 0) this.optimizer.step(pass.grads);
      if (pass.taskGradNorms) norms = tf.keep(pass.taskGradNorms);
      return pass.probabilities;
    });
    const kept = norms as tfjs.Tensor1D | null;
    try {
      return {
        logLikelihood: rowLogLikelihood(batch.y, probabilities.dataSync() as Float32Array, this.width),
        taskGradNorms: kept ? (kept.dataSync() as Float32Array) : null,
      };
    } finally {
      probabilities.dispose();
      kept?.dispose();
    }
  }

  /** dLoss/dx of `batch` under the current weights, without dropout (FGSM). */
  inputGradient(batch: Batch): Float32Array {
    const { tf } = this;
    const grad = tf.tidy(() => this.pass(batch, [], { weightGrads: false, inputGrad: true }).inputGrad!);
    try {
      return grad.dataSync() as Float32Array;
    } finally {
      grad.dispose();
    }
  }

  /** The head's logits for `n` rows of `x` under the current weights, without dropout. */
  logits(x: Float32Array, n: number): Float32Array {
    const { tf } = this;
    const out = tf.tidy(() => forwardLogits(tf, this.weights(), this.activation, tf.tensor2d(x, [n, this.inputs])));
    try {
      return out.dataSync() as Float32Array;
    } finally {
      out.dispose();
    }
  }

  /** Whether every trainable weight is finite. */
  finite(): boolean {
    const { tf } = this;
    if (this.variables.length === 0) return true;
    const ok = tf.tidy(() => this.variables.map((v) => tf.all(tf.isFinite(v))).reduce((a, b) => tf.logicalAnd(a, b)));
    try {
      return (ok.dataSync()[0] as number) === 1;
    } finally {
      ok.dispose();
    }
  }

  dispose(): void {
    this.optimizer.dispose();
    this.tf.dispose([this.constants.zero, this.constants.one, ...this.inverse.values()]);
    this.inverse.clear();
  }

  /** The weights of a pass: the layers' own variables. */
  /** Forward and backward over `batch` under the current weights; call inside tf.tidy. */
  private pass(batch: Batch, masks: readonly (Float32Array | null)[], options: PassOptions): PassResult {
    const { tf } = this;
    const weights = this.weights();
    const x = tf.tensor2d(batch.x, [batch.n, this.inputs]);
    return forwardBackward(tf, weights, this.activation, x, this.targets(batch), masks, this.constants, options);
  }

  private weights(): LayerWeights[] {
    return this.layers.map((d) => ({ kernel: d.kernel as tfjs.Tensor2D, bias: d.bias as tfjs.Tensor1D, trainable: d.trainable }));
  }

  private targets(batch: Batch) {
    const { tf } = this;
    const { n } = batch;
    let scale: tfjs.Tensor;
    if (batch.scale) {
      scale = tf.tensor2d(batch.scale, [n, 1]);
    } else {
      let inverse = this.inverse.get(n);
      if (inverse === undefined) {
        inverse = tf.keep(tf.scalar(1 / n));
        this.inverse.set(n, inverse);
      }
      scale = inverse;
    }
    return {
      y: tf.tensor2d(batch.y, [n, this.width]),
      scale,
      ...(batch.groups
        ? { groups: { count: batch.groups.count, mask: tf.tensor2d(batch.groups.mask, [n, this.width]) } }
        : {}),
      ...(batch.distill
        ? {
            distill: {
              soft: tf.tensor2d(batch.distill.soft, [n, this.width]),
              temperature: batch.distill.temperature,
              alpha: batch.distill.alpha,
            },
          }
        : {}),
    };
  }
}

/** Input-noise and mixup augmentation of every training batch (0: off). */
export interface Augmentation {
  /** Std of Gaussian noise added to every input feature. */
  readonly noise: number;
  /** Mixup (Zhang et al. 2018): lambda ~ Beta(alpha, alpha) per batch. */
  readonly mixupAlpha: number;
}

/** FGSM examples (Goodfellow et al. 2015) mixed into training. */
export interface Adversarial {
  /** Attack size: x + epsilon * sign(dLoss/dx). */
  readonly epsilon: number;
  /** Share of the loss on the adversarial copies (Goodfellow's 1 - alpha); 0: off. */
  readonly ratio: number;
}

/** Consistency regularisation: agreement of the predictions on unlabelled rows under input noise. */
export interface Consistency {
  /** Unlabelled rows (rows x cols, row-major). */
  readonly pool: Float32Array;
  readonly rows: number;
  /** Weight of the consistency loss relative to the labelled loss. */
  readonly weight: number;
  /** Std of the input noise the predictions must be stable under. */
  readonly noise: number;
}

export interface TrainOptions {
  /** Names the phase in errors (`loss became NaN at epoch 3 of pre-training`). */
  readonly phase: TrainingPhase;
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  /** Seeds the per-epoch row order, the dropout masks and every augmentation. */
  readonly seed: number;
  /** Size of the label space: the width of the head. */
  readonly numClasses: number;
  /**
   * Called after every epoch with its mean loss; returning false stops training there (a scheduler
   * stopping a unit early). Synchronous, so the loop stays free of awaits on its hot path.
   */
  readonly afterEpoch?: (epoch: number, loss: number) => boolean;
  /** Targets per row (rows x numClasses) instead of the one-hot labels (pseudo or soft labels). */
  readonly targets?: Float32Array;
  /** Loss weight per row (default 1). */
  readonly rowWeights?: Float32Array;
  /** Distillation: the teacher's probabilities at `temperature` per row (rows x numClasses). */
  readonly distill?: { readonly soft: Float32Array; readonly temperature: number; readonly alpha: number };
  /** Learning-rate multiplier per Dense layer, from the input (default 1 each). */
  readonly lrScales?: readonly number[];
  /** Per Dense layer, 0/1 per kernel weight: weights with 0 never change (retraining after pruning). */
  readonly kernelMasks?: readonly (Float32Array | null)[];
  readonly augment?: Augmentation;
  readonly adversarial?: Adversarial;
  readonly consistency?: Consistency;
}

export interface TrainStats {
  readonly epochs: number;
  /** Rows seen, summed over epochs. */
  readonly samples: number;
  /** Mean cross-entropy of the last epoch (NaN when no epoch ran). */
  readonly loss: number;
}

const STREAM_ORDER = 1;
const STREAM_DROPOUT = 2;
const STREAM_AUGMENT = 3;
const STREAM_CONSISTENCY = 4;

/**
 * Trains the Dense layers of `mlp` whose `layer.trainable` is true on `data` with softmax
 * cross-entropy, in place. Layers below the lowest trainable one only run forward. Every row is seen
 * once per epoch, in an order drawn from the seed; the last batch of an epoch may be smaller.
 * Synchronous: the worker has nothing else to do meanwhile, and every tfjs backend computes eagerly.
 * Throws NonFiniteLossError when a batch's loss, or a weight at the end of an epoch, is not finite
 * (the model's weights are then left as they were when it stopped).
 */
export function trainMlp(tf: Tf, mlp: Mlp, data: Dataset, options: TrainOptions): TrainStats {
  const layers = mlp.dense;
  if (options.epochs <= 0 || data.rows === 0 || !layers.some((d) => d.layer.trainable)) {
    return { epochs: 0, samples: 0, loss: Number.NaN };
  }
  if (data.cols !== (layers[0]!.kernel.shape[0] as number)) {
    throw new RangeError(`the data has ${data.cols} features but the model expects ${layers[0]!.kernel.shape[0]}`);
  }
  const trainer = new Trainer(
    tf,
    layers.map((d, i) => ({
      kernel: d.kernel,
      bias: d.bias,
      trainable: d.layer.trainable,
      lrScale: options.lrScales?.[i] ?? 1,
      kernelMask: options.kernelMasks?.[i] ?? null,
    })),
    mlp.activation,
    options.optimizer,
    options.learningRate,
  );
  const orderRng = new Rng(mixSeed(options.seed, STREAM_ORDER));
  const dropoutRng = new Rng(mixSeed(options.seed, STREAM_DROPOUT));
  const augmentRng = new Rng(mixSeed(options.seed, STREAM_AUGMENT));
  const consistencyRng = new Rng(mixSeed(options.seed, STREAM_CONSISTENCY));
  const { rows, cols } = data;
  const classes = options.numClasses;
  const batchSize = Math.max(1, Math.min(options.batchSize, rows));
  const units = layers.map((d) => d.units);
  const { augment, adversarial, consistency, distill } = options;
  const pool = consistency && consistency.weight > 0 && consistency.rows > 0 ? new PoolCursor(consistency.rows, consistencyRng) : null;

  const buffers = {
    x: new Float32Array(batchSize * cols),
    y: new Float32Array(batchSize * classes),
    weights: options.rowWeights ? new Float32Array(batchSize) : null,
    soft: distill ? new Float32Array(batchSize * classes) : null,
  };
  let loss = Number.NaN;
  let epochsRun = 0;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const order = orderRng.permutation(rows);
      let lossSum = 0;
      for (let start = 0; start < rows; start += batchSize) {
        const n = Math.min(batchSize, rows - start);
        // One set of batch buffers for the whole run: a tensor made from them lives only inside the
        // step's tidy (the cpu backend keeps a reference to its array until the tensor is disposed),
        // and a fresh 100 KB array per batch keeps the garbage collector busy on a second core.
        const x = buffers.x.subarray(0, n * cols);
        const y = buffers.y.subarray(0, n * classes).fill(0);
        const weights = buffers.weights?.subarray(0, n) ?? null;
        const soft = buffers.soft?.subarray(0, n * classes) ?? null;
        for (let i = 0; i < n; i++) {
          const row = order[start + i] as number;
          x.set(data.features.subarray(row * cols, (row + 1) * cols), i * cols);
          if (options.targets) y.set(options.targets.subarray(row * classes, (row + 1) * classes), i * classes);
          else y[i * classes + (data.labels[row] as number)] = 1;
          if (weights) weights[i] = options.rowWeights![row] as number;
          if (soft) soft.set(distill!.soft.subarray(row * classes, (row + 1) * classes), i * classes);
        }
        if (augment && augment.mixupAlpha > 0) {
          mixup(augmentRng, augment.mixupAlpha, n, [
            { values: x, width: cols },
            { values: y, width: classes },
            ...(weights ? [{ values: weights, width: 1 }] : []),
            ...(soft ? [{ values: soft, width: classes }] : []),
          ]);
        }
        if (augment && augment.noise > 0) addNoise(x, augment.noise, augmentRng);
        let batch: Batch = {
          n,
          x,
          y,
          scale: weights ? weights.map((w) => w / n) : null,
          distill: soft ? { soft, temperature: distill!.temperature, alpha: distill!.alpha } : null,
        };
        if (adversarial && adversarial.epsilon > 0 && adversarial.ratio > 0) {
          batch = withAdversarial(trainer, batch, adversarial);
        }
        if (pool) batch = withConsistency(trainer, batch, consistency!, pool.next(n), consistencyRng, classes);
        const masks = drawMasks(units, mlp.dropout, batch.n, dropoutRng);
        const { logLikelihood } = trainer.step({ ...batch, masks });
        let batchLoss = 0;
        let allFinite = true;
        for (let i = 0; i < logLikelihood.length; i++) {
          const v = logLikelihood[i] as number;
          if (i < n) batchLoss -= v;
          else if (!Number.isFinite(v)) allFinite = false;
        }
        if (!Number.isFinite(batchLoss) || !allFinite) {
          const value = Number.isFinite(batchLoss) ? Number.NaN : batchLoss;
          throw new NonFiniteLossError(`loss became ${value} at epoch ${epoch} of ${options.phase}`);
        }
        lossSum += batchLoss;
      }
      loss = lossSum / rows;
      // A step can push a weight out of range after its batch's loss was measured, and relu hides a
      // NaN below it (max(NaN, 0) is 0 on some backends): check the weights too, once per epoch.
      if (!trainer.finite()) {
        throw new NonFiniteLossError(`weights became non-finite at epoch ${epoch} of ${options.phase}`);
      }
      epochsRun = epoch;
      // The hook may read the model (e.g. evaluate it): the layers' variables hold the trained weights.
      if (options.afterEpoch && !options.afterEpoch(epoch, loss)) break;
    }
  } finally {
    trainer.dispose();
  }
  return { epochs: epochsRun, samples: rows * epochsRun, loss };
}

/** Inverted-dropout masks (0 or 1/(1-rate)) for every hidden layer, drawn in a fixed order. */
export function drawMasks(units: readonly number[], rate: number, n: number, rng: Rng): (Float32Array | null)[] {
  return units.map((width, i) => {
    if (rate <= 0 || i === units.length - 1) return null;
    const keep = 1 / (1 - rate);
    const mask = new Float32Array(n * width);
    for (let j = 0; j < mask.length; j++) mask[j] = rng.next() < rate ? 0 : keep;
    return mask;
  });
}

/** The per-row loss scales of a batch (1/n each when it has none). */
export function scaleOf(batch: Batch): Float32Array {
  return batch.scale ?? new Float32Array(batch.n).fill(1 / batch.n);
}

/** x + epsilon * sign(g), row-major like x. */
export function fgsmShift(x: Float32Array, gradient: Float32Array, epsilon: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] as number) + epsilon * Math.sign(gradient[i] as number);
  return out;
}

/**
 * The batch followed by its FGSM copies: the clean rows keep (1 - ratio) of their loss weight, the
 * copies (made against the current weights) get ratio of it (Goodfellow et al.: 0.5 each).
 */
export function withAdversarial(trainer: Trainer, batch: Batch, adversarial: Adversarial): Batch {
  if (batch.groups || batch.taskRows) throw new RangeError('withAdversarial takes a single-task batch');
  const adv = fgsmShift(batch.x, trainer.inputGradient(batch), adversarial.epsilon);
  const scale = scaleOf(batch);
  const r = adversarial.ratio;
  return {
    n: batch.n * 2,
    x: concat(batch.x, adv),
    y: concat(batch.y, batch.y),
    scale: concat(scale.map((s) => s * (1 - r)), scale.map((s) => s * r)),
    distill: batch.distill
      ? { ...batch.distill, soft: concat(batch.distill.soft, batch.distill.soft) }
      : null,
  };
}

/**
 * The batch followed by `poolRows` of unlabelled rows with Gaussian input noise, whose targets are the
 * current model's predictions on the clean rows (a constant: no gradient flows through the target),
 * weighted by `weight` times the mean over those rows.
 */
function withConsistency(
  trainer: Trainer,
  batch: Batch,
  consistency: Consistency,
  poolRows: readonly number[],
  rng: Rng,
  classes: number,
): Batch {
  if (batch.distill) throw new RangeError('consistency regularisation cannot be combined with distillation');
  const cols = trainer.inputs;
  const k = poolRows.length;
  const clean = new Float32Array(k * cols);
  poolRows.forEach((row, i) => clean.set(consistency.pool.subarray(row * cols, (row + 1) * cols), i * cols));
  const target = softmaxRows(trainer.logits(clean, k), classes);
  const noisy = Float32Array.from(clean);
  addNoise(noisy, consistency.noise, rng);
  return {
    n: batch.n + k,
    x: concat(batch.x, noisy),
    y: concat(batch.y, target),
    scale: concat(scaleOf(batch), new Float32Array(k).fill(consistency.weight / k)),
  };
}

/** Row-wise softmax of a row-major matrix with `width` columns. */
export function softmaxRows(logits: Float32Array, width: number, temperature = 1): Float32Array {
  const out = new Float32Array(logits.length);
  for (let start = 0; start < logits.length; start += width) {
    let max = -Infinity;
    for (let k = 0; k < width; k++) max = Math.max(max, (logits[start + k] as number) / temperature);
    let sum = 0;
    for (let k = 0; k < width; k++) {
      const e = Math.exp((logits[start + k] as number) / temperature - max);
      out[start + k] = e;
      sum += e;
    }
    for (let k = 0; k < width; k++) out[start + k] = (out[start + k] as number) / sum;
  }
  return out;
}

export function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Endless seeded draws of row indices from a pool: a fresh permutation each time it runs out. */
export class PoolCursor {
  private order: Int32Array;
  private at = 0;

  constructor(
    private readonly rows: number,
    private readonly rng: Rng,
  ) {
    this.order = rng.permutation(rows);
  }

  next(count: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      if (this.at === this.rows) {
        this.order = this.rng.permutation(this.rows);
        this.at = 0;
      }
      out.push(this.order[this.at++] as number);
    }
    return out;
  }
}
