// The deterministic mini-batch training loop for the MLP: seeded shuffles and dropout masks, explicit
// backward pass, one flat parameter vector for the optimizer, a loss check on every batch.
// Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML parsing.
//
// Why not model.fit: per-op overhead dominates a small MLP on wasm. tfjs' matMul with a transpose
// flag (what autodiff emits for Dense gradients) is ~10x slower there than an explicit transpose
// followed by matMul; fit adds callbacks and tape bookkeeping; and an optimizer stepping 6 variables
// runs 6x the ops of one stepping a single flat vector. This loop computes the MLP's gradients in
// closed form (checked against tfjs autodiff in the tests) and is ~3x faster than fit.
import type * as tfjs from '@tensorflow/tfjs';
import type { Activation, OptimizerName } from '../config/types.js';
import type { Dataset } from '../data/types.js';
import { NonFiniteLossError } from '../errors.js';
import { Rng, mixSeed } from '../util/rng.js';
import type { Mlp } from './mlp.js';
import { createOptimizer } from './optimizers.js';
import type { Tf, TrainingPhase } from './types.js';

export interface TrainOptions {
  /** Names the phase in errors (`loss became NaN at epoch 3 of pre-training`). */
  readonly phase: TrainingPhase;
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  /** Seeds the per-epoch row order and the dropout masks. */
  readonly seed: number;
  /** Size of the label space: the width of the head. */
  readonly numClasses: number;
  /**
   * Called after every epoch with its mean loss; returning false stops training there (a scheduler
   * stopping a unit early). Synchronous, so the loop stays free of awaits on its hot path.
   */
  readonly afterEpoch?: (epoch: number, loss: number) => boolean;
}

export interface TrainStats {
  readonly epochs: number;
  /** Rows seen, summed over epochs. */
  readonly samples: number;
  /** Mean cross-entropy of the last epoch (NaN when no epoch ran). */
  readonly loss: number;
}

/** The weights one pass uses for a Dense layer: views of the flat vector, or a frozen layer's own. */
export interface LayerWeights {
  readonly kernel: tfjs.Tensor2D;
  readonly bias: tfjs.Tensor1D;
  /** Whether the pass returns gradients for this layer. */
  readonly trainable: boolean;
}

/** Scalars the backward pass reuses on every batch (created once per training run). */
export interface LoopConstants {
  readonly zero: tfjs.Scalar;
  readonly one: tfjs.Scalar;
}

