// The CNN's trainer: one optimizer step per batch on conv blocks' and Dense layers' own variables,
// with the hand-written pass of conv-pass.ts. Worker side; gets tfjs passed in. Must not import the
// store, the CLI or YAML parsing.
import type * as tfjs from '@tensorflow/tfjs';
import type { Activation } from '../spec/study.js';
import type { OptimizerName } from '../spec/recipe.js';
import { readStep } from './layer-weights.js';
import { cnnForwardBackward, cnnLogits, type CnnWeights } from './conv-pass.js';
import { type LoopConstants, type PassOptions, type PassResult, type PassTargets } from './forward-backward.js';
import type { TrainerLayer, TrainerRegularisation } from './dense-trainer.js';
import { createOptimizer, type LeanOptimizer } from './optimizers.js';
import type { Batch, StepResult, StepTrainer, Tf } from './types.js';

/** A conv block as the trainer sees it: a TrainerLayer (4-D kernel) and its geometry. */
export interface ConvTrainerLayer extends TrainerLayer {
  readonly stride: number;
  readonly pool: number;
}

/**
 * Trains conv blocks, then Dense layers (the head last), in place: one optimizer steps the trainable
 * layers' own kernel and bias variables, in the order the pass returns their gradients. Learning-rate
 * scales, kernel masks and anchors are per layer, counted from the input across both kinds.
 * Owns its tensors: call dispose (also after a throw).
 */
export class CnnTrainer implements StepTrainer {
  readonly inputs: number;
  readonly width: number;
  private readonly variables: tfjs.Variable[];
  private readonly optimizer: LeanOptimizer;
  private readonly constants: LoopConstants;
  private readonly inverse = new Map<number, tfjs.Scalar>();

  constructor(
    private readonly tf: Tf,
    private readonly inputShape: readonly [number, number, number],
    private readonly conv: readonly ConvTrainerLayer[],
    private readonly dense: readonly TrainerLayer[],
    private readonly activation: Activation,
    optimizer: OptimizerName,
    learningRate: number,
    regularisation: TrainerRegularisation = {},
  ) {
    this.inputs = inputShape[0] * inputShape[1] * inputShape[2];
    this.width = dense[dense.length - 1]!.kernel.shape[1] as number;
    const trainable = [...conv, ...dense].filter((d) => d.trainable);
    this.variables = trainable.flatMap((d) => [d.kernel, d.bias]);
    const scales = trainable.flatMap((d) => {
      const lr = d.lrScale ?? 1;
      const kernel = d.kernelMask ? d.kernelMask.map((m) => m * lr) : lr !== 1 ? Float32Array.of(lr) : null;
      return [kernel, lr !== 1 ? Float32Array.of(lr) : null];
    });
    const weightDecay = regularisation.weightDecay ?? 0;
    const l2sp = regularisation.l2sp ?? 0;
    this.optimizer = createOptimizer(tf, optimizer, learningRate, this.variables, scales, {
      ...(weightDecay > 0 ? { weightDecay: trainable.flatMap(() => [weightDecay, 0]) } : {}),
      ...(l2sp > 0 ? { l2sp, anchors: trainable.flatMap((d) => [d.anchor ?? null, null]) } : {}),
    });
    this.constants = { zero: tf.keep(tf.scalar(0)), one: tf.keep(tf.scalar(1)) };
  }

  step(batch: Batch): StepResult {
    const { tf } = this;
    let norms: tfjs.Tensor1D | null = null;
    const probabilities = tf.tidy(() => {
      // Dropout masks are per layer from the input; the pass applies the Dense layers' ones.
      const masks = (batch.masks ?? []).slice(this.conv.length);
      const pass = this.pass(batch, masks, {
        ...(batch.taskRows ? { taskRows: batch.taskRows } : {}),
        // Domain adaptation's loss on the last hidden layer: the Dense part of the pass adds it.
        ...(batch.featureGradient ? { featureGradient: batch.featureGradient } : {}),
      });
      if (pass.grads.length > 0) this.optimizer.step(pass.grads);
      if (pass.taskGradNorms) norms = tf.keep(pass.taskGradNorms);
      return pass.probabilities;
    });
    return readStep(batch.y, this.width, probabilities, norms as tfjs.Tensor1D | null);
  }

  inputGradient(batch: Batch): Float32Array {
    const { tf } = this;
    const grad = tf.tidy(() => this.pass(batch, [], { weightGrads: false, inputGrad: true }).inputGrad!);
    try {
      return grad.dataSync() as Float32Array;
    } finally {
      grad.dispose();
    }
  }

  logits(x: Float32Array, n: number): Float32Array {
    const { tf } = this;
    const out = tf.tidy(() => cnnLogits(tf, this.weights(), tf.tensor2d(x, [n, this.inputs])));
    try {
      return out.dataSync() as Float32Array;
    } finally {
      out.dispose();
    }
  }

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

  private pass(batch: Batch, masks: readonly (Float32Array | null)[], options: PassOptions): PassResult {
    const { tf } = this;
    return cnnForwardBackward(tf, this.weights(), tf.tensor2d(batch.x, [batch.n, this.inputs]), this.targets(batch), masks, this.constants, options);
  }

  private weights(): CnnWeights {
    return {
      inputShape: this.inputShape,
      conv: this.conv.map((c) => ({ kernel: c.kernel as tfjs.Tensor4D, bias: c.bias as tfjs.Tensor1D, trainable: c.trainable, stride: c.stride, pool: c.pool })),
      dense: this.dense.map((d) => ({ kernel: d.kernel as tfjs.Tensor2D, bias: d.bias as tfjs.Tensor1D, trainable: d.trainable })),
      activation: this.activation,
    };
  }

  /** The batch's targets as tensors (the same as the MLP's trainer builds). */
  private targets(batch: Batch): PassTargets {
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
      ...(batch.groups ? { groups: { count: batch.groups.count, mask: tf.tensor2d(batch.groups.mask, [n, this.width]) } } : {}),
      ...(batch.distill
        ? { distill: { soft: tf.tensor2d(batch.distill.soft, [n, this.width]), temperature: batch.distill.temperature, alpha: batch.distill.alpha } }
        : {}),
    };
  }
}
