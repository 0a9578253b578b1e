// The race scheduler's decisions on hand-made rung tables in a real SQLite file: its slices of seeds,
// the top-1/eta rule at a rung (a trial PRUNED there still counts, its rung value stored with the
// finish), and the paired rule: the signed-rank test against the best trial, with Optuna's safety
// (no stop while the trial's own mean is at least the best's) and its floor of two pairs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createScheduler, RaceScheduler } from '../../../src/search/schedulers/index.js';
import type { Store } from '../../../src/store/types.js';
import { tempDir } from '../../helpers/cli.js';
import { sqliteStoresClosedAfterEach } from '../../helpers/sqlite-stores.js';
import { resolvedStudy } from '../../helpers/resolved-study.js';

const open = sqliteStoresClosedAfterEach();

const race = (store: Store, studyId: number, wilcoxon: number | null = null, direction: 'maximize' | 'minimize' = 'maximize') =>
  new RaceScheduler({ store, studyId, direction }, { firstSeeds: 1, eta: 3, minReports: 3, wilcoxon });

describe('RaceScheduler', () => {
  it('slices seeds as first_seeds x eta^k below the seeds a trial has; no epoch rungs', () => {
    const store = open(join(tempDir(), 'slices.db'));
    const scheduler = race(store, 1);
    expect(scheduler.slices(9)).toEqual([1, 3]);
    expect(scheduler.slices(10)).toEqual([1, 3, 9]);
    expect(scheduler.slices(2)).toEqual([1]);
    expect(scheduler.rungs()).toEqual([]);
    expect(scheduler.shouldStop()).toBe(false);
  });

  it('stops a trial outside the top 1/eta of the rung values so far, PRUNED ones included', () => {
    const store = open(join(tempDir(), 'rung.db'));
    const study = store.getOrCreateStudy('s', { name: 's' }, 'maximize').study;
    const scheduler = race(store, study.id);
    const values = [0.5, 0.6, 0.4, 0.9, 0.3, 0.7];
    const decisions = values.map((value) => {
      const trial = store.createTrial(study.id, 100, () => ({ params: {}, state: 'RUNNING', owner: 'o' }))!;
      const stop = scheduler.shouldStopAtSlice({ trialId: trial.id, trialNumber: trial.number, step: 2, value });
      // As the run loop does: a stop is the PRUNED finish with its rung value, a go the value alone.
      if (stop) store.finishTrial(trial.id, 'o', { state: 'PRUNED', value, error: null, backend: null, intermediate: { step: 2, value } });
      else store.recordIntermediate(trial.id, 2, value);
      return stop;
    });
    // n=1, 2: too few reports; 0.4 (n=3): not the best; 0.9 best; 0.3 out; 0.7 (n=6, k=1): second best.
    expect(decisions).toEqual([false, false, true, false, true, false]);
    expect(store.getStudyIntermediates(study.id, 2).map((r) => [r.value, r.state])).toEqual([
      [0.5, 'RUNNING'],
      [0.6, 'RUNNING'],
      [0.4, 'PRUNED'],
      [0.9, 'RUNNING'],
      [0.3, 'PRUNED'],
      [0.7, 'RUNNING'],
    ]);
  });

  it('the paired rule: one-sided signed-rank p below the threshold, unless the own mean is the better', () => {
    const store = open(join(tempDir(), 'paired.db'));
    const scheduler = race(store, 1, 0.1);
    const best = [0.8, 0.7, 0.9, 0.6, 0.8, 0.7];
    // Four pairs all worse: exact p = 1/16 < 0.1.
    const worse = [0.5, 0.45, 0.62, 0.2]; // differences -0.3, -0.25, -0.28, -0.4: no ties
    expect(scheduler.pairedWorse({ own: worse, best: best.slice(0, 4), ownAll: worse, bestAll: best })).toBe(true);
    // Three pairs all worse: p = 1/8, not below 0.1.
    expect(scheduler.pairedWorse({ own: worse.slice(0, 3), best: best.slice(0, 3), ownAll: worse.slice(0, 3), bestAll: best })).toBe(false);
    // Worse on every shared unit, yet its mean over all its units is above the best trial's: kept.
    const ownAll = [...worse, 1, 1, 1, 1, 1, 1, 1, 1];
    expect(scheduler.pairedWorse({ own: worse, best: best.slice(0, 4), ownAll, bestAll: best })).toBe(false);
    // One pair is below the floor; a better trial is never stopped.
    expect(scheduler.pairedWorse({ own: [0.1], best: [0.9], ownAll: [0.1], bestAll: best })).toBe(false);
    const better = best.slice(0, 4).map((v) => v + 0.1);
    expect(scheduler.pairedWorse({ own: better, best: best.slice(0, 4), ownAll: better, bestAll: best })).toBe(false);
    // Minimising, the same differences mean better.
    const minimizing = race(store, 1, 0.1, 'minimize');
    expect(minimizing.pairedWorse({ own: worse, best: best.slice(0, 4), ownAll: worse, bestAll: best })).toBe(false);
    // Off without a threshold.
    expect(race(store, 1).paired).toBe(false);
    expect(race(store, 1).pairedWorse({ own: worse, best: best.slice(0, 4), ownAll: worse, bestAll: best })).toBe(false);
  });

  it('createScheduler builds it from the resolved study', () => {
    const store = open(join(tempDir(), 'create.db'));
    const study = resolvedStudy({ scheduler: { kind: 'race', first_seeds: 2, eta: 2, min_reports: 2, wilcoxon: 0.2 }, budget: { trials: 4, workers: 1, epochs: 10, seeds: 8 } });
    const scheduler = createScheduler(study, store, 1);
    expect(scheduler.name).toBe('race');
    expect(scheduler.race?.slices(8)).toEqual([2, 4]);
    expect(scheduler.race?.paired).toBe(true);
    expect(createScheduler(resolvedStudy(), store, 1).race).toBeUndefined();
  });
});
