// Models out, end to end through the CLI: a small study on a CSV with named features and text labels,
// `model --trial best` (retrained through the pool: the study runs with --artifacts none), then `predict
// --label` on the target's validation rows of that unit: the accuracy printed is the unit's. And the
// bad inputs: each one line, exit 2.
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { holdOutTest, materializeTask, splitTarget } from '../../src/data/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { bestTrial } from '../../src/study/leaderboard.js';
import { decodeStoredUnit, studySpecOf } from '../../src/study/decoders.js';
import type { StoredUnit } from '../../src/spec/units.js';
import { unitSeed } from '../../src/util/seeds.js';
import { cli, tempDir, writeStudy } from '../helpers/cli.js';

const FEATURES = ['height', 'weight', 'age', 'speed', 'reach', 'grip'];
const CLASSES = ['cat', 'dog', 'eel'];

/** 3 classes around different centres, on different scales per feature (so scaling matters); seeded. */
function animalsCsv(rows: number, seed: number): string {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const lines = [[...FEATURES, 'animal'].join(',')];
  for (let r = 0; r < rows; r++) {
    const k = r % 3;
    const values = FEATURES.map((_, j) => ((k + 1) * (j % 2 === 0 ? 1 : -1) + 1.5 * (rand() + rand() - 1)) * 10 ** (j % 3));
    lines.push([...values.map((v) => v.toFixed(3)), CLASSES[k]].join(','));
  }
  return `${lines.join('\n')}\n`;
}

const STUDY = `name: animals
seed: 3
datasets:
  animals: { csv: animals.csv, label: animal }
sources:
  - { name: noisy, dataset: animals, transforms: [ { noise: 0.5 }, { sample: 150 } ] }
targets:
  - { name: few, dataset: animals, transforms: [ { sample: 240 } ], labelled: 30 }
model: { hidden: [16], activation: relu }
recipe: { batch_size: 16, pretrain_epochs: 3, epochs: 6, scaling: standard }
space:
  learning_rate: { type: float, low: 0.003, high: 0.05, log: true }
  sources: { type: subset, min: 0, max: 1 }
sampler: random
budget: { trials: 3, workers: 1, epochs: 6, seeds: 1 }
`;

let dir: string;
let db: string;
let modelDir: string;
let validationCsv: string;
let stored: StoredUnit;
let modelRun: ReturnType<typeof cli>;

beforeAll(() => {
  dir = tempDir('tasksieve-models-');
  writeFileSync(join(dir, 'animals.csv'), animalsCsv(300, 9));
  const study = writeStudy(dir, STUDY);
  db = join(dir, 'study.db');
  // --artifacts none: this file tests the retrain path (model-stored.test.ts the stored one).
  const run = cli(['run', study, '--db', db, '--quiet', '--backend', 'wasm', '--artifacts', 'none'], dir);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  modelDir = join(dir, 'model');
  modelRun = cli(['model', 'animals', '--db', db, '--trial', 'best', '-o', modelDir], dir);

  // The best trial's unit as the study stored it, and its validation rows as the worker split them.
  const store = SqliteStore.open(db);
  const record = store.getStudy('animals')!;
  const spec = studySpecOf(record);
  const best = bestTrial(store.getTrials(record.id), record.direction)!;
  stored = decodeStoredUnit(store.getUnits(best.id)[0]!.result, 'test');
  store.close();
  const target = spec.targets[0]!;
  const { rest } = holdOutTest(materializeTask(target), target.test);
  const validation = splitTarget(rest, target.labelled, unitSeed(spec.seed, 0)).validation;
  const names = validation.classNames!;
  // Columns in another order than training: predict reads them by name.
  const order = [...FEATURES].reverse();
  const lines = [[...order, 'animal'].join(',')];
  for (let r = 0; r < validation.rows; r++) {
    const row = FEATURES.map((_, j) => validation.features[r * validation.cols + j]!);
    lines.push([...order.map((name) => String(row[FEATURES.indexOf(name)])), names[validation.labels[r]!]].join(','));
  }
  validationCsv = join(dir, 'validation.csv');
  writeFileSync(validationCsv, `${lines.join('\n')}\n`);
}, 600_000);

