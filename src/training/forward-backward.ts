// The MLP's forward and backward pass in closed form: softmax cross-entropy (optionally per task
// group, with soft targets, row weights, a distillation term), gradients of the trainable Dense
// layers, of the input (FGSM) and per-task gradient norms (GradNorm). Worker side; gets tfjs passed
// in. Must not import the store, the CLI or YAML parsing.
//
// Why closed form: tfjs' matMul with a transpose flag (what autodiff emits for Dense gradients) is
// ~10x slower on wasm than an explicit transpose followed by matMul, and the tape costs per op; the
// pass is checked against tfjs autodiff in the tests.
import type * as tfjs from '@tensorflow/tfjs';
import type { Activation } from '../spec/study.js';
import type { FeatureGradient, Tf } from './types.js';

/** The weights one pass uses for a Dense layer (its variables, or any tensors of the same shapes). */
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

/** What the head's outputs are scored against. */
export interface PassTargets {
  /** n x width: one-hot or soft class targets; with groups, non-zero only in each row's group. */
  readonly y: tfjs.Tensor2D;
  /**
   * The loss is sum_i scale_i * CE_i: a scalar (1/n: the batch mean) or a [n, 1] column (row
   * weights, already divided by whatever normalises them).
   */
  readonly scale: tfjs.Tensor;
  /**
   * Multitask heads side by side: `count` softmax groups of width/count outputs each; `mask`
   * (n x width) is 1 on the group of each row's task, 0 elsewhere.
   */
  readonly groups?: { readonly count: number; readonly mask: tfjs.Tensor2D };
  /**
   * Knowledge distillation (Hinton et al. 2015): the loss becomes (1 - alpha) * CE(y, softmax(z)) +
   * alpha * T^2 * CE(soft, softmax(z / T)); `soft` holds the teacher's probabilities at T.
   */
  readonly distill?: { readonly soft: tfjs.Tensor2D; readonly temperature: number; readonly alpha: number };
}

export interface PassOptions {
  /** Return the gradients of the trainable layers (default true). */
  readonly weightGrads?: boolean;
  /** Return dLoss/dx (for FGSM), back-propagating through frozen layers too (default false). */
  readonly inputGrad?: boolean;
  /**
   * Row boundaries [0, n_1, n_1 + n_2, …, n] of tasks stacked in the batch: return, per task, the
   * Frobenius norm of its part of the gradient of the last hidden layer's kernel (GradNorm's G_t).
   */
  readonly taskRows?: readonly number[];
  /** An extra loss on the head's inputs: its gradient there is added to the head's (domain adaptation). */
  readonly featureGradient?: FeatureGradient | null;
  /** The layers' matrix products (default: tfjs ops); the CNN's on wasm: heap-dense.ts. */
  readonly products?: DenseProducts;
}

/** A Dense layer's three matrix products in a pass. Each is called inside the pass's tf.tidy. */
export interface DenseProducts {
  /** x W + b, then the activation (null: none). */
  forward(x: tfjs.Tensor2D, w: LayerWeights, activation: Activation | null): tfjs.Tensor2D;
  /** The kernel's gradient x^T delta. */
  kernelGrad(x: tfjs.Tensor2D, delta: tfjs.Tensor2D): tfjs.Tensor2D;
  /** The input's gradient delta W^T. */
  inputGrad(delta: tfjs.Tensor2D, kernel: tfjs.Tensor2D): tfjs.Tensor2D;
}

/** The products as tfjs ops (explicit transposes: matMul's transpose flags are far slower on wasm). */
function tfjsProducts(tf: Tf): DenseProducts {
  return {
    forward: (x, w, activation) => denseForward(tf, x, w, activation),
    kernelGrad: (x, delta) => tf.matMul(tf.transpose(x), delta),
    inputGrad: (delta, kernel) => tf.matMul(delta, tf.transpose(kernel)),
  };
}

