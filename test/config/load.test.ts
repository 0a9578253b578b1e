import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadStudyFile, parseStudy, type ResolvedStudy } from '../../src/config/index.js';
import { hashString, mixSeed } from '../../src/util/rng.js';
import { DIGITS, errorOf, FIXTURES, MINIMAL, messageOf, REPO, Workspace } from './helpers.js';
import { BAYES_DEFAULTS, GP_DEFAULTS } from '../../src/spec/study.js';

function expectDeepFrozen(value: unknown, path = 'study'): void {
  if (typeof value !== 'object' || value === null) return;
  expect(Object.isFrozen(value), `${path} is frozen`).toBe(true);
  for (const [key, child] of Object.entries(value)) expectDeepFrozen(child, `${path}.${key}`);
}

describe('a complete study file', () => {
  const file = join(FIXTURES, 'example.yaml');
  let study: ResolvedStudy;
  beforeAll(() => {
    study = loadStudyFile(file);
  });

  test('resolves names, paths and the search space', () => {
    expect(study.name).toBe('quickstart');
    expect(study.seed).toBe(7);
    expect(study.file).toBe(file);
    expect(study.storage).toBe(join(FIXTURES, 'runs', 'qs.db'));
    expect(study.sources.map((s) => s.name)).toEqual(['rot15', 'noisy', 'close']);
    expect(study.sources[0]?.dataset).toEqual({ kind: 'csv', path: DIGITS, label: 'label' });
    expect(study.targets).toHaveLength(1);
    expect(study.targets[0]?.labelled).toBe(50);
    expect(study.targets[0]?.transforms).toEqual([
      { kind: 'rotate', degrees: 45 },
      { kind: 'classes', keep: [0, 1, 2, 3, 4] },
    ]);
    expect(study.model).toEqual({ kind: 'mlp', hidden: [64, 32], activation: 'relu', dropout: 0 });
    expect(study.recipe).toEqual({
      strategy: 'finetune',
      optimizer: 'adam',
      learning_rate: 0.01,
      batch_size: 32,
      pretrain_epochs: 5,
      epochs: 10,
      freeze_layers: 0,
      dropout: 0,
      // Written out for new studies: a stored spec without it means no scaling.
      scaling: 'standard',
    });
    expect(study.space).toEqual([
      { name: 'strategy', distribution: { type: 'categorical', choices: ['finetune'] } },
      { name: 'learning_rate', distribution: { type: 'float', low: 1e-4, high: 0.1, log: true } },
      { name: 'batch_size', distribution: { type: 'categorical', choices: [16, 32, 64] } },
      { name: 'epochs', distribution: { type: 'int', low: 2, high: 10, log: false, step: 2 } },
      {
        name: 'freeze_layers',
        distribution: { type: 'int', low: 0, high: 1, log: false, step: 1 },
        when: { strategy: ['finetune'] },
      },
      { name: 'sources', distribution: { type: 'subset', items: ['close', 'rot15'], min: 0, max: 2 } },
    ]);
    expect(study.sampler).toEqual({ kind: 'random' });
    expect(study.objective).toEqual({ metric: 'accuracy', direction: 'maximize', aggregate: 'mean' });
    expect(study.budget).toEqual({ trials: 20, workers: 2, epochs: 10, seeds: 2 });
  });

  test('derives omitted seeds from the study seed and the task name', () => {
    const taskSeed = (name: string, index: number) => mixSeed(7, hashString(name), index);
    expect(study.sources[0]?.transforms[1]).toEqual({ kind: 'sample', rows: 600, seed: taskSeed('rot15', 1) });
    expect(study.sources[1]?.transforms).toEqual([
      { kind: 'noise', std: 2, seed: taskSeed('noisy', 0) },
      { kind: 'permute_labels', seed: taskSeed('noisy', 1) },
      { kind: 'sample', rows: 300, seed: 11 },
    ]);
    expect(study.sources[2]?.dataset).toEqual({
      kind: 'synthetic',
      features: 64,
      latent: 8,
      classes: 4,
      rows: 600,
      familySeed: 3,
      rho: 0.9,
      taskSeed: mixSeed(7, hashString('close')),
      noise: 0.1,
    });
    expect(loadStudyFile(file)).toEqual(study);
  });

  test('is deeply frozen and JSON-safe', () => {
    expectDeepFrozen(study);
    expect(JSON.parse(JSON.stringify(study))).toEqual(study);
    expect(() => {
      (study.recipe as { epochs: number }).epochs = 3;
    }).toThrow(TypeError);
  });

  test('overrides replace budget.trials and budget.workers', () => {
    const overridden = loadStudyFile(file, { trials: 3, workers: 1 });
    expect(overridden.budget).toEqual({ trials: 3, workers: 1, epochs: 10, seeds: 2 });
    expect(loadStudyFile(file, { trials: undefined }).budget.trials).toBe(20);
  });
});

