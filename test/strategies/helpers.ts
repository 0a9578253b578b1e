// Shared helpers of the strategy tests: seeded Gaussian-blob datasets, synthetic task families, a default
// model, recipe and strategy input.
import type { ModelSpec } from '../../src/spec/study.js';
import type { Recipe } from '../../src/spec/recipe.js';
import { generateSynthetic } from '../../src/data/index.js';
import type { Dataset } from '../../src/data/types.js';
import type { StrategyInput } from '../../src/strategies/index.js';
import { Rng } from '../../src/util/rng.js';
import { tf } from '../../src/worker/backend.js';

/** Class centres of a blob family: tasks built from the same family share them (related tasks). */
export function blobCentres(classes: number, cols: number, seed: number, spread = 2.5): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: classes * cols }, () => rng.normal() * spread);
}

/** `rows` points, round-robin over the classes, each a centre plus unit Gaussian noise. */
export function blobs(centres: Float32Array, classes: number, rows: number, seed: number, noise = 1): Dataset {
  const cols = centres.length / classes;
  const rng = new Rng(seed);
  const features = new Float32Array(rows * cols);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const y = i % classes;
    labels[i] = y;
    for (let c = 0; c < cols; c++) features[i * cols + c] = (centres[y * cols + c] as number) + noise * rng.normal();
  }
  return { features, labels, rows, cols, numClasses: classes };
}

export const MODEL: ModelSpec = { kind: 'mlp', hidden: [32, 16], activation: 'relu', dropout: 0 };

export const RECIPE: Recipe = {
  strategy: 'finetune',
  optimizer: 'adam',
  learning_rate: 0.01,
  batch_size: 16,
  pretrain_epochs: 3,
  epochs: 15,
  freeze_layers: 1,
  dropout: 0,
};

/** A task of a synthetic family (shared projection; rho: relatedness to the family's reference rule). */
export function familyTask(rho: number, taskSeed: number, rows: number, family: Partial<SyntheticFamily> = {}): Dataset {
  return generateSynthetic({ ...SYNTHETIC_FAMILY, ...family, rows, rho, taskSeed });
}

export interface SyntheticFamily {
  readonly features: number;
  readonly latent: number;
  readonly classes: number;
  readonly familySeed: number;
  readonly noise: number;
}

export const SYNTHETIC_FAMILY = { kind: 'synthetic', features: 16, latent: 6, classes: 4, familySeed: 3, noise: 0.3 } as const;

/** A strategy input with the test defaults; `recipe` entries override RECIPE's. */
export function strategyInput(
  base: Pick<StrategyInput, 'train' | 'validation'> & Partial<StrategyInput>,
  recipe: Partial<Recipe> = {},
): StrategyInput {
  return {
    tf,
    sources: [],
    numClasses: base.train.numClasses,
    model: MODEL,
    seed: 1,
    ...base,
    recipe: { ...RECIPE, ...base.recipe, ...recipe },
  };
}

/** `ds` with each label replaced by a uniformly random class with probability p (a noisy task). */
export function noisyLabels(ds: Dataset, p: number, seed: number): Dataset {
  const rng = new Rng(seed);
  return { ...ds, labels: Int32Array.from(ds.labels, (l) => (rng.next() < p ? rng.int(0, ds.numClasses - 1) : l)) };
}