const STREAM_ORDER = 1;
const STREAM_DROPOUT = 2;

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
  const lowest = layers.findIndex((d) => d.layer.trainable);
  if (options.epochs <= 0 || data.rows === 0 || lowest < 0) return { epochs: 0, samples: 0, loss: Number.NaN };
  if (data.cols !== (layers[0]!.kernel.shape[0] as number)) {
    throw new RangeError(`the data has ${data.cols} features but the model expects ${layers[0]!.kernel.shape[0]}`);
  }
  // The trainable kernels and biases, end to end in one variable: [kernel_l (row-major), bias_l]...
  const pieces = layers.flatMap((d, i) =>
    d.layer.trainable ? [{ layer: i, variable: d.kernel }, { layer: i, variable: d.bias }] : [],
  );
  let offset = 0;
  const slots = pieces.map((p) => {
    const slot = { ...p, offset, size: p.variable.size, shape: p.variable.shape };
    offset += p.variable.size;
    return slot;
  });
  const theta = tf.tidy(() => tf.variable(tf.concat(pieces.map((p) => tf.reshape(p.variable, [-1]))), false));
  const optimizer = createOptimizer(tf, options.optimizer, options.learningRate, [theta]);
  const constants = { zero: tf.keep(tf.scalar(0)), one: tf.keep(tf.scalar(1)) };
  const orderRng = new Rng(mixSeed(options.seed, STREAM_ORDER));
  const dropoutRng = new Rng(mixSeed(options.seed, STREAM_DROPOUT));
  const { rows, cols } = data;
  const classes = options.numClasses;
  const batchSize = Math.max(1, Math.min(options.batchSize, rows));
  const units = layers.map((d) => d.units);

  /** This batch's weights: slices of theta for trainable layers (gradients flow to theta). */
  const weights = (): LayerWeights[] =>
    layers.map((d, i) => {
      const [k, b] = slots.filter((s) => s.layer === i);
      if (k === undefined || b === undefined) {
        return { kernel: d.kernel as tfjs.Tensor2D, bias: d.bias as tfjs.Tensor1D, trainable: false };
      }
      return {
        kernel: tf.reshape(tf.slice(theta, k.offset, k.size), k.shape as [number, number]) as tfjs.Tensor2D,
        bias: tf.slice(theta, b.offset, b.size) as tfjs.Tensor1D,
        trainable: true,
      };
    });

  /** Copies the flat trained vector back into the layers' own variables. */
  const writeBack = () =>
    tf.tidy(() => {
      for (const s of slots) s.variable.assign(tf.reshape(tf.slice(theta, s.offset, s.size), s.shape));
    });

  let loss = Number.NaN;
  let epochsRun = 0;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const order = orderRng.permutation(rows);
      let lossSum = 0;
      for (let start = 0; start < rows; start += batchSize) {
        const n = Math.min(batchSize, rows - start);
        // Fresh arrays per batch: the cpu backend keeps a reference to the array a tensor is made from.
        const xs = new Float32Array(n * cols);
        const ys = new Float32Array(n * classes);
        for (let i = 0; i < n; i++) {
          const row = order[start + i] as number;
          xs.set(data.features.subarray(row * cols, (row + 1) * cols), i * cols);
          ys[i * classes + (data.labels[row] as number)] = 1;
        }
        const masks = drawMasks(units, mlp.dropout, n, dropoutRng);
        const batchLoss = tf.tidy(() => {
          const x = tf.tensor2d(xs, [n, cols]);
          const y = tf.tensor2d(ys, [n, classes]);
          const pass = forwardBackward(tf, weights(), mlp.activation, x, y, masks, constants);
          optimizer.step([tf.concat(pass.grads.map((g) => tf.reshape(g, [-1])))]);
          return pass.sumLogLikelihood;
        });
        const value = -(batchLoss.dataSync()[0] as number);
        batchLoss.dispose();
        if (!Number.isFinite(value)) {
          throw new NonFiniteLossError(`loss became ${value} at epoch ${epoch} of ${options.phase}`);
        }
        lossSum += value;
      }
      loss = lossSum / rows;
      // A step can push a weight out of range after its batch's loss was measured, and relu hides a
      // NaN below it (max(NaN, 0) is 0 on some backends): check the weights too, once per epoch.
      if (!allFinite(tf, theta)) {
        throw new NonFiniteLossError(`weights became non-finite at epoch ${epoch} of ${options.phase}`);
      }
      epochsRun = epoch;
      if (options.afterEpoch) {
        // The hook may read the model (e.g. evaluate it): put the trained weights back first.
        writeBack();
        if (!options.afterEpoch(epoch, loss)) break;
      }
    }
  } finally {
    writeBack();
    theta.dispose();
    optimizer.dispose();
    tf.dispose([constants.zero, constants.one]);
  }
  return { epochs: epochsRun, samples: rows * epochsRun, loss };
}

/** Inverted-dropout masks (0 or 1/(1-rate)) for every hidden layer, drawn in a fixed order. */
function drawMasks(units: readonly number[], rate: number, n: number, rng: Rng): (Float32Array | null)[] {
  return units.map((width, i) => {
    if (rate <= 0 || i === units.length - 1) return null;
    const keep = 1 / (1 - rate);
    const mask = new Float32Array(n * width);
    for (let j = 0; j < mask.length; j++) mask[j] = rng.next() < rate ? 0 : keep;
    return mask;
  });
}

/**
 * One forward and backward pass of a batch through Dense layers (`activation` on the hidden ones,
 * softmax cross-entropy on the last). Returns sum_i log p(y_i | x_i) (the caller negates and
 * averages it) and the gradients of the mean cross-entropy, [kernel, bias] for each trainable layer
 * from the input up. Layers below the lowest trainable one only run forward. Call inside tf.tidy.
 */