test('every study shipped in studies/ loads', () => {
  const studies = join(REPO, 'studies');
  const files = readdirSync(studies).filter((f) => f.endsWith('.yaml'));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) expect(loadStudyFile(join(studies, file)).file).toBe(join(studies, file));
});

describe('defaults and file-level errors', () => {
  let ws: Workspace;
  beforeAll(() => {
    ws = new Workspace();
  });
  afterAll(() => ws.dispose());

  test('a minimal study gets every default', () => {
    const study = loadStudyFile(ws.write('s.yaml', MINIMAL));
    expect(study.file).toBe(join(ws.dir, 's.yaml'));
    expect(study.seed).toBe(0);
    expect(study.storage).toBeNull();
    expect(study.sources).toEqual([]);
    expect(study.targets[0]?.dataset).toEqual({ kind: 'csv', path: join(ws.dir, 'digits.csv.gz'), label: 'label' });
    expect(study.targets[0]?.transforms).toEqual([]);
    expect(study.model).toEqual({ kind: 'mlp', hidden: [64], activation: 'relu', dropout: 0 });
    expect(study.recipe).toEqual({
      strategy: 'finetune',
      optimizer: 'adam',
      learning_rate: 0.01,
      batch_size: 32,
      pretrain_epochs: 10,
      epochs: 10,
      freeze_layers: 0,
      dropout: 0,
      // Written out for new studies: a stored spec without it means no scaling.
      scaling: 'standard',
    });
    expect(study.space).toEqual([]);
    // No sampler: auto, which is gp for a space without a sources subset (src/config/sampler.ts).
    expect(study.sampler).toEqual({ kind: 'gp', ...GP_DEFAULTS });
    expect(study.objective).toEqual({ metric: 'accuracy', direction: 'maximize', aggregate: 'mean' });
    expect(study.budget).toEqual({ trials: 4, workers: 2, epochs: 10, seeds: 1 });
    // Left out (best) so specs stored before the key existed stay equal.
    expect('artifacts' in study).toBe(false);
  });

  test('artifacts: none | best | all is kept as written; anything else is refused at its line', () => {
    for (const policy of ['none', 'best', 'all'] as const) {
      expect(loadStudyFile(ws.write(`a-${policy}.yaml`, `${MINIMAL}artifacts: ${policy}\n`)).artifacts).toBe(policy);
    }
    const message = messageOf(() => loadStudyFile(ws.write('a-bad.yaml', `${MINIMAL}artifacts: some\n`)));
    expect(message).toMatch(/artifacts/);
    expect(message).toMatch(/none, best, all|none|best/);
  });

  test('recipe defaults follow budget.epochs and model.dropout; subset defaults to every source', () => {
    const text = `name: t
seed: 5
datasets:
  digits: { csv: digits.csv.gz }
  fam: { synthetic: { features: 64, latent: 4, classes: 3, rows: 200 } }
sources:
  - { name: a, dataset: fam, rho: 0.5 }
  - { name: b, dataset: digits }
targets:
  - { name: target, dataset: digits, labelled: 20 }
model: { dropout: 0.25 }
space:
  sources: { type: subset }
budget: { trials: 4, epochs: 3 }
`;
    const study = parseStudy(text, join(ws.dir, 'in-code.yaml'));
    expect(study.recipe.epochs).toBe(3);
    expect(study.recipe.pretrain_epochs).toBe(3);
    expect(study.recipe.dropout).toBe(0.25);
    expect(study.space).toEqual([{ name: 'sources', distribution: { type: 'subset', items: ['a', 'b'], min: 0, max: 2 } }]);
    const fam = study.sources[0]?.dataset;
    expect(fam).toMatchObject({ kind: 'synthetic', familySeed: 5, noise: 0.1, rho: 0.5, taskSeed: mixSeed(5, hashString('a')) });
  });

  test('study file not found', () => {
    expect(messageOf(() => loadStudyFile('missing.yaml'))).toBe('missing.yaml: study file not found');
  });

  test('study file is a directory', () => {
    expect(messageOf(() => loadStudyFile('.'))).toBe('.: is a directory, not a study file');
  });

  test('study file not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('name: t\nseed: 1 # caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    expect(errorOf(ws, bytes)).toBe('s.yaml:2:14: not UTF-8 text (byte 0xe9); save the study file as UTF-8');
  });

  test('override trials 0', () => {
    expect(errorOf(ws, MINIMAL, { trials: 0 })).toBe('s.yaml: budget.trials (override): must be an integer >= 1 (got 0)');
  });

  test('override workers above the maximum', () => {
    expect(errorOf(ws, MINIMAL, { workers: 65 })).toBe('s.yaml: budget.workers (override): must be an integer <= 64 (got 65)');
  });
});
