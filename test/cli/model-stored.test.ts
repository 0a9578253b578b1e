// `tasksieve model` reads the stored model first (issue 15, the store half): a study run with the
// default `artifacts: best` keeps the best trial's models, so `model --trial best` writes them without
// training anything; once they are gone it retrains the unit, and the retrained weights are the
// stored ones byte for byte (same unit, seed and backend). A superseded trial under `best` is retrained.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { TrialRecord } from '../../src/spec/records.js';
import { bestTrial } from '../../src/study/leaderboard.js';
import { decodeStoredUnit } from '../../src/study/decoders.js';
import type { StoredUnit } from '../../src/spec/units.js';
import { cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';

let dir: string;
let db: string;
let best: TrialRecord;
let other: TrialRecord;
let stored: StoredUnit;

beforeAll(() => {
  dir = tempDir('tasksieve-model-stored-');
  const file = writeStudy(dir, syntheticStudyYaml({ name: 'kept', trials: 3, workers: 1, seeds: 1 }));
  db = join(dir, 'kept.db');
  const run = cli(['run', file, '--db', db, '--quiet', '--backend', 'wasm'], dir);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const record = store.getStudy('kept')!;
    const trials = store.getTrials(record.id);
    best = bestTrial(trials, record.direction)!;
    other = trials.find((t) => t.id !== best.id)!;
    stored = decodeStoredUnit(store.getUnits(best.id)[0]!.result, 'test');
    // best: exactly the best trial's model is kept.
    expect(store.getStudyArtifacts(record.id).map((a) => a.trialNumber)).toEqual([best.number]);
  } finally {
    store.close();
  }
}, 300_000);

describe('tasksieve model with stored models', () => {
  it('writes the stored model of the best trial without retraining, then retrains the same bytes once it is gone', () => {
    const storedDir = join(dir, 'stored');
    const fromStore = cli(['model', 'kept', '--db', db, '--trial', 'best', '-o', storedDir, '--json'], dir);
    expect(fromStore.stderr).toBe('');
    expect(fromStore.status).toBe(0);
    expect(JSON.parse(fromStore.stdout)).toMatchObject({ trial: best.number, retrained: false, backend: 'wasm' });
    const meta = JSON.parse(readFileSync(join(storedDir, 'tasksieve-model.json'), 'utf8'));
    expect(meta.metrics).toEqual(stored.metrics);
    expect(meta.origin).toEqual({ study: 'kept', trial: best.number, target: 'goal', seedIndex: 0 });

    const store = SqliteStore.open(db);
    try {
      expect(store.deleteArtifacts([best.id])).toBe(1);
    } finally {
      store.close();
    }
    const retrainedDir = join(dir, 'retrained');
    const retrained = cli(['model', 'kept', '--db', db, '--trial', 'best', '-o', retrainedDir, '--json'], dir);
    expect(retrained.status, retrained.stderr).toBe(0);
    expect(retrained.stderr).toMatch(/is not stored: retraining/);
    expect(JSON.parse(retrained.stdout)).toMatchObject({ trial: best.number, retrained: true });
    // The store kept exactly what the unit produced: retraining it gives the same files.
    for (const name of ['weights.bin', 'model.json']) {
      expect(readFileSync(join(retrainedDir, name)).equals(readFileSync(join(storedDir, name))), name).toBe(true);
    }
  }, 300_000);

  it('a trial superseded under best has no stored model: it is retrained, and says so', () => {
    const out = cli(['model', 'kept', '--db', db, '--trial', String(other.number), '-o', join(dir, 'other'), '--json'], dir);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stderr).toMatch(new RegExp(`trial #${other.number} .*is not stored: retraining`));
    expect(JSON.parse(out.stdout)).toMatchObject({ trial: other.number, retrained: true });
  }, 300_000);
});
