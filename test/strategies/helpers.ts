// Shared helpers of the strategy tests: seeded Gaussian-blob datasets, a default model and recipe.
import type { ModelSpec, Recipe } from '../../src/config/types.js';
import type { Dataset } from '../../src/data/types.js';
import { Rng } from '../../src/util/rng.js';

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
