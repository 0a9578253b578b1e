// Subset ranking: robust scores with intervals, support counts, the recommendation rule, and a subset
// tried with several recipes scored on its best one that has support alone.
import { describe, expect, test } from 'vitest';
import { rankSubsets } from '../../src/selection/subsets.js';
import type { TrialRow, TrialTable } from '../../src/selection/trial-table.js';
import { OBJECTIVE } from './tables.js';

/** A trial whose units on t1 and t2 have the given values (seed index = position). */
function trial(number: number, sources: string[], t1: number[], t2: number[], learning_rate = 0.01): TrialRow {
  const units = [
    ...t1.map((v, i) => ({ target: 't1', seedIndex: i, value: v, gain: v })),
    ...t2.map((v, i) => ({ target: 't2', seedIndex: i, value: v, gain: v })),
  ];
  return { number, sources, recipe: { learning_rate }, units };
}

const TABLE: TrialTable = {
  sources: ['a', 'b', 'c'],
  targets: ['t1', 't2'],
  objective: OBJECTIVE,
  trials: [
    trial(0, [], [0, 0], [0, 0]),
    // a: steady +0.05 on two seeds of each target.
    trial(1, ['a'], [0.05, 0.05], [0.04, 0.06]),
    // a,b: great on average, but one unit is bad.
    trial(2, ['a', 'b'], [0.2, 0.2], [0.2, -0.1]),
    // c: the best single unit per target, but only one seed each: a lucky run?
    trial(3, ['c'], [0.3], [0.3]),
    // b,a in another order, with another recipe: the same subset as trial 2, but on a recipe of its own.
    trial(4, ['b', 'a'], [0.1, 0.1], [0.1, 0.1], 0.02),
  ],
};

/** Without trial 4: every subset has one recipe. */
const ONE_RECIPE: TrialTable = { ...TABLE, trials: TABLE.trials.filter((t) => t.number !== 4) };

