// The MLP's trainer: one optimizer step per batch on a stack of Dense layers' own variables, with
// the closed-form pass of forward-backward.ts. Worker side; gets tfjs passed in. Must not import
// the store, the CLI or YAML parsing.
//
// Why not model.fit: per-op overhead dominates a small MLP on wasm. fit adds callbacks and tape
// bookkeeping, autodiff emits matMuls with transpose flags (several times slower on wasm than an
// explicit transpose, see forward-backward.ts), and tf.train.adam runs ~20 ops per variable where
// the lean optimizers (optimizers.ts) run 12.
import type * as tfjs from '@tensorflow/tfjs';
import type { Activation } from '../spec/study.js';
import type { OptimizerName } from '../spec/recipe.js';
import { readStep } from './layer-weights.js';
import {
  forwardBackward,
  forwardLogits,
  type LayerWeights,
  type LoopConstants,
  type PassOptions,
  type PassResult,
} from './forward-backward.js';
import { createOptimizer, type LeanOptimizer } from './optimizers.js';
import type { Batch, StepResult, StepTrainer, Tf } from './types.js';

/** A Dense layer as the Trainer sees it: its variables (written back after training) and its role. */
export interface TrainerLayer {
  readonly kernel: tfjs.Variable;
  readonly bias: tfjs.Variable;
  readonly trainable: boolean;
  /** Learning-rate multiplier (discriminative learning rates); default 1. */
  readonly lrScale?: number;
  /** Per kernel weight: 0 freezes it (pruned weights stay zero), 1 trains it; default all 1. */
  readonly kernelMask?: Float32Array | null;
  /** The kernel values L2-SP pulls this kernel towards (null or absent: none). */
  readonly anchor?: Float32Array | null;
}

/** Regularisation of every trainable kernel (TrainerOptions' weightDecay and l2sp; 0 or absent: off). */
export interface TrainerRegularisation {
  readonly weightDecay?: number | undefined;
  readonly l2sp?: number | undefined;
}

/**
 * Trains a stack of Dense layers in place: one optimizer steps the trainable layers' own kernel and
 * bias variables. (Not one flat vector: on wasm, tf.slice and tf.concat copy their whole input out of
 * the wasm heap into a fresh ArrayBuffer, ~15 ms for a 784-256-256 MLP's weights, so slicing a flat
 * parameter vector costs more than the extra small ops of per-variable updates.)
 * Owns its tensors: call dispose (also after a throw).
 */
export class DenseTrainer implements StepTrainer {
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
    regularisation: TrainerRegularisation = {},
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
    // Kernels decay and have anchors; biases neither (variables alternate kernel, bias).
    const weightDecay = regularisation.weightDecay ?? 0;
    const l2sp = regularisation.l2sp ?? 0;
    this.optimizer = createOptimizer(tf, optimizer, learningRate, this.variables, scales, {
      ...(weightDecay > 0 ? { weightDecay: trainable.flatMap(() => [weightDecay, 0]) } : {}),
      ...(l2sp > 0 ? { l2sp, anchors: trainable.flatMap((d) => [d.anchor ?? null, null]) } : {}),
    });
    this.constants = { zero: tf.keep(tf.scalar(0)), one: tf.keep(tf.scalar(1)) };
  }

  /** One optimizer step on `batch`; returns the batch's log-likelihoods (before the step). */
  step(batch: Batch): StepResult {
    const { tf } = this;
    let norms: tfjs.Tensor1D | null = null;
    const probabilities = tf.tidy(() => {
      const pass = this.pass(batch, batch.masks ?? [], {
        ...(batch.taskRows ? { taskRows: batch.taskRows } : {}),
        ...(batch.featureGradient ? { featureGradient: batch.featureGradient } : {}),
      });
      if (pass.grads.length > 0) this.optimizer.step(pass.grads);
      if (pass.taskGradNorms) norms = tf.keep(pass.taskGradNorms);
      return pass.probabilities;
    });
    return readStep(batch.y, this.width, probabilities, norms as tfjs.Tensor1D | null);
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