export function forwardBackward(
  tf: Tf,
  layers: readonly LayerWeights[],
  activation: Activation,
  x: tfjs.Tensor2D,
  y: tfjs.Tensor2D,
  masks: readonly (Float32Array | null)[],
  constants: LoopConstants,
): { sumLogLikelihood: tfjs.Scalar; grads: tfjs.Tensor[] } {
  const last = layers.length - 1;
  const lowest = layers.findIndex((w) => w.trainable);
  const n = x.shape[0];
  // inputs[i] is what layer i consumed; outputs[i] its activation before dropout.
  const inputs: tfjs.Tensor2D[] = [];
  const outputs: tfjs.Tensor2D[] = [];
  const maskTensors: (tfjs.Tensor2D | null)[] = [];
  let h = x;
  layers.forEach((w, i) => {
    inputs.push(h);
    const a = denseForward(tf, h, w, i === last ? null : activation);
    outputs.push(a);
    const mask = masks[i];
    const maskTensor = mask ? tf.tensor2d(mask, a.shape) : null;
    maskTensors.push(maskTensor);
    h = maskTensor ? tf.mul(a, maskTensor) : a;
  });
  const logProbabilities = tf.logSoftmax(h);
  const sumLogLikelihood = tf.sum(tf.mul(y, logProbabilities)) as tfjs.Scalar;
  if (lowest < 0) return { sumLogLikelihood, grads: [] };
  // d(mean cross-entropy)/d(logits) = (softmax - onehot) / n
  let delta: tfjs.Tensor2D = tf.mul(tf.sub(tf.exp(logProbabilities), y), tf.scalar(1 / n));
  const grads: tfjs.Tensor[][] = [];
  for (let i = last; i >= lowest; i--) {
    const w = layers[i]!;
    if (w.trainable) {
      // Explicit transposes: matMul's transpose flags are far slower on wasm.
      grads.unshift([tf.matMul(tf.transpose(inputs[i]!), delta), tf.sum(delta, 0)]);
    }
    if (i > lowest) {
      let back: tfjs.Tensor2D = tf.matMul(delta, tf.transpose(w.kernel));
      const mask = maskTensors[i - 1];
      if (mask) back = tf.mul(back, mask);
      delta = activationGrad(tf, back, outputs[i - 1]!, activation, constants);
    }
  }
  return { sumLogLikelihood, grads: grads.flat() };
}

/** x W + b, then the activation (fused into the matMul where every backend supports it). */
function denseForward(tf: Tf, x: tfjs.Tensor2D, w: LayerWeights, activation: Activation | null): tfjs.Tensor2D {
  if (activation === 'tanh') return tf.tanh(tf.fused.matMul({ a: x, b: w.kernel, bias: w.bias }) as tfjs.Tensor2D);
  return tf.fused.matMul({ a: x, b: w.kernel, bias: w.bias, activation: activation ?? 'linear' }) as tfjs.Tensor2D;
}

/** dLoss/d(pre-activation) from dLoss/d(activation) and the activation's output. */
function activationGrad(tf: Tf, dy: tfjs.Tensor2D, y: tfjs.Tensor2D, activation: Activation, c: LoopConstants): tfjs.Tensor2D {
  switch (activation) {
    case 'relu':
      return tf.mul(dy, tf.step(y));
    case 'elu': // alpha 1: 1 where y > 0, else y + 1
      return tf.mul(dy, tf.add(tf.minimum(y, c.zero), c.one));
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(c.one, y)));
    case 'tanh':
      return tf.mul(dy, tf.sub(c.one, tf.square(y)));
  }
}

function allFinite(tf: Tf, values: tfjs.Tensor): boolean {
  const ok = tf.tidy(() => tf.all(tf.isFinite(values)));
  try {
    return (ok.dataSync()[0] as number) === 1;
  } finally {
    ok.dispose();
  }
}
