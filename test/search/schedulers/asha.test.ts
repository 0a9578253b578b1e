// ASHA decisions on hand-made rung tables in a real SQLite file: the top-1/eta rule applied as values
// arrive, min_reports, FAIL trials left out, rungs kept apart, and a restarted scheduler (new store
// connection, new object) deciding exactly as one that never stopped: it keeps no state in memory.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AshaScheduler, createScheduler, type Scheduler } from '../../../src/search/schedulers/index.js';
import type { Store } from '../../../src/store/types.js';
import type { TrialRecord } from '../../../src/spec/records.js';
import { tempDir } from '../../helpers/cli.js';
import { sqliteStoresClosedAfterEach } from '../../helpers/sqlite-stores.js';
import { resolvedStudy } from '../../helpers/resolved-study.js';

const open = sqliteStoresClosedAfterEach();

function studyWithTrials(store: Store, name: string, count: number, direction: 'maximize' | 'minimize' = 'maximize') {
  const study = store.getOrCreateStudy(name, { name }, direction).study;
  const trials: TrialRecord[] = [];
  for (let i = 0; i < count; i++) {
    trials.push(store.createTrial(study.id, 1000, () => ({ params: { i }, state: 'RUNNING', owner: 'o' }))!);
  }
  return { studyId: study.id, trials };
}

const asha = (store: Store, studyId: number, direction: 'maximize' | 'minimize' = 'maximize', minReports = 3) =>
  new AshaScheduler({ store, studyId, direction }, { minEpochs: 1, eta: 3, minReports });

/** Records each trial's value at `step` in turn and asks `scheduler()` right after, as the orchestrator does. */
function arrive(store: Store, scheduler: () => Scheduler, trials: readonly TrialRecord[], step: number, values: readonly number[]): boolean[] {
  return values.map((value, i) => {
    const trial = trials[i]!;
    store.recordIntermediate(trial.id, step, value);
    return scheduler().shouldStop({ trialId: trial.id, trialNumber: trial.number, step, value });
  });
}

// Arrival order and the decision at each arrival (eta 3, min_reports 3):
//   0.5 (n=1) and 0.6 (n=2): too few reports, both go on;
//   0.4 (n=3, k=0): not the best (0.6) -> stop;   0.9 (n=4, k=0): the best -> on;
//   0.3 (n=5, k=0): stop;                         0.7 (n=6, k=1): second best (0.9, 0.7) -> on.
const VALUES = [0.5, 0.6, 0.4, 0.9, 0.3, 0.7];
const STOPS = [false, false, true, false, true, false];

describe('AshaScheduler', () => {
  it('stops a trial outside the top 1/eta of its rung, once min_reports trials reported there', () => {
    const store = open(join(tempDir(), 'asha.db'));
    const { studyId, trials } = studyWithTrials(store, 's', 6);
    const scheduler = asha(store, studyId);
    expect(arrive(store, () => scheduler, trials, 1, VALUES)).toEqual(STOPS);
  });

  it('min_reports 1 judges from the first report on: only the best so far goes on below eta values', () => {
    const store = open(join(tempDir(), 'asha.db'));
    const { studyId, trials } = studyWithTrials(store, 's', 3);
    const scheduler = asha(store, studyId, 'maximize', 1);
    expect(arrive(store, () => scheduler, trials, 1, [0.5, 0.4, 0.6])).toEqual([false, true, false]);
  });

  it('mirrors for minimize', () => {
    const store = open(join(tempDir(), 'asha.db'));
    const { studyId, trials } = studyWithTrials(store, 's', 6, 'minimize');
    const scheduler = asha(store, studyId, 'minimize');
    expect(arrive(store, () => scheduler, trials, 1, VALUES.map((v) => 1 - v))).toEqual(STOPS);
  });

  it('compares values of one rung only, and leaves FAIL trials out', () => {
    const store = open(join(tempDir(), 'asha.db'));
    const { studyId, trials } = studyWithTrials(store, 's', 5);
    const scheduler = asha(store, studyId);
    // Rung 3 has strong values; a failed trial had the best value at rung 1.
    for (const [i, v] of [0.95, 0.97, 0.99].entries()) store.recordIntermediate(trials[i]!.id, 3, v);
    store.recordIntermediate(trials[0]!.id, 1, 0.99);
    store.finishTrial(trials[0]!.id, 'o', { state: 'FAIL', value: null, error: 'x', backend: null });
    store.recordIntermediate(trials[1]!.id, 1, 0.2);
    store.recordIntermediate(trials[2]!.id, 1, 0.3);
    store.recordIntermediate(trials[3]!.id, 1, 0.5);
    // At rung 1 the live values are 0.2, 0.3, 0.5: 0.5 is the best (k = 0), 0.3 is not.
    expect(scheduler.shouldStop({ trialId: trials[3]!.id, trialNumber: 3, step: 1, value: 0.5 })).toBe(false);
    expect(scheduler.shouldStop({ trialId: trials[2]!.id, trialNumber: 2, step: 1, value: 0.3 })).toBe(true);
    // A PRUNED trial's value still counts (it was measured at this rung).
    store.finishTrial(trials[3]!.id, 'o', { state: 'PRUNED', value: 0.5, error: null, backend: null });
    store.recordIntermediate(trials[4]!.id, 1, 0.4);
    expect(scheduler.shouldStop({ trialId: trials[4]!.id, trialNumber: 4, step: 1, value: 0.4 })).toBe(true);
  });

  it('decides the same after every restart (new connection, new scheduler) as without restarts', () => {
    const dir = tempDir();
    // Uninterrupted.
    const steady = open(join(dir, 'steady.db'));
    const a = studyWithTrials(steady, 's', 6);
    const scheduler = asha(steady, a.studyId);
    const uninterrupted = arrive(steady, () => scheduler, a.trials, 1, VALUES);
    // The same arrivals, with the process "restarting" before every decision.
    const path = join(dir, 'restarted.db');
    let store = open(path);
    const b = studyWithTrials(store, 's', 6);
    const restarted = VALUES.map((value, i) => {
      store.close();
      store = open(path);
      store.recordIntermediate(b.trials[i]!.id, 1, value);
      return asha(store, b.studyId).shouldStop({ trialId: b.trials[i]!.id, trialNumber: i, step: 1, value });
    });
    expect(restarted).toEqual(uninterrupted);
    expect(restarted).toEqual(STOPS);
  });

  it('is what createScheduler builds for scheduler: asha, with the ladder below the trial epochs', () => {
    const store = open(join(tempDir(), 'asha.db'));
    const { studyId } = studyWithTrials(store, 's', 0);
    const study = resolvedStudy({ scheduler: { kind: 'asha', min_epochs: 2, eta: 2, min_reports: 2 } });
    const scheduler = createScheduler(study, store, studyId);
    expect(scheduler.name).toBe('asha');
    expect(scheduler.rungs(0, 10)).toEqual([2, 4, 8]);
    expect(scheduler.rungs(7, 8)).toEqual([2, 4]);
    const none = createScheduler(resolvedStudy(), store, studyId);
    expect(none.rungs(0, 10)).toEqual([]);
  });
});
