// What a training step is made of besides the pass: dropout masks, FGSM copies, consistency rows,
// row-wise softmax, and endless seeded draws of rows from a pool. Pure arrays, except where a
// trainer is asked for the current model's gradients or logits. Worker side; must not import the
// store, the CLI or YAML parsing.
import type { Rng } from '../util/rng.js';
import { addNoise } from './augment.js';
import { pgdShift } from './pgd.js';
import type { Batch, StepTrainer } from './types.js';

/** FGSM examples (Goodfellow et al. 2015) mixed into training. */
export interface Adversarial {
  /** Attack size: x + epsilon * sign(dLoss/dx). */
  readonly epsilon: number;
  /** Share of the loss on the adversarial copies (Goodfellow's 1 - alpha); 0: off. */
  readonly ratio: number;
  /** PGD steps (Madry et al. 2018, pgd.ts) instead of the one FGSM step; 0 or absent: FGSM. */
  readonly steps?: number;
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

/** The batch's adversarial copies against the current weights: PGD when `steps` > 0, else FGSM. */
export function adversarialShift(trainer: StepTrainer, batch: Batch, adversarial: Adversarial): Float32Array {
  const steps = adversarial.steps ?? 0;
  return steps > 0
    ? pgdShift(trainer, batch, adversarial.epsilon, steps)
    : fgsmShift(batch.x, trainer.inputGradient(batch), adversarial.epsilon);
}

/**
 * The batch followed by its FGSM (or PGD) copies: the clean rows keep (1 - ratio) of their loss
 * weight, the copies (made against the current weights) get ratio of it (Goodfellow et al.: 0.5 each).
 */
export function withAdversarial(trainer: StepTrainer, batch: Batch, adversarial: Adversarial): Batch {
  if (batch.groups || batch.taskRows) throw new RangeError('withAdversarial takes a single-task batch');
  const adv = adversarialShift(trainer, batch, adversarial);
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
export function withConsistency(
  trainer: StepTrainer,
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
