// strategy reptile end to end through `tasksieve run --stack 2`: with ASHA rungs (fine-tuning epochs,
// meta-training paid in full before the first), an injected unit fault (its trial FAILs, the study
// goes on), feature selection, pruning and int8 quantisation, and `tasksieve model` exporting the best
// trial's stored model. Real workers and training; the effect itself is test/strategies/reptile.test.ts.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { IntermediateRecord, TrialRecord } from '../../src/spec/records.js';
import type { StoredUnit } from '../../src/spec/units.js';
import { FAULT_INJECTION_ENV } from '../../src/util/fault-injection.js';
import { BIN, cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';

const EPOCHS = 16;
const FAILING = 2;
const STUDY = syntheticStudyYaml({ name: 'meta', trials: 6, workers: 2, seeds: 2, extra: 'scheduler: { kind: asha, min_epochs: 1, eta: 2, min_reports: 2 }' })
  .replace('labelled: 12', 'labelled: 60')
  .replace(
    'recipe: { batch_size: 16, pretrain_epochs: 3, epochs: 4 }',
    `recipe: { strategy: reptile, reptile_inner_steps: 3, reptile_meta_lr: 0.5, batch_size: 16, pretrain_epochs: 3, epochs: ${EPOCHS}, feature_selection: variance, feature_k: 8, prune_sparsity: 0.5, prune_epochs: 1, quantize: int8 }`,
  )
  .replace('learning_rate: { type: float, low: 0.003, high: 0.05, log: true }', 'learning_rate: { type: categorical, choices: [0.0001, 0.03] }')
  .replace('sources: { type: subset, min: 0, max: 2 }', 'sources: { type: subset, min: 1, max: 2 }')
  .replace('epochs: 4, seeds', `epochs: ${EPOCHS}, seeds`);

let dir: string;
let db: string;
let trials: TrialRecord[];
let units: Map<number, StoredUnit[]>;
let rungs: Map<number, IntermediateRecord[]>;

beforeAll(() => {
  dir = tempDir('tasksieve-reptile-');
  const file = writeStudy(dir, STUDY);
  db = join(dir, 'meta.db');
  const run = spawnSync(process.execPath, [BIN, 'run', file, '--db', db, '--quiet', '--backend', 'wasm', '--stack', '2'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, [FAULT_INJECTION_ENV]: JSON.stringify([{ kind: 'throw', trial: FAILING }]) },
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const record = store.getStudy('meta')!;
    trials = store.getTrials(record.id);
    units = new Map(trials.map((t) => [t.number, store.getUnits(t.id).map((u) => u.result as unknown as StoredUnit)]));
    rungs = new Map(trials.map((t) => [t.number, store.getIntermediates(t.id)]));
  } finally {
    store.close();
  }
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a reptile study', () => {
  it('fails only the trial with the injected fault; the others complete or are pruned at a fine-tuning rung', () => {
    expect(trials).toHaveLength(6);
    const failed = trials.find((t) => t.number === FAILING)!;
    expect(failed.state).toBe('FAIL');
    expect(failed.error).toMatch(/injected fault: unit of trial #2 threw/);
    const others = trials.filter((t) => t.number !== FAILING);
    expect(others.every((t) => t.state === 'COMPLETE' || t.state === 'PRUNED')).toBe(true);
    expect(others.some((t) => t.state === 'COMPLETE')).toBe(true);
    expect(others.some((t) => t.state === 'PRUNED')).toBe(true);
    for (const trial of others) {
      // Rungs count fine-tuning epochs only: 1, 2, 4, 8 below 16.
      expect(rungs.get(trial.number)!.every((r) => [1, 2, 4, 8, 16].includes(r.step))).toBe(true);
    }
  });

  it('meta-trains, selects features and compresses in every unit that ran', () => {
    const ran = trials.filter((t) => t.number !== FAILING).flatMap((t) => units.get(t.number)!);
    expect(ran.length).toBeGreaterThan(0);
    for (const unit of ran) {
      expect(unit.extra).toMatchObject({ reptile_iterations: expect.any(Number), features: 8, uncompressed_accuracy: expect.any(Number) });
      expect(unit.extra.reptile_iterations).toBeGreaterThan(1);
    }
  });

  it('exports the best trial with tasksieve model', () => {
    const out = join(dir, 'best');
    const model = cli(['model', 'meta', '--db', db, '--trial', 'best', '-o', out, '--json'], dir);
    expect(model.stderr).toBe('');
    expect(model.status).toBe(0);
    const written = JSON.parse(model.stdout) as { retrained: boolean; trial: number; metrics: { accuracy: number } };
    // The stored model of the best trial (artifacts: best), not retrained; its metrics are the unit's.
    expect(written.retrained).toBe(false);
    expect(written.metrics.accuracy).toBe(units.get(written.trial)![0]!.metrics.accuracy);
    for (const name of ['model.json', 'weights.bin']) expect(existsSync(join(out, name))).toBe(true);
    const meta = JSON.parse(readFileSync(join(out, 'tasksieve-model.json'), 'utf8')) as { recipe: { strategy: string }; preprocessing: { columns?: number[] } };
    expect(meta.recipe.strategy).toBe('reptile');
    expect(meta.preprocessing.columns).toHaveLength(8);
  });
});