export interface PassResult {
  /**
   * The predicted probabilities (softmax of the logits, per group), n x width: the caller reads them
   * back once and computes the loss on the CPU (rowLogLikelihood), which costs fewer tfjs ops than
   * a log-softmax graph.
   */
  readonly probabilities: tfjs.Tensor2D;
  /** [kernel, bias] of each trainable layer, from the input up (empty without weightGrads). */
  readonly grads: tfjs.Tensor[];
  readonly inputGrad: tfjs.Tensor2D | null;
  readonly taskGradNorms: tfjs.Tensor1D | null;
}

/**
 * One forward and backward pass of a batch through Dense layers (`activation` on the hidden ones,
 * softmax cross-entropy on the last). `masks[i]` is the inverted-dropout mask after layer i (null:
 * none). Layers below the lowest one that needs a gradient only run forward. Call inside tf.tidy.
 */
export function forwardBackward(
  tf: Tf,
  layers: readonly LayerWeights[],
  activation: Activation,
  x: tfjs.Tensor2D,
  targets: PassTargets,
  masks: readonly (Float32Array | null)[],
  constants: LoopConstants,
  options: PassOptions = {},
): PassResult {
  const last = layers.length - 1;
  const weightGrads = options.weightGrads ?? true;
  const lowestTrainable = weightGrads ? layers.findIndex((w) => w.trainable) : -1;
  const lowest = options.inputGrad ? 0 : lowestTrainable;
  const n = x.shape[0];
  const products = options.products ?? tfjsProducts(tf);
  // inputs[i] is what layer i consumed; outputs[i] its activation before dropout.
  const inputs: tfjs.Tensor2D[] = [];
  const outputs: tfjs.Tensor2D[] = [];
  const maskTensors: (tfjs.Tensor2D | null)[] = [];
  let h = x;
  layers.forEach((w, i) => {
    inputs.push(h);
    const a = products.forward(h, w, i === last ? null : activation);
    outputs.push(a);
    const mask = masks[i];
    const maskTensor = mask ? tf.tensor2d(mask, a.shape) : null;
    maskTensors.push(maskTensor);
    h = maskTensor ? tf.mul(a, maskTensor) : a;
  });
  const { y, groups, distill } = targets;
  const probabilities = groups ? groupedSoftmax(tf, h, groups.count) : tf.softmax(h);
  if (lowest < 0) return { probabilities, grads: [], inputGrad: null, taskGradNorms: null };

  // d(CE)/d(logits) = softmax - y (also for soft y summing to 1), restricted to each row's group.
  let delta: tfjs.Tensor2D = tf.sub(probabilities, y);
  if (groups) delta = tf.mul(delta, groups.mask);
  if (distill) {
    if (groups) throw new RangeError('distillation with several task heads is not supported');
    // d(T^2 CE(soft, softmax(z/T)))/dz = T (softmax(z/T) - soft)
    const t = distill.temperature;
    const softDelta = tf.sub(tf.softmax(tf.mul(h, tf.scalar(1 / t))), distill.soft);
    delta = tf.add(tf.mul(delta, tf.scalar(1 - distill.alpha)), tf.mul(softDelta, tf.scalar(distill.alpha * t)));
  }
  delta = tf.mul(delta, targets.scale);

  const grads: tfjs.Tensor[][] = [];
  let inputGrad: tfjs.Tensor2D | null = null;
  let taskGradNorms: tfjs.Tensor1D | null = null;
  const normLayer = Math.max(0, last - 1);
  const bottom = options.taskRows ? Math.min(lowest, normLayer) : lowest;
  for (let i = last; i >= bottom; i--) {
    const w = layers[i]!;
    if (weightGrads && w.trainable) grads.unshift([products.kernelGrad(inputs[i]!, delta), tf.sum(delta, 0)]);
    if (options.taskRows && i === normLayer) taskGradNorms = taskNorms(tf, inputs[i]!, delta, options.taskRows);
    if (i === bottom) {
      if (options.inputGrad) inputGrad = products.inputGrad(delta, w.kernel);
      break;
    }
    let back: tfjs.Tensor2D = products.inputGrad(delta, w.kernel);
    if (i === last && options.featureGradient) back = tf.add(back, options.featureGradient(tf, inputs[i]!));
    const mask = maskTensors[i - 1];
    if (mask) back = tf.mul(back, mask);
    delta = activationGrad(tf, back, outputs[i - 1]!, activation, constants);
  }
  return { probabilities, grads: grads.flat(), inputGrad, taskGradNorms };
}

