// Racing over units through runStudy on SQLite, with real workers and real training: a clearly worse
// trial is stopped after its first slice (PRUNED, the value of those units, its rung value recorded
// with it) and a good one gets all its units; a recorded "go" survives a restart; with several
// workers and stacked units a trial's later slices go out only after its rung decision; the paired
// Wilcoxon rule stops a clearly worse trial in the middle of its units. race-postgres.test.ts runs
// the first two on PostgreSQL.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectiveValue } from '../../src/metrics/objective.js';
import { SqliteStore } from '../../src/store/index.js';
import { PoolExecutor } from '../../src/study/pool-executor.js';
import { runStudy, type StudyEvent } from '../../src/study/run-study.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import { collectReport } from '../../src/report/collect.js';
import { buildPage } from '../../src/report/sections.js';
import { tempDir } from '../helpers/cli.js';
import { BAD, GOOD, executorView, keepsARecordedGo, prunesTheWorseAfterItsFirstSlice, raceStudy, unitsOf } from '../helpers/race-scenarios.js';

const sqlite = (name: string) => SqliteStore.open(join(tempDir(), `${name}.db`));

describe('racing over units', () => {
  let executor: PoolExecutor;
  beforeAll(async () => {
    executor = await PoolExecutor.start({ workers: 2, backend: null });
  });
  afterAll(async () => {
    await executor.close();
  });

  it('stops a clearly worse trial after its first slice (PRUNED, its partial value) and gives a good one all its units', async () => {
    await prunesTheWorseAfterItsFirstSlice(sqlite, executor);
  });

  it("the report's rung chart counts a race's steps in units, a complete trial ending at all of them", async () => {
    const study = raceStudy('race-report', [GOOD, BAD], '{ kind: race, first_seeds: 1, eta: 2, min_reports: 2, wilcoxon: off }', 4);
    const store = sqlite('race-report');
    try {
      await runStudy({ handle: StudyHandle.open({ store, study }), executor: executorView(executor, 1) });
      const page = buildPage(collectReport(store, 'race-report')!);
      const chart = page.sections.find((s) => s.id === 'rungs')!.blocks.find((b) => b.kind === 'chart')!;
      const text = JSON.stringify(chart);
      expect(text).toContain('step (units trained)');
      expect(text).toContain('#0 final value at 8 units');
      expect(text).not.toContain('epoch');
    } finally {
      store.close();
    }
  });

  it('a "go" recorded by an earlier attempt is kept: the trial gets its next slices without being judged again', async () => {
    await keepsARecordedGo(sqlite, executor);
  });

  it('with two workers and stacked units, a trial has units past a rung only after it recorded its go there', async () => {
    const stacked = await PoolExecutor.start({ workers: 2, backend: null, stack: 2 });
    const store = SqliteStore.open(join(tempDir(), 'stack.db'));
    try {
      const study = raceStudy('stack', [GOOD, GOOD, BAD, BAD, GOOD, BAD], '{ kind: race, first_seeds: 1, eta: 2, min_reports: 2, wilcoxon: off }', 4, 2);
      const handle = StudyHandle.open({ store, study });
      await runStudy({ handle, executor: stacked });
      expect(stacked.stackStats.units).toBeGreaterThan(stacked.stackStats.tasks);
      for (const trial of store.getTrials(handle.id)) {
        const units = unitsOf(store, trial);
        const steps = store.getIntermediates(trial.id).map((r) => r.step);
        const seeds = new Set(units.map((u) => u.seed));
        // Slices: seed 0, seed 1, seeds 2-3; each on both targets, whole.
        const slices = [[0], [1], [2, 3]].filter((slice) => slice.some((s) => seeds.has(s)));
        expect(units).toHaveLength(slices.flat().length * 2);
        expect(steps, `trial #${trial.number}`).toEqual([2, 4].slice(0, trial.state === 'COMPLETE' ? 2 : slices.length));
        if (trial.state === 'PRUNED') expect(trial.value).toBeCloseTo(objectiveValue(study.objective, units.map((u) => u.result)), 12);
        else expect(trial.state).toBe('COMPLETE');
      }
    } finally {
      store.close();
      await stacked.close();
    }
  });

  it('the Wilcoxon rule stops a trial that is worse than the best on the units they share, before its slice ends', async () => {
    // One slice after the first (seeds 1-5, 10 units): only the paired rule can stop a trial there,
    // the rung keeps everyone (min_reports above the trial count).
    const study = raceStudy('wilcoxon', [GOOD, BAD], '{ kind: race, first_seeds: 1, eta: 6, min_reports: 100, wilcoxon: 0.1 }', 6);
    const store = SqliteStore.open(join(tempDir(), 'wilcoxon.db'));
    try {
      const handle = StudyHandle.open({ store, study });
      const events: StudyEvent[] = [];
      await runStudy({ handle, executor: executorView(executor, 1), onEvent: (e) => events.push(e) });
      const [good, bad] = store.getTrials(handle.id);
      expect(good!.state).toBe('COMPLETE');
      expect(bad!.state).toBe('PRUNED');
      const units = unitsOf(store, bad!);
      // The rung after the first two units said go (min_reports is out of reach); the paired test
      // then stopped it at its first p below 0.1, after the fourth unit of twelve.
      expect(units).toHaveLength(4);
      expect(store.getIntermediates(bad!.id).map((r) => r.step)).toEqual([2]);
      expect(bad!.value).toBeCloseTo(objectiveValue(study.objective, units.map((u) => u.result)), 12);
      const end = events.find((e) => e.type === 'trial-end' && e.trial.number === 1);
      expect(end).toMatchObject({ racedOut: { units: 4, unitCount: 12, rule: 'wilcoxon' } });
    } finally {
      store.close();
    }
  });
});
