// Racing scenarios run by test/study/race.test.ts (SQLite) and race-postgres.test.ts (PostgreSQL):
// real workers, real training of a tiny synthetic study of two targets whose trials have either a
// useless or a good learning rate, so that which trial the race stops is known in advance.
import { expect } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import { objectiveValue } from '../../src/metrics/objective.js';
import type { TrialRecord } from '../../src/spec/records.js';
import type { ResolvedStudy } from '../../src/spec/study.js';
import type { StoredUnit } from '../../src/spec/units.js';
import type { Store } from '../../src/store/types.js';
import type { PoolExecutor } from '../../src/study/pool-executor.js';
import { runStudy, type StudyEvent } from '../../src/study/run-study.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import { loadTrialTable } from '../../src/study/trial-table.js';
import { TrialHistory } from '../../src/study/trial-history.js';
import { rankSubsets } from '../../src/selection/subsets.js';
import { syntheticStudyYaml, tempDir, writeStudy } from './cli.js';

export const GOOD = 0.03;
export const BAD = 0.0001;

/**
 * Two targets, `seeds` seeds, 8 fine-tuning epochs on 60 labelled rows; every trial transfers from
 * `near`, and its learning rate is either useless or good, in the order `rates` (enqueued): trials
 * with the same rate are identical, so good ones tie at the top.
 */
export function raceStudy(name: string, rates: readonly number[], scheduler: string, seeds: number, workers = 1): ResolvedStudy {
  return loadStudyFile(writeStudy(tempDir(), raceStudyText(name, rates, scheduler, seeds, workers)));
}

/** The study file of raceStudy. */
export function raceStudyText(name: string, rates: readonly number[], scheduler: string, seeds: number, workers = 1): string {
  return syntheticStudyYaml({
    name,
    trials: rates.length,
    seeds,
    workers,
    extra: `scheduler: ${scheduler}\nenqueue:\n${rates.map((r) => `  - { learning_rate: ${r}, sources: [near] }`).join('\n')}`,
  })
    .replace('  - { name: goal, dataset: family, rho: 1.0, labelled: 12 }', '  - { name: goal, dataset: family, rho: 1.0, labelled: 60 }\n  - { name: side, dataset: family, rho: 0.95, labelled: 60 }')
    .replace('recipe: { batch_size: 16, pretrain_epochs: 3, epochs: 4 }', 'recipe: { batch_size: 16, pretrain_epochs: 3, epochs: 8 }')
    .replace('learning_rate: { type: float, low: 0.003, high: 0.05, log: true }', `learning_rate: { type: categorical, choices: [${BAD}, ${GOOD}] }`)
    .replace('epochs: 4, seeds', 'epochs: 8, seeds');
}

export function unitsOf(store: Store, trial: TrialRecord): { target: string; seed: number; result: StoredUnit; createdAt: number }[] {
  return store.getUnits(trial.id).map((u) => ({ target: u.target, seed: u.seed, result: u.result as unknown as StoredUnit, createdAt: u.createdAt }));
}

export const keys = (units: readonly { target: string; seed: number }[]) => units.map((u) => `${u.target}:${u.seed}`).sort();

/** The pool seen as `slots` worker slots: with one, units run one at a time, in a fixed order. */
export function executorView(executor: PoolExecutor, slots: number) {
  return {
    backend: executor.backend,
    slots,
    startupMs: executor.startupMs,
    runUnit: executor.runUnit.bind(executor),
    close: async () => {},
  };
}

/**
 * seeds 4, first_seeds 1, eta 2 (slices of 1, 1 and 2 seeds; rungs after 2 and 4 units), units one at
 * a time: [good, bad, good, bad] end COMPLETE, PRUNED, COMPLETE, PRUNED.
 */