describe('rankSubsets', () => {
  test('scores each subset over all its units, best first, with support counts', () => {
    const r = rankSubsets(ONE_RECIPE, { by: 'mean' });
    expect(r.subsets.map((s) => s.sources.join(','))).toEqual(['c', 'a,b', 'a', '']);
    const ab = r.subsets[1]!;
    expect(ab.trials).toBe(1);
    expect(ab.trialsAnyRecipe).toBe(1);
    expect(ab.trialNumbers).toEqual([2]);
    expect(ab.recipe).toEqual({ learning_rate: 0.01 });
    expect(ab.units).toBe(4);
    expect(ab.minUnitsPerTarget).toBe(2);
    expect(ab.score).toBeCloseTo((0.2 + 0.2 + 0.2 - 0.1) / 4, 12);
    expect(r.subsets[0]!.minUnitsPerTarget).toBe(1);
    expect(r.subsets.map((s) => s.rank)).toEqual([1, 2, 3, 4]);
  });

  test('a subset tried with several recipes is scored on its best recipe that has support alone', () => {
    const r = rankSubsets(TABLE, { by: 'mean' });
    const ab = r.subsets.find((s) => s.sources.join() === 'a,b')!;
    // Trial 2 (learning rate 0.01, mean 0.125) beats trial 4 (0.02, mean 0.1): its units alone count.
    expect(ab.recipe).toEqual({ learning_rate: 0.01 });
    expect(ab.trialNumbers).toEqual([2]);
    expect({ trials: ab.trials, trialsAnyRecipe: ab.trialsAnyRecipe, units: ab.units }).toEqual({ trials: 1, trialsAnyRecipe: 2, units: 4 });
    expect(ab.score).toBeCloseTo(0.125, 12);
    // By the worst unit the steady recipe is its best instead.
    const worst = rankSubsets(TABLE, { by: 'worst' }).subsets.find((s) => s.sources.join() === 'a,b')!;
    expect(worst.recipe).toEqual({ learning_rate: 0.02 });
    expect(worst.score).toBeCloseTo(0.1, 12);
  });

  test('a poor recipe does not sink a subset: the quick start\'s confound', () => {
    // x: one trial with a poor learning rate, one with a good one; y: one medium trial. Pooled, y
    // would win (0.55 against x's 0.5); on its best recipe x does (0.8).
    const mixed: TrialTable = {
      ...TABLE,
      sources: ['x', 'y'],
      trials: [trial(0, ['x'], [0.2, 0.2], [0.2, 0.2], 0.0001), trial(1, ['x'], [0.8, 0.8], [0.8, 0.8], 0.01), trial(2, ['y'], [0.55, 0.55], [0.55, 0.55], 0.003)],
    };
    const r = rankSubsets(mixed, { by: 'mean' });
    expect(r.recommended!.sources).toEqual(['x']);
    expect(r.recommended!.score).toBeCloseTo(0.8, 12);
    expect(r.recommended!.trialNumbers).toEqual([1]);
  });

  test('when no recipe has support alone, its recipes pool: two seeds, or two recipes', () => {
    const single: TrialTable = {
      ...TABLE,
      trials: [trial(0, [], [0], [0]), trial(1, ['a'], [0.1], [0.1], 0.01), trial(2, ['a'], [0.3], [0.3], 0.02)],
    };
    const a = rankSubsets(single, { by: 'mean' }).subsets.find((s) => s.sources.join() === 'a')!;
    expect(a.recipe).toBeNull();
    expect(a.trialNumbers).toEqual([1, 2]);
    expect(a.supported).toBe(true);
    expect(a.score).toBeCloseTo(0.2, 12);
  });

  test('the test metric is that of the scored units', () => {
    const withTest = (t: TrialRow, test: number): TrialRow => ({ ...t, units: t.units.map((u) => ({ ...u, test })) });
    const tested: TrialTable = { ...TABLE, trials: TABLE.trials.map((t) => withTest(t, t.number / 10)) };
    const ab = rankSubsets(tested, { by: 'mean' }).subsets.find((s) => s.sources.join() === 'a,b')!;
    expect(ab.test).toBeCloseTo(0.2, 12);
    expect(rankSubsets(TABLE).subsets[0]!.test).toBeNull();
  });

  test('the recommendation is the best subset with enough units on every target, not a lucky run', () => {
    const r = rankSubsets(TABLE, { by: 'mean' });
    expect(r.subsets[0]!.supported).toBe(false);
    expect(r.recommended!.sources).toEqual(['a', 'b']);
    expect(r.rule).toBe('best mean score among subsets with >= 2 unit(s) on every target (each on its best recipe with that support)');
    // Asking for one unit per target accepts the single run.
    expect(rankSubsets(TABLE, { by: 'mean', minUnitsPerTarget: 1 }).recommended!.sources).toEqual(['c']);
    // Nothing qualifies: no recommendation.
    expect(rankSubsets(TABLE, { minUnitsPerTarget: 5 }).recommended).toBeNull();
  });

  test('a robust aggregate prefers the steady subset', () => {
    const worst = rankSubsets(ONE_RECIPE, { by: 'worst' });
    expect(worst.recommended!.sources).toEqual(['a']);
    expect(worst.recommended!.score).toBeCloseTo(0.04, 12);
    const cvar = rankSubsets({ ...ONE_RECIPE, objective: { ...OBJECTIVE, aggregate: 'cvar', alpha: 0.25 } });
    expect(cvar.by).toBe('cvar');
    expect(cvar.recommended!.sources).toEqual(['a']);
  });

  test('a repeat of the same subset and recipe adds no support (same units, same evidence)', () => {
    const repeated = { ...TABLE, trials: [...TABLE.trials, trial(5, ['c'], [0.3], [0.3])] };
    const c = rankSubsets(repeated, { by: 'mean' }).subsets.find((s) => s.sources.join() === 'c')!;
    expect(c.trials).toBe(1);
    expect(c.units).toBe(2);
    expect(c.supported).toBe(false);
  });

  test('intervals contain the score and are reproducible for a seed', () => {
    const r = rankSubsets(TABLE, { by: 'mean', seed: 4 });
    for (const s of r.subsets) {
      expect(s.interval.low).toBeLessThanOrEqual(s.score + 1e-12);
      expect(s.interval.high).toBeGreaterThanOrEqual(s.score - 1e-12);
    }
    const ab = r.subsets[1]!;
    expect(ab.interval.low).toBeLessThan(ab.interval.high);
    expect(ab.interval.low).toBeGreaterThanOrEqual(-0.1);
    expect(rankSubsets(TABLE, { by: 'mean', seed: 4 })).toEqual(r);
    // target only: every unit is 0, so the interval is the point.
    expect(r.subsets[3]!.interval).toEqual({ low: 0, high: 0 });
  });
});
