// Projected gradient descent attacks (Madry et al. 2018): the multi-step L-infinity attack that
// adversarial training with `pgd_steps` trains against, and the accuracy under it. Engine-agnostic:
// it asks a StepTrainer for input gradients and logits, so any TrainableModel is attacked the same
// way. Worker side; must not import the store, the CLI or YAML parsing.
import type { Dataset } from '../data/types.js';
import type { Batch, StepTrainer, TrainableModel } from './types.js';

const CHUNK = 1024;

/**
 * Madry et al.'s step size convention: alpha = 2.5 epsilon / steps, so that `steps` steps can walk
 * from the centre to the ball's surface and along it (their CIFAR setting, 7 steps of 2/255 for
 * epsilon 8/255, is close to it).
 */
export function pgdStepSize(epsilon: number, steps: number): number {
  return (2.5 * epsilon) / steps;
}

/**
 * The batch's rows moved by `steps` steps of x <- clip_{x0 +- epsilon}(x + alpha sign(dLoss/dx)), the
 * gradient taken at each row's own targets under the trainer's current weights (no dropout). No
 * random start: the attack is deterministic, so an evaluation is repeatable; with steps 1 and the
 * step clipped to epsilon it is FGSM. Row-major like batch.x.
 */
export function pgdShift(trainer: StepTrainer, batch: Batch, epsilon: number, steps: number): Float32Array {
  if (!(steps >= 1) || !Number.isInteger(steps)) throw new RangeError(`pgd steps must be a positive integer, got ${steps}`);
  const alpha = pgdStepSize(epsilon, steps);
  const x0 = batch.x;
  const x = Float32Array.from(x0);
  for (let s = 0; s < steps; s++) {
    const g = trainer.inputGradient({ ...batch, x });
    for (let i = 0; i < x.length; i++) {
      const moved = (x[i] as number) + alpha * Math.sign(g[i] as number);
      const centre = x0[i] as number;
      x[i] = Math.min(centre + epsilon, Math.max(centre - epsilon, moved));
    }
  }
  return x;
}

/**
 * Share of `ds`'s rows still classified correctly after a `steps`-step PGD attack of L-infinity size
 * epsilon at their true labels (white box, no clipping to a feature range). NaN for an empty dataset.
 * The model's weights are only read.
 */
export function pgdAccuracy(model: TrainableModel, ds: Dataset, epsilon: number, steps: number): number {
  if (ds.rows === 0) return Number.NaN;
  // A trainer is the engine's way to give input gradients; it is never stepped.
  const trainer = model.trainer({ optimizer: 'sgd', learningRate: 1 });
  const width = trainer.width;
  let correct = 0;
  try {
    for (let start = 0; start < ds.rows; start += CHUNK) {
      const n = Math.min(CHUNK, ds.rows - start);
      const y = new Float32Array(n * width);
      for (let i = 0; i < n; i++) y[i * width + (ds.labels[start + i] as number)] = 1;
      const x = ds.features.slice(start * ds.cols, (start + n) * ds.cols);
      const attacked = pgdShift(trainer, { n, x, y }, epsilon, steps);
      const logits = trainer.logits(attacked, n);
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let k = 1; k < width; k++) if ((logits[i * width + k] as number) > (logits[i * width + best] as number)) best = k;
        if (best === ds.labels[start + i]) correct += 1;
      }
    }
  } finally {
    trainer.dispose();
  }
  return correct / ds.rows;
}