/** Softmax within each of `count` equal column groups. */
function groupedSoftmax(tf: Tf, logits: tfjs.Tensor2D, count: number): tfjs.Tensor2D {
  if (count === 1) return tf.softmax(logits);
  const [n, width] = logits.shape;
  return tf.reshape(tf.softmax(tf.reshape(logits, [n, count, width / count])), [n, width]);
}

/**
 * sum_k y_ik log p_ik of every row (the negated cross-entropy), from row-major targets and
 * probabilities `width` wide. Classes with y = 0 contribute nothing (0 log 0 = 0); a probability
 * that underflowed to 0 counts as the smallest double, so only a NaN in p (a diverged model) makes
 * the result non-finite.
 */
export function rowLogLikelihood(y: Float32Array, p: Float32Array, width: number): Float64Array {
  const rows = y.length / width;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let k = r * width; k < (r + 1) * width; k++) {
      const yk = y[k] as number;
      const pk = p[k] as number;
      if (yk !== 0 || Number.isNaN(pk)) sum += yk * Math.log(Math.max(pk, Number.MIN_VALUE));
    }
    out[r] = sum;
  }
  return out;
}

/** ||x_t^T delta_t||_F for each contiguous row range t. */
function taskNorms(tf: Tf, x: tfjs.Tensor2D, delta: tfjs.Tensor2D, rows: readonly number[]): tfjs.Tensor1D {
  const norms: tfjs.Scalar[] = [];
  for (let t = 0; t + 1 < rows.length; t++) {
    const start = rows[t]!;
    const size = rows[t + 1]! - start;
    if (size === 0) {
      norms.push(tf.scalar(0));
      continue;
    }
    const g = tf.matMul(tf.transpose(tf.slice(x, [start, 0], [size, -1])), tf.slice(delta, [start, 0], [size, -1]));
    norms.push(tf.sqrt(tf.sum(tf.square(g))) as tfjs.Scalar);
  }
  return tf.stack(norms) as tfjs.Tensor1D;
}

/** x W + b, then the activation (fused into the matMul where every backend supports it). */
export function denseForward(tf: Tf, x: tfjs.Tensor2D, w: LayerWeights, activation: Activation | null): tfjs.Tensor2D {
  if (activation === 'tanh') return tf.tanh(tf.fused.matMul({ a: x, b: w.kernel, bias: w.bias }) as tfjs.Tensor2D);
  return tf.fused.matMul({ a: x, b: w.kernel, bias: w.bias, activation: activation ?? 'linear' }) as tfjs.Tensor2D;
}

/** The head's logits for `x` (no dropout: inference). Call inside tf.tidy. */
export function forwardLogits(tf: Tf, layers: readonly LayerWeights[], activation: Activation, x: tfjs.Tensor2D): tfjs.Tensor2D {
  let h: tfjs.Tensor2D = x;
  layers.forEach((w, i) => {
    h = denseForward(tf, h, w, i === layers.length - 1 ? null : activation);
  });
  return h;
}

/** dLoss/d(pre-activation) from dLoss/d(activation) and the activation's output (any rank). */
export function activationGrad<T extends tfjs.Tensor>(tf: Tf, dy: T, y: T, activation: Activation, c: LoopConstants): T {
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
