// Pretrained models as sources, end to end through the CLI with real training: a first study on one
// half of the digits writes its best model (`artifacts: best`, then `tasksieve model`); a second study
// on the other half, rotated, few-shot, chooses that model as its source and beats its target-only
// baseline. A model that does not fit (hidden width, input width, a non-Dense layer) is refused at
// load time, exit 2, one line naming the layer; a model changed since the study ran is refused on
// resume; `screen` and `screen_prior` score model sources without training them; a model mixed with a
// dataset source pre-trains on its rows; two chosen models train as one holding their average. The
// same for a CNN: a first CNN study's model starts a second CNN study, is refused by other conv blocks
// or by an MLP study, and is screened without training.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { decodeStoredUnit, studySpecOf } from '../../src/study/decoders.js';
import { cli, DIGITS, tempDir, writeStudy } from '../helpers/cli.js';

const FIRST = `name: digits-first
seed: 1
datasets:
  digits: { csv: first.csv }
targets:
  - { name: upright, dataset: digits, labelled: 600 }
model: { hidden: [32], activation: relu }
recipe: { batch_size: 32, epochs: 15, learning_rate: 0.01, scaling: none }
sampler: random
artifacts: best
budget: { trials: 1, workers: 1, epochs: 15, seeds: 1 }
`;

/** Rotated digits, 30 labelled rows; the same label values as the first study, so the head is kept. */
const secondStudy = (options: { name?: string; hidden?: string; sources?: string } = {}) => `name: ${options.name ?? 'digits-second'}
seed: 2
datasets:
  digits: { csv: second.csv }
sources:
${options.sources ?? '  - { name: upright-model, model: model }'}
targets:
  - { name: rotated, dataset: digits, transforms: [ { rotate: 20 } ], labelled: 30 }
model: { hidden: [${options.hidden ?? '32'}], activation: relu }
recipe: { batch_size: 16, epochs: 30, learning_rate: 0.01, scaling: none, head: keep }
space:
  sources: { type: subset, min: 1, max: 1 }
sampler: random
budget: { trials: 1, workers: 1, epochs: 30, seeds: 2 }
`;

let dir: string;

beforeAll(() => {
  dir = tempDir('tasksieve-pretrained-');
  // Two disjoint halves of the digits: the second study's rows were never seen by the first's model.
  const lines = gunzipSync(readFileSync(DIGITS)).toString('utf8').trim().split('\n');
  const [header, ...rows] = lines;
  writeFileSync(join(dir, 'first.csv'), [header, ...rows.filter((_, i) => i % 2 === 0)].join('\n') + '\n');
  writeFileSync(join(dir, 'second.csv'), [header, ...rows.filter((_, i) => i % 2 === 1)].join('\n') + '\n');
  const first = writeStudy(dir, FIRST, 'first.yaml');
  const run = cli(['run', first, '--db', join(dir, 'first.db'), '--quiet', '--backend', 'wasm'], dir);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const model = cli(['model', 'digits-first', '--db', join(dir, 'first.db'), '--trial', 'best', '-o', join(dir, 'model')], dir);
  expect(model.status).toBe(0);
});

/** Mean accuracy gain over the baseline of the one trial's units. */
function meanGain(db: string): { gain: number; units: number } {
  const store = SqliteStore.open(db);
  try {
    const trial = store.getTrials(store.getStudy('digits-second')!.id)[0]!;
    const units = store.getUnits(trial.id).map((u) => decodeStoredUnit(u.result, 'test'));
    return { gain: units.reduce((s, u) => s + u.gain.accuracy, 0) / units.length, units: units.length };
  } finally {
    store.close();
  }
}

