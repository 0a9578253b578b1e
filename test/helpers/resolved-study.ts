// A small ResolvedStudy built in code, for tests of the search core that need no data files.
import type { ResolvedStudy } from '../../src/spec/study.js';
import type { SearchSpace } from '../../src/spec/space.js';

export const SMALL_SPACE: SearchSpace = [
  { name: 'learning_rate', distribution: { type: 'float', low: 1e-4, high: 1e-1, log: true } },
  { name: 'batch_size', distribution: { type: 'categorical', choices: [16, 32, 64] } },
  { name: 'epochs', distribution: { type: 'int', low: 2, high: 10, log: false, step: 2 } },
  { name: 'optimizer', distribution: { type: 'categorical', choices: ['adam', 'sgd'] } },
  {
    name: 'freeze_layers',
    distribution: { type: 'int', low: 0, high: 1, log: false, step: 1 },
    when: { optimizer: ['adam'] },
  },
  { name: 'sources', distribution: { type: 'subset', items: ['a', 'b', 'c', 'd'], min: 1, max: 3 } },
];

export function resolvedStudy(overrides: Partial<ResolvedStudy> = {}): ResolvedStudy {
  const synthetic = (rho: number, taskSeed: number) => ({
    kind: 'synthetic' as const,
    features: 8,
    latent: 4,
    classes: 3,
    rows: 120,
    familySeed: 1,
    rho,
    taskSeed,
    noise: 0.1,
  });
  return {
    name: 'in-code',
    seed: 5,
    file: null,
    sources: ['a', 'b', 'c', 'd'].map((name, i) => ({ name, dataset: synthetic(0.9 - i * 0.5, i + 10), transforms: [] })),
    targets: [{ name: 't', dataset: synthetic(1, 99), transforms: [], labelled: 9 }],
    model: { kind: 'mlp', hidden: [8], activation: 'relu', dropout: 0 },
    recipe: {
      strategy: 'finetune',
      optimizer: 'adam',
      learning_rate: 0.01,
      batch_size: 16,
      pretrain_epochs: 2,
      epochs: 2,
      freeze_layers: 0,
      dropout: 0,
    },
    space: SMALL_SPACE,
    sampler: { kind: 'random' },
    objective: { metric: 'accuracy', direction: 'maximize', aggregate: 'mean' },
    budget: { trials: 10, workers: 1, epochs: 10, seeds: 1 },
    storage: null,
    ...overrides,
  };
}