describe('tasksieve model and predict', () => {
  it('model retrains the unit (saying so) and writes a TF.js Layers folder whose meta carries names, scaling and the stored metrics', () => {
    expect(modelRun.status).toBe(0);
    expect(modelRun.stderr).toMatch(/is not stored: retraining its unit on the worker pool \(wasm\)\n$/);
    expect(modelRun.stderr.trim().split('\n')).toHaveLength(1);
    const modelJson = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
    expect(modelJson).toMatchObject({ format: 'layers-model', convertedBy: null, weightsManifest: [{ paths: ['weights.bin'] }] });
    const meta = JSON.parse(readFileSync(join(modelDir, 'tasksieve-model.json'), 'utf8'));
    expect(meta).toMatchObject({ format: 'tasksieve-model/1', featureNames: FEATURES, classNames: CLASSES, backend: 'wasm' });
    expect(meta.preprocessing.scaling.kind).toBe('standard');
    // The retrained unit is the stored one: same seed, same recipe, same backend.
    expect(meta.metrics).toEqual(stored.metrics);
    expect(meta.origin).toMatchObject({ study: 'animals', target: 'few', seedIndex: 0 });
  });

  it('model --trial recommended trains the recommended subset with its best trial recipe', () => {
    const out = cli(['model', 'animals', '--db', db, '--trial', 'recommended', '-o', join(dir, 'recommended'), '--json'], dir);
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(/the recommended subset \{[^}]*\} with its best trial's recipe/);
    const summary = JSON.parse(out.stdout);
    expect(summary).toMatchObject({ study: 'animals', target: 'few', seedIndex: 0, retrained: true, backend: 'wasm' });
    const meta = JSON.parse(readFileSync(join(dir, 'recommended', 'tasksieve-model.json'), 'utf8'));
    expect(meta.origin.trial).toBe(summary.trial);
  });

  it('predict --label on the unit validation rows prints the accuracy the unit stored', () => {
    const out = cli(['predict', modelDir, validationCsv, '--label', 'animal', '--json'], dir);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(Math.abs(doc.metrics.accuracy - stored.metrics.accuracy)).toBeLessThan(1e-6);
    expect(doc.metrics.confusion).toEqual(stored.metrics.confusion);
    expect(doc.classNames).toEqual(CLASSES);
    expect(CLASSES).toContain(doc.predictions[0].label);
    const p = doc.predictions[0].probabilities as number[];
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // Text: the CSV of predictions, the figures on stderr; with -o the figures on stdout.
    const text = cli(['predict', modelDir, validationCsv, '--label', 'animal'], dir);
    expect(text.status).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe('predicted,prob.cat,prob.dog,prob.eel');
    expect(text.stderr).toMatch(/accuracy [\d.]+, macro-F1 [\d.]+, macro recall [\d.]+/);
    const file = cli(['predict', modelDir, validationCsv, '--label', 'animal', '-o', join(dir, 'out.csv')], dir);
    expect(file.stdout).toContain('true \\ predicted');
    expect(readFileSync(join(dir, 'out.csv'), 'utf8').split('\n')).toHaveLength(2 + Number(stored.metrics.confusion.flat().reduce((a, b) => a + b, 0)));
  });

  it('names the rows far from the training rows on stderr, and still predicts them', () => {
    expect(JSON.parse(cli(['predict', modelDir, validationCsv, '--label', 'animal', '--json'], dir).stdout).clipped_rows).toBe(0);
    const [header, first, second] = readFileSync(validationCsv, 'utf8').split('\n');
    const labelAt = header!.split(',').indexOf('animal');
    // Every feature of the first row a million away: past the clip of any fitted scale.
    const far = first!.split(',').map((cell, i) => (i === labelAt ? cell : String(Number(cell) + 1e6))).join(',');
    const csv = join(dir, 'far.csv');
    writeFileSync(csv, `${header}\n${far}\n${second}\n`);
    const out = cli(['predict', modelDir, csv, '--label', 'animal', '--json'], dir);
    expect(out.status).toBe(0);
    expect(out.stderr).toBe(`tasksieve predict: ${csv}: 1 of 2 rows have a feature 10 or more of the training rows' standard deviations away (clipped there): rows unlike those the model was trained on\n`);
    const doc = JSON.parse(out.stdout);
    expect(doc.clipped_rows).toBe(1);
    expect(doc.predictions).toHaveLength(2);
  });

  it('refuses bad input with one line and exit 2', () => {
    const oneLine = (args: string[], pattern: RegExp) => {
      const r = cli(args, dir);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    };
    oneLine(['predict', dir, validationCsv], /not a tasksieve model folder \(no tasksieve-model\.json\)/);
    const header = readFileSync(validationCsv, 'utf8').split('\n')[0]!;
    const body = readFileSync(validationCsv, 'utf8').split('\n').slice(1).join('\n');
    const bad = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    // Missing column, extra column, non-numeric value.
    const cols = header.split(',');
    const drop = (line: string) => line.split(',').filter((_, i) => i !== 0).join(',');
    oneLine(['predict', modelDir, bad('missing.csv', [drop(header), ...body.split('\n').filter(Boolean).map(drop)].join('\n'))], /missing\.csv: missing column "grip"/);
    oneLine(['predict', modelDir, bad('extra.csv', `${header},colour\n${body.split('\n').filter(Boolean).map((l) => `${l},1`).join('\n')}\n`), '--label', 'animal'], /extra\.csv: unexpected column "colour"/);
    oneLine(['predict', modelDir, validationCsv], /validation\.csv: unexpected column "animal" \(a label column\? name it with --label\)/);
    const rows = body.split('\n');
    rows[2] = rows[2]!.replace(/^[^,]+/, 'tall');
    oneLine(['predict', modelDir, bad('text.csv', [cols.join(','), ...rows].join('\n')), '--label', 'animal'], /text\.csv: row 4 column "grip": "tall" is not a number/);
    // A corrupt weights.bin (size mismatch).
    const corrupt = join(dir, 'corrupt');
    expect(cli(['model', 'animals', '--db', db, '--trial', 'best', '-o', corrupt], dir).status).toBe(0);
    truncateSync(join(corrupt, 'weights.bin'), 100);
    oneLine(['predict', corrupt, validationCsv, '--label', 'animal'], /weights\.bin: 100 bytes, the weights manifest in model\.json needs \d+ \(corrupt or from another model\)/);
    // A format version this tasksieve does not read.
    const meta = JSON.parse(readFileSync(join(modelDir, 'tasksieve-model.json'), 'utf8'));
    writeFileSync(join(corrupt, 'tasksieve-model.json'), JSON.stringify({ ...meta, format: 'tasksieve-model/9' }));
    oneLine(['predict', corrupt, validationCsv], /format "tasksieve-model\/9", this version of tasksieve reads tasksieve-model\/1/);
    // model refuses to replace a folder that is not a model.
    oneLine(['model', 'animals', '--db', db, '-o', dir], /exists and is not a tasksieve model folder; not overwriting it/);
  });
});
