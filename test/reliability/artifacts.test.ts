// Stored models and kills (issue 15): a SIGKILL inside the transaction that writes a unit with its
// model leaves neither a unit without its model nor a model without its unit; under `best` the best
// trial's models are never deleted, also while two runners finish trials of one SQLite file or one
// PostgreSQL database; and `artifacts: none` stores nothing. Real CLI processes, real workers, a
// tiny synthetic study.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, SqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import type { TrialRecord } from '../../src/spec/records.js';
import { readStoredArtifact } from '../../src/study/artifacts.js';
import { bestTrial } from '../../src/study/leaderboard.js';
import { FAULT_INJECTION_ENV, STALL_MARKER } from '../../src/util/fault-injection.js';
import { syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { freshDatabaseForSuite } from '../helpers/pg.js';
import { integrityCheck, readStudy, sleep, spawnCli, unitInconsistencies, waitForStderr } from './helpers.js';

interface Models {
  readonly trials: TrialRecord[];
  /** `trialId:target:seed` of every unit and of every stored model. */
  readonly units: string[];
  readonly models: string[];
}

/** Units and models of a study, read in one snapshot of an open store (a runner may be writing). */
function modelsIn(store: Store, name: string): Models | null {
  return store.snapshot(() => {
    const study = store.getStudy(name);
    if (study === null) return null;
    const key = (u: { trialId: number; target: string; seed: number }) => `${u.trialId}:${u.target}:${u.seed}`;
    return {
      trials: store.getTrials(study.id),
      units: store.getStudyUnits(study.id).map(key).sort(),
      models: store.getStudyArtifacts(study.id).map(key).sort(),
    };
  });
}

function models(db: string, name: string): Models | null {
  const store = openStore(db, { readonly: true });
  try {
    return modelsIn(store, name);
  } finally {
    store.close();
  }
}

/**
 * `artifacts: best` with two `tasksieve run` processes on one study at `db`: every committed state
 * seen while they run has the best COMPLETE trial's model, and the end state holds exactly its model.
 */
async function raceOnBest(db: string, name: string, dir: string): Promise<void> {
  // Whichever runner starts first must not spend the whole budget before the other one starts: each
  // unit sleeps SLOW_MS in its worker, so one runner alone needs at least trials x SLOW_MS (8 s) —
  // more than the start-up of the other process even on a loaded machine (a CI run once saw one
  // runner take all 20 of these trials when they were not slowed).
  const trials = 20;
  const SLOW_MS = 400;
  const file = writeStudy(dir, syntheticStudyYaml({ name, trials, workers: 1, seeds: 1, extra: 'artifacts: best' }));
  const slow = { [FAULT_INJECTION_ENV]: JSON.stringify({ kind: 'slow-units', ms: SLOW_MS }) };
  const runs = [0, 1].map(() => spawnCli(['run', file, '--db', db, '--quiet'], slow));
  let running = true;
  void Promise.all(runs.map((r) => r.done)).then(() => (running = false));
  const violations: string[] = [];
  let looks = 0;
  let withBest = 0;
  let reader: Store | null = null;
  try {
    while (running) {
      await sleep(15);
      let state: Models | null = null;
      try {
        reader ??= openStore(db, { readonly: true });
        state = modelsIn(reader, name);
      } catch {
        continue; // the database is not created or migrated yet
      }
      if (state === null) continue;
      looks++;
      const best = bestTrial(state.trials, 'maximize');
      if (best === null) continue;
      withBest++;
      const ofBest = state.models.filter((k) => k.startsWith(`${best.id}:`));
      if (ofBest.length !== 1) violations.push(`best trial #${best.number} has ${ofBest.length} models`);
    }
  } finally {
    (reader as Store | null)?.close();
  }
  for (const result of await Promise.all(runs.map((r) => r.done))) expect(result.status, result.stderr).toBe(0);
  expect(violations).toEqual([]);
  expect(looks).toBeGreaterThan(3);
  expect(withBest).toBeGreaterThan(0);

  const end = models(db, name)!;
  expect(end.trials).toHaveLength(trials);
  // Both runners took part, so their finishes really raced on the deletes.
  expect(new Set(end.trials.map((t) => t.owner)).size).toBe(2);
  const best = bestTrial(end.trials, 'maximize')!;
  expect(end.models).toEqual([`${best.id}:goal:0`]);
}

describe('stored models survive kills and concurrent runners', () => {
  it('a SIGKILL inside the write of a unit with its model leaves neither one without the other (artifacts: all)', async () => {
    const dir = tempDir('tasksieve-artifact-kill-');
    const name = 'models-killed';
    const file = writeStudy(dir, syntheticStudyYaml({ name, trials: 4, workers: 1, seeds: 2, extra: 'artifacts: all' }));
    const db = join(dir, 'kill.db');
    // The third unit's transaction: its unit row and model row are written, COMMIT is not.
    const run = spawnCli(['run', file, '--db', db], { [FAULT_INJECTION_ENV]: JSON.stringify({ kind: 'stall-in-artifact-write', artifact: 3 }) });
    await waitForStderr(run, new RegExp(STALL_MARKER));
    expect(run.stderr()).toMatch(/model write #3/);
    const during = models(db, name)!;
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');

    const after = models(db, name)!;
    expect(integrityCheck(db)).toEqual(['ok']);
    // Two units committed, each with its model; the third is neither there nor half there.
    expect(after.units).toHaveLength(2);
    expect(after.models).toEqual(after.units);
    expect(during.models).toEqual(during.units);

    // The study goes on after the kill and ends with every unit's model stored and readable.
    const again = await spawnCli(['run', file, '--db', db, '--quiet']).done;
    expect(again.status, again.stderr).toBe(0);
    const done = models(db, name)!;
    expect(done.trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    expect(done.units).toHaveLength(8);
    expect(done.models).toEqual(done.units);
    expect(unitInconsistencies(readStudy(db, name)!)).toEqual([]);
    const store = SqliteStore.open(db, { readonly: true });
    try {
      const study = store.getStudy(name)!;
      for (const trial of done.trials) {
        for (const seed of [0, 1]) {
          const model = readStoredArtifact(store, study, trial.number, 'goal', seed);
          expect(model?.meta.origin).toEqual({ study: name, trial: trial.number, target: 'goal', seedIndex: seed });
          expect(model?.weights.byteLength).toBeGreaterThan(0);
        }
      }
    } finally {
      store.close();
    }
  }, 240_000);

  it('best: two runners on one SQLite file never delete the only models of the best trial, and end with exactly its models', async () => {
    const dir = tempDir('tasksieve-artifact-best-');
    await raceOnBest(join(dir, 'best.db'), 'models-best', dir);
  }, 300_000);

  const pg = freshDatabaseForSuite();
  it('best: the same with two runners on one PostgreSQL database', async () => {
    await raceOnBest(pg.url, 'models-best-pg', tempDir('tasksieve-artifact-best-pg-'));
  }, 300_000);

  it('artifacts: none (here from --artifacts over the file) stores no model at all', async () => {
    const dir = tempDir('tasksieve-artifact-none-');
    const name = 'models-none';
    const file = writeStudy(dir, syntheticStudyYaml({ name, trials: 2, workers: 1, seeds: 1, extra: 'artifacts: all' }));
    const db = join(dir, 'none.db');
    const result = await spawnCli(['run', file, '--db', db, '--quiet', '--artifacts', 'none']).done;
    expect(result.status, result.stderr).toBe(0);
    const state = models(db, name)!;
    expect(state.units).toHaveLength(2);
    expect(state.models).toEqual([]);
  }, 120_000);
});