function floats(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The trained model's folder with other float32 weights (same topology and meta). */
function modelWith(name: string, weights: (trained: Float32Array) => Float32Array): string {
  const out = join(dir, name);
  cpSync(join(dir, 'model'), out, { recursive: true });
  const trained = floats(join(out, 'weights.bin'));
  writeFileSync(join(out, 'weights.bin'), new Uint8Array(weights(trained).buffer));
  return out;
}

/** Seeded random weights: a model that learned nothing. */
function randomModel(name: string): string {
  return modelWith(name, (trained) => {
    let s = 7;
    return trained.map(() => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.5);
  });
}

/** The accuracy of the one trial of a second study with these sources, all chosen. */
function trialAccuracy(name: string, sources: readonly string[]): number {
  const lines = sources.map((s) => `  - { name: ${s}, model: ${s} }`).join('\n');
  const text = secondStudy({ name, sources: lines })
    .replace('{ type: subset, min: 1, max: 1 }', `{ type: subset, min: ${sources.length}, max: ${sources.length} }`)
    .replace('seeds: 2', 'seeds: 1');
  const db = join(dir, `${name}.db`);
  const run = cli(['run', writeStudy(dir, text, `${name}.yaml`), '--db', db, '--quiet', '--backend', 'wasm'], dir);
  expect(run.stderr).toBe('');
  const store = SqliteStore.open(db);
  try {
    return store.getTrials(store.getStudy(name)!.id)[0]!.value!;
  } finally {
    store.close();
  }
}

describe('a pretrained model as a source', () => {
  it("improves the second study's few-shot target over its target-only baseline, and a changed model is refused on resume", () => {
    // A copy of the model this test may change after the run.
    const mine = join(dir, 'mine');
    cpSync(join(dir, 'model'), mine, { recursive: true });
    const study = writeStudy(dir, secondStudy({ sources: '  - { name: upright-model, model: mine }' }), 'second.yaml');
    const db = join(dir, 'second.db');
    const run = cli(['run', study, '--db', db, '--quiet', '--backend', 'wasm'], dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // The stored spec decodes with the model source as the tagged member of the union.
    const store = SqliteStore.open(db);
    const spec = studySpecOf(store.getStudy('digits-second')!);
    store.close();
    const source = spec.sources[0]!;
    expect('model' in source && source.model).toMatchObject({ path: mine, inputs: 64, units: [32, 10], classNames: Array.from({ length: 10 }, (_, k) => String(k)) });
    expect('model' in source && source.model.digest).toMatch(/^[0-9a-f]{64}$/);
    const { gain, units } = meanGain(db);
    expect(units).toBe(2);
    // Observed +0.16 (0.805 and 0.835 against 0.668 and 0.645; the baseline learns rotated digits from 30 rows; the model starts from 900 upright ones).
    expect(gain).toBeGreaterThan(0.05);

    // The same study file, but the model folder changed in place: its digest is in the stored spec.
    const meta = join(mine, 'tasksieve-model.json');
    writeFileSync(meta, readFileSync(meta, 'utf8') + '\n');
    const resumed = cli(['run', study, '--db', db, '--quiet', '--backend', 'wasm'], dir);
    expect(resumed.status).toBe(2);
    expect(resumed.stderr).toMatch(/sources\[0\]\.model\.digest differ/);
  });

  it('refuses a model that does not fit the study at load time: exit 2, one line naming the layer', () => {
    const hidden = cli(['run', writeStudy(dir, secondStudy({ hidden: '16' }), 'narrow.yaml'), '--db', join(dir, 'narrow.db')], dir);
    expect(hidden.status).toBe(2);
    expect(hidden.stderr.trim().split('\n')).toHaveLength(1);
    expect(hidden.stderr).toMatch(/narrow\.yaml:\d+:\d+: sources\[0\]\.model: layer "dense_Dense\d+" has 32 units where the study's model\.hidden\[0\] has 16/);

    const synthetic = `name: wide
datasets:
  family: { synthetic: { features: 12, latent: 4, classes: 3, rows: 120, seed: 5 } }
sources:
  - { name: digits-model, model: model/model.json }
targets:
  - { name: goal, dataset: family, rho: 1, labelled: 20 }
model: { hidden: [32] }
space:
  sources: { type: subset }
budget: { trials: 1, workers: 1 }
`;
    const width = cli(['run', writeStudy(dir, synthetic, 'wide.yaml'), '--db', join(dir, 'wide.db')], dir);
    expect(width.status).toBe(2);
    expect(width.stderr).toMatch(/wide\.yaml:\d+:\d+: sources\[0\]\.model: layer "dense_Dense\d+" reads 64 features but the targets have 12/);

    const multitask = secondStudy({ name: 'joint' }).replace('head: keep }', 'strategy: multitask }');
    const joint = cli(['run', writeStudy(dir, multitask, 'joint.yaml'), '--db', join(dir, 'joint.db')], dir);
    expect(joint.status).toBe(2);
    expect(joint.stderr).toMatch(/joint\.yaml:\d+:\d+: sources\[0\]\.model: strategy multitask cannot use a model source/);

    // A searched architecture, and a CNN study: the model's layers fix the architecture.
    const searched = secondStudy({ name: 'searched' }).replace('  sources: { type: subset, min: 1, max: 1 }', '  sources: { type: subset, min: 1, max: 1 }\n  hidden_units: { type: categorical, choices: [16, 32] }');
    const arch = cli(['run', writeStudy(dir, searched, 'searched.yaml'), '--db', join(dir, 'searched.db')], dir);
    expect(arch.status).toBe(2);
    expect(arch.stderr).toMatch(/searched\.yaml:\d+:\d+: sources\[0\]\.model: space\.hidden_units cannot be searched with a model source/);
    const cnnStudy = secondStudy({ name: 'conv-study' }).replace('model: { hidden: [32], activation: relu }', 'model: { kind: cnn, input_shape: [8, 8, 1], conv: [ { filters: 4, kernel: 3, pool: 2 } ], hidden: [32], activation: relu }');
    const conv2d = cli(['run', writeStudy(dir, cnnStudy, 'conv-study.yaml'), '--db', join(dir, 'conv-study.db')], dir);
    expect(conv2d.status).toBe(2);
    expect(conv2d.stderr).toMatch(/conv-study\.yaml:\d+:\d+: sources\[0\]\.model: layer "dense_Dense\d+": the model is an MLP but the study's model\.kind is cnn/);

    // A Conv2D layer where no image exists (here: the MLP's first layer relabelled, no Reshape before it).
    const conv = join(dir, 'conv');
    cpSync(join(dir, 'model'), conv, { recursive: true });
    const modelJson = join(conv, 'model.json');
    writeFileSync(modelJson, readFileSync(modelJson, 'utf8').replace('"class_name":"Dense"', '"class_name":"Conv2D"'));
    const cnn = cli(['run', writeStudy(dir, secondStudy({ sources: '  - { name: conv, model: conv }' }), 'conv.yaml'), '--db', join(dir, 'conv.db')], dir);
    expect(cnn.status).toBe(2);
    expect(cnn.stderr).toMatch(/sources\[0\]\.model: .*layer "dense_Dense\d+" is Conv2D outside the image part/);
  });

  it("screens model sources without training them: LEEP ranks the trained model above one with random weights", () => {
    const random = randomModel('random');
    const sources = '  - { name: upright-model, model: model }\n  - { name: random-model, model: random }';
    const study = writeStudy(dir, secondStudy({ name: 'screened', sources }), 'screened.yaml');
    const screen = cli(['screen', study, '--db', join(dir, 'screened.db'), '--backend', 'wasm', '--json'], dir);
    expect(screen.stderr).toBe('');
    expect(screen.status).toBe(0);
    const table = JSON.parse(screen.stdout) as { sources: { source: string; trainMs: number; score: Record<string, number> }[]; ranking: Record<string, string[]> };
    expect(table.sources.map((s) => s.trainMs)).toEqual([0, 0]);
    // LEEP reads the model's own head: the trained one's predictions fit the target's labels.
    expect(table.ranking.leep).toEqual(['upright-model', 'random-model']);
    // LogME and H-score read the features below the head: on 30 rows a 32-wide random projection of
    // the pixels scores about as high (observed -0.13 vs -0.15 LogME): they differ, each finite.
    const [a, b] = table.sources;
    for (const kind of ['logme', 'hscore']) {
      expect(Number.isFinite(a!.score[kind]) && Number.isFinite(b!.score[kind])).toBe(true);
      expect(a!.score[kind]).not.toBe(b!.score[kind]);
    }
  });

  it('mixed with a dataset source: the unit starts from the model, then pre-trains on the dataset rows; screen_prior screens both', () => {
    const sources = '  - { name: upright-model, model: model }\n  - { name: noisy, dataset: digits, transforms: [ { noise: 2 }, { sample: 300 } ] }';
    const text = secondStudy({ name: 'digits-second', sources })
      .replace('{ type: subset, min: 1, max: 1 }', '{ type: subset, min: 2, max: 2 }')
      .replace('head: keep }', 'head: keep, pretrain_epochs: 3 }')
      .replace('seeds: 2', 'seeds: 1')
      .replace('sampler: random', 'sampler: random\nscreen_prior: leep');
    const db = join(dir, 'mixed.db');
    const file = writeStudy(dir, text, 'mixed.yaml');
    const run = cli(['run', file, '--db', db, '--quiet', '--backend', 'wasm'], dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // screen_prior screened both sources before the first trial and stored the table with the study.
    const screen = cli(['screen', file, '--db', db, '--json'], dir);
    expect(screen.status).toBe(0);
    const table = JSON.parse(screen.stdout) as { stored: boolean; sources: { source: string; trainMs: number }[] };
    expect(table.stored).toBe(true);
    expect(table.sources.map((s) => [s.source, s.trainMs > 0]).sort()).toEqual([['noisy', true], ['upright-model', false]]);
    const store = SqliteStore.open(db);
    try {
      const trial = store.getTrials(store.getStudy('digits-second')!.id)[0]!;
      const unit = decodeStoredUnit(store.getUnits(trial.id)[0]!.result, 'test');
      // 3 pre-training epochs on the 300 noisy rows, then 30 on the 30 labelled rows.
      expect(unit.cost.epochs).toBe(33);
      expect(unit.cost.samples).toBe(3 * 300 + 30 * 30);
      expect(unit.gain.accuracy).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  });

  it('several chosen model sources mean their averaged weights: the same unit as one model holding the average', () => {
    const random = randomModel('noise');
    const trained = floats(join(dir, 'model', 'weights.bin'));
    const noise = floats(join(random, 'weights.bin'));
    // Every weight is float32 and the class names are the same, so the average of the files is the average of the layers.
    modelWith('mean', (w) => w.map((_, i) => trained[i]! / 2 + noise[i]! / 2));
    const both = trialAccuracy('both', ['model', 'noise']);
    const mean = trialAccuracy('mean', ['mean']);
    expect(both).toBe(mean);
    // And not the first model alone: the average is another start.
    expect(trialAccuracy('first', ['model'])).not.toBe(both);
  });
});

describe('a CNN model as a source', () => {
  const CNN = 'model: { kind: cnn, input_shape: [8, 8, 1], conv: [ { filters: 8, kernel: 3, pool: 2 } ], hidden: [32], activation: relu }';
  let cnnDir: string;

  beforeAll(() => {
    // The first study's CNN on the upright half, its best model written by `tasksieve model`.
    cnnDir = join(dir, 'cnn');
    const first = FIRST.replace('name: digits-first', 'name: cnn-first').replace('model: { hidden: [32], activation: relu }', CNN);
    const run = cli(['run', writeStudy(dir, first, 'cnn-first.yaml'), '--db', join(dir, 'cnn-first.db'), '--quiet', '--backend', 'wasm'], dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const model = cli(['model', 'cnn-first', '--db', join(dir, 'cnn-first.db'), '--trial', 'best', '-o', cnnDir], dir);
    expect(model.status).toBe(0);
  });

  const cnnSecond = (name: string, model = CNN) =>
    secondStudy({ name, sources: `  - { name: cnn-model, model: cnn }` }).replace('model: { hidden: [32], activation: relu }', model);

  it("starts the second study's CNN from the first study's: a few-shot target beats its baseline", () => {
    const db = join(dir, 'cnn-second.db');
    const run = cli(['run', writeStudy(dir, cnnSecond('digits-second'), 'cnn-second.yaml'), '--db', db, '--quiet', '--backend', 'wasm'], dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const { gain, units } = meanGain(db);
    expect(units).toBe(2);
    expect(gain).toBeGreaterThan(0.05);
  });

  it('refuses it where it does not fit, naming the layer: other conv blocks, or an MLP study', () => {
    const narrow = cli(['run', writeStudy(dir, cnnSecond('cnn-narrow', CNN.replace('filters: 8', 'filters: 4')), 'cnn-narrow.yaml'), '--db', join(dir, 'cnn-narrow.db')], dir);
    expect(narrow.status).toBe(2);
    expect(narrow.stderr.trim().split('\n')).toHaveLength(1);
    expect(narrow.stderr).toMatch(/cnn-narrow\.yaml:\d+:\d+: sources\[0\]\.model: layer "conv2d_Conv2D\d+" has 8 filters 3x3 stride 1 pool 2 where the study's model\.conv\[0\] has 4 filters 3x3 stride 1 pool 2/);
    const mlp = cli(['run', writeStudy(dir, cnnSecond('cnn-in-mlp', 'model: { hidden: [32], activation: relu }'), 'cnn-in-mlp.yaml'), '--db', join(dir, 'cnn-in-mlp.db')], dir);
    expect(mlp.status).toBe(2);
    expect(mlp.stderr).toMatch(/cnn-in-mlp\.yaml:\d+:\d+: sources\[0\]\.model: layer "conv2d_Conv2D\d+": the model is a CNN but the study's model\.kind is mlp/);
  });

  it('screens it without training: its own conv blocks and head score the target', () => {
    const screen = cli(['screen', writeStudy(dir, cnnSecond('cnn-screened'), 'cnn-screened.yaml'), '--db', join(dir, 'cnn-screened.db'), '--backend', 'wasm', '--json'], dir);
    expect(screen.stderr).toBe('');
    expect(screen.status).toBe(0);
    const table = JSON.parse(screen.stdout) as { sources: { source: string; trainMs: number; score: Record<string, number> }[] };
    expect(table.sources.map((s) => [s.source, s.trainMs])).toEqual([['cnn-model', 0]]);
    for (const kind of ['leep', 'logme', 'hscore']) expect(Number.isFinite(table.sources[0]!.score[kind])).toBe(true);
  });
});