export async function prunesTheWorseAfterItsFirstSlice(openStore: (name: string) => Store, executor: PoolExecutor): Promise<void> {
  const study = raceStudy('race', [GOOD, BAD, GOOD, BAD], '{ kind: race, first_seeds: 1, eta: 2, min_reports: 2, wilcoxon: off }', 4);
  const store = openStore('race');
  try {
    const handle = StudyHandle.open({ store, study });
    const events: StudyEvent[] = [];
    const summary = await runStudy({ handle, executor: executorView(executor, 1), onEvent: (e) => events.push(e) });
    const trials = store.getTrials(handle.id);
    expect(trials.map((t) => [t.params['learning_rate'], t.state])).toEqual([
      [GOOD, 'COMPLETE'],
      [BAD, 'PRUNED'],
      [GOOD, 'COMPLETE'],
      [BAD, 'PRUNED'],
    ]);
    expect(summary.prunedThisRun).toBe(2);
    for (const trial of trials) {
      const units = unitsOf(store, trial);
      if (trial.state === 'COMPLETE') {
        expect(units).toHaveLength(8);
        expect(store.getIntermediates(trial.id).map((r) => r.step)).toEqual([2, 4]);
        continue;
      }
      // The first slice: seed 0 on both targets, trained to the end (no unit is cut short).
      expect(keys(units)).toEqual(['goal:0', 'side:0']);
      expect(units.every((u) => u.result.stoppedAt === null)).toBe(true);
      const partial = objectiveValue(study.objective, units.map((u) => u.result));
      expect(trial.value).toBeCloseTo(partial, 12);
      // The rung value that stopped it, recorded with its PRUNED state: the same number.
      expect(store.getIntermediates(trial.id)).toEqual([{ trialId: trial.id, step: 2, value: trial.value }]);
    }
    const good = trials.find((t) => t.state === 'COMPLETE')!;
    expect(good.value!).toBeGreaterThan(trials[1]!.value! + 0.2);
    const ends = events.filter((e): e is Extract<StudyEvent, { type: 'trial-end' }> => e.type === 'trial-end');
    expect(ends.filter((e) => e.trial.state === 'PRUNED').map((e) => e.racedOut)).toEqual([
      { units: 2, unitCount: 8, rule: 'rung' },
      { units: 2, unitCount: 8, rule: 'rung' },
    ]);

    // The sampler's history holds the raced-out trials with their partial values (bayes, gp and MOTPE
    // learn from PRUNED trials with a value, as from ASHA's).
    const history = new TrialHistory(store, handle.id).read();
    expect(history.map((t) => [t.state, t.value])).toEqual(trials.map((t) => [t.state, t.value]));
    expect(history.filter((t) => t.state === 'PRUNED').every((t) => t.value !== null && Number.isFinite(t.value))).toBe(true);

    // The selection statistics see COMPLETE trials only: a raced-out subset's two units never
    // count toward its support, so it is not recommended on them.
    const table = loadTrialTable(store, handle.record);
    expect(table.trials.map((t) => t.number)).toEqual([0, 2]);
    const ranking = rankSubsets(table, { resamples: 20 });
    expect(ranking.subsets.map((s) => [s.sources, s.units, s.supported])).toEqual([[['near'], 8, true]]);
  } finally {
    store.close();
  }
}

/** A "go" an earlier attempt recorded stands: the trial is not judged at that rung again. */
export async function keepsARecordedGo(openStore: (name: string) => Store, executor: PoolExecutor): Promise<void> {
  // seeds 3, eta 3: one rung, after the first seed on both targets (2 units).
  const scheduler = '{ kind: race, first_seeds: 1, eta: 3, min_reports: 2, wilcoxon: off }';
  const store = openStore('go');
  try {
    const study = raceStudy('go', [GOOD], scheduler, 3);
    await runStudy({ handle: StudyHandle.open({ store, study }), executor: executorView(executor, 1) });
    // Trial #1 (useless rate): an earlier attempt decided "go" at the rung and was killed before
    // its next slice; what it left in the store is the rung value alone. budget.trials is operational.
    const handle = StudyHandle.open({ store, study: { ...study, budget: { ...study.budget, trials: 3 } } });
    for (let i = 0; i < 2; i++) handle.enqueue({ learning_rate: BAD, sources: ['near'] });
    const asked = handle.ask()!;
    expect(asked.number).toBe(1);
    store.recordIntermediate(asked.id, 2, 0.5);
    handle.releaseOwn();
    await runStudy({ handle, executor: executorView(executor, 1) });
    const trials = store.getTrials(handle.id);
    // #1 is as bad as #2, which the rung stopped; #1's recorded go stands.
    expect(trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'PRUNED']);
    expect(unitsOf(store, trials[1]!)).toHaveLength(6);
    expect(store.getIntermediates(trials[1]!.id)).toEqual([{ trialId: trials[1]!.id, step: 2, value: 0.5 }]);
    expect(unitsOf(store, trials[2]!)).toHaveLength(2);
  } finally {
    store.close();
  }
}
