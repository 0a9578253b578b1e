// A CNN study with architecture parameters in its space, end to end through the CLI on the digits:
// the bayes sampler proposes hidden widths, depth, conv blocks and filters like any parameter; they are
// stored, a study stopped half-way and continued makes the same proposals as one run straight through;
// the leaderboard shows them; `model` writes the best trial's CNN (its searched architecture) and
// `predict` on the unit's validation rows gives the unit's accuracy.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { holdOutTest, materializeTask, splitTarget } from '../../src/data/index.js';
import { architectureFor } from '../../src/spec/architecture.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { bestTrial } from '../../src/study/leaderboard.js';
import { decodeParams, decodeStoredUnit, studySpecOf } from '../../src/study/decoders.js';
import { unitSeed } from '../../src/util/seeds.js';
import { cli, DIGITS, tempDir, writeStudy } from '../helpers/cli.js';

const STUDY = `name: cnn-arch
seed: 5
datasets:
  digits: { csv: ${DIGITS} }
sources:
  - { name: upright, dataset: digits, transforms: [ { sample: 300 } ] }
targets:
  - { name: tilted, dataset: digits, transforms: [ { rotate: 30 }, { sample: 500 } ], labelled: 100 }
model:
  kind: cnn
  input_shape: [8, 8, 1]
  conv: [ { filters: 8, kernel: 3, pool: 2 }, { filters: 16, kernel: 3, pool: 2 } ]
  hidden: [32]
recipe: { batch_size: 32, pretrain_epochs: 2, epochs: 3, learning_rate: 0.01 }
space:
  hidden_layers: { type: int, low: 1, high: 2 }
  hidden_units: { type: categorical, choices: [16, 32] }
  conv_blocks: { type: int, low: 1, high: 2 }
  conv_filters_1: { type: int, low: 4, high: 8, step: 4 }
  sources: { type: subset }
sampler: { kind: bayes, startup_trials: 2 }
budget: { trials: 4, workers: 1, epochs: 3, seeds: 1 }
`;

interface Trial {
  readonly number: number;
  readonly state: string;
  readonly params: Record<string, unknown>;
  readonly value: number | null;
}

function trialsOf(db: string): Trial[] {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const record = store.getStudy('cnn-arch')!;
    return store.getTrials(record.id).map((t) => ({ number: t.number, state: t.state, params: { ...decodeParams(t.params, 'test') }, value: t.value }));
  } finally {
    store.close();
  }
}

let dir: string;
let straight: string;
let halves: string;

beforeAll(() => {
  dir = tempDir('tasksieve-cnn-');
  const file = writeStudy(dir, STUDY);
  straight = join(dir, 'straight.db');
  halves = join(dir, 'halves.db');
  const run = cli(['run', file, '--db', straight, '--quiet', '--backend', 'wasm']);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const first = cli(['run', file, '--db', halves, '--quiet', '--backend', 'wasm', '--trials', '2']);
  expect(first.status).toBe(0);
  // Continued from the file (budget.trials 4): the sampler picks up from the stored trials.
  const rest = cli(['run', file, '--db', halves, '--quiet', '--backend', 'wasm']);
  expect(rest.stderr).toBe('');
  expect(rest.status).toBe(0);
}, 600_000);

describe('a CNN study searching its architecture', () => {
  it('stores the architecture parameters, and a study continued from 2 trials makes the same proposals with the same results', () => {
    const a = trialsOf(straight);
    const b = trialsOf(halves);
    expect(a).toHaveLength(4);
    expect(a.every((t) => t.state === 'COMPLETE')).toBe(true);
    for (const t of a) {
      expect(Object.keys(t.params).sort()).toEqual(['conv_blocks', 'conv_filters_1', 'hidden_layers', 'hidden_units', 'sources']);
    }
    // The proposals vary the architecture (not one value for every trial).
    expect(new Set(a.map((t) => JSON.stringify([t.params.hidden_layers, t.params.hidden_units, t.params.conv_blocks, t.params.conv_filters_1]))).size).toBeGreaterThan(1);
    expect(b).toEqual(a);
  });

  it('the leaderboard and the report show the architecture parameters, the report the CNN', () => {
    const board = cli(['leaderboard', 'cnn-arch', '--db', straight]);
    expect(board.status).toBe(0);
    expect(board.stdout).toMatch(/hidden_layers=\d/);
    expect(board.stdout).toMatch(/conv_filters_1=\d/);
    const html = join(dir, 'report.html');
    const report = cli(['report', 'cnn-arch', '--db', straight, '-o', html]);
    expect(report.status).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('CNN 8x8x1, conv 8 3x3 pool 2, 16 3x3 pool 2; hidden [32], relu');
    expect(page).toMatch(/hidden_units=(16|32)/);
  });

  it('model writes the best trial CNN with its searched architecture; predict gives the unit accuracy', () => {
    const out = join(dir, 'best');
    const made = cli(['model', 'cnn-arch', '--db', straight, '--trial', 'best', '-o', out]);
    expect(made.status).toBe(0);
    const store = SqliteStore.open(straight, { readonly: true });
    const record = store.getStudy('cnn-arch')!;
    const spec = studySpecOf(record);
    const best = bestTrial(store.getTrials(record.id), record.direction)!;
    const stored = decodeStoredUnit(store.getUnits(best.id)[0]!.result, 'test');
    store.close();
    const model = architectureFor(spec.model, decodeParams(best.params, 'test'));
    if (model.kind !== 'cnn') throw new Error('not a cnn');
    const topology = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).modelTopology;
    const layers = (topology.config.layers ?? topology.model_config.config.layers) as { class_name: string; config: { filters?: number; units?: number } }[];
    expect(layers.filter((l) => l.class_name === 'Conv2D').map((l) => l.config.filters)).toEqual(model.conv.map((b) => b.filters));
    expect(layers.filter((l) => l.class_name === 'Dense').map((l) => l.config.units)).toEqual([...model.hidden, 10]);
    expect(JSON.parse(readFileSync(join(out, 'tasksieve-model.json'), 'utf8')).kind).toBe('cnn');

    // The unit's validation rows as the worker split them, as a CSV with the digits' column names.
    const target = spec.targets[0]!;
    const { rest } = holdOutTest(materializeTask(target), target.test);
    const validation = splitTarget(rest, target.labelled, unitSeed(spec.seed, 0)).validation;
    const names = Array.from({ length: 64 }, (_, i) => `pixel${i}`);
    const lines = [[...names, 'label'].join(',')];
    for (let r = 0; r < validation.rows; r++) {
      lines.push([...validation.features.subarray(r * 64, (r + 1) * 64), validation.classNames![validation.labels[r]!]].join(','));
    }
    const csv = join(dir, 'validation.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const predicted = cli(['predict', out, csv, '--label', 'label', '--json']);
    expect(predicted.stderr).toBe('');
    expect(predicted.status).toBe(0);
    const doc = JSON.parse(predicted.stdout);
    expect(Math.abs(doc.metrics.accuracy - stored.metrics.accuracy)).toBeLessThan(1e-6);
    expect(doc.metrics.confusion).toEqual(stored.metrics.confusion);
  });
});
