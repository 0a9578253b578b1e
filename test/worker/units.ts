// Trial units on the shipped digits data for the worker tests.
import { fileURLToPath } from 'node:url';
import type { Recipe } from '../../src/spec/recipe.js';
import type { TargetSpec, TaskSpec } from '../../src/spec/tasks.js';
import type { TrialUnit } from '../../src/spec/units.js';

export const DIGITS = fileURLToPath(new URL('../../data/digits.csv.gz', import.meta.url));

const digits = { kind: 'csv', path: DIGITS, label: 'label' } as const;

export const TARGET: TargetSpec = {
  name: 'digits-600',
  dataset: digits,
  transforms: [{ kind: 'sample', rows: 600, seed: 1 }],
  labelled: 100,
};

export const SOURCE: TaskSpec = {
  name: 'digits-noisy',
  dataset: digits,
  transforms: [
    { kind: 'sample', rows: 400, seed: 2 },
    { kind: 'noise', std: 1, seed: 3 },
  ],
};

export const RECIPE: Recipe = {
  strategy: 'finetune',
  optimizer: 'adam',
  learning_rate: 0.005,
  batch_size: 32,
  pretrain_epochs: 2,
  epochs: 6,
  freeze_layers: 1,
  dropout: 0.1,
};

export function unit(overrides: Partial<TrialUnit> = {}, recipe: Partial<Recipe> = {}): TrialUnit {
  return {
    trialNumber: 0,
    target: TARGET,
    sources: [SOURCE],
    model: { kind: 'mlp', hidden: [128, 64], activation: 'relu', dropout: 0 },
    recipe: { ...RECIPE, ...recipe },
    seed: 7,
    withBaseline: true,
    ...overrides,
  };
}

/** Diverges to a non-finite loss on digits (checked: deterministic for this seed on wasm). */
export const DIVERGING = unit({ seed: 2, sources: [] }, { optimizer: 'sgd', learning_rate: 1e6, dropout: 0 });
