// Suggested subsets: the unevaluated subsets the surrogate predicts best, and merged repeats.
import { describe, expect, test } from 'vitest';
import { suggestSubsets } from '../../src/selection/suggest.js';
import { mergeRepeats } from '../../src/selection/trial-table.js';
import { allSubsets, table } from './tables.js';

describe('suggestSubsets', () => {
  // a +0.1, b +0.05, c -0.1, d 0; only subsets with at most one source were evaluated.
  const sources = ['a', 'b', 'c', 'd'];
  const small = allSubsets(sources).filter((s) => s.length <= 1);
  const known = table({ sources, effects: { a: 0.1, b: 0.05, c: -0.1, d: 0 }, subsets: small, noise: 0.005 });

  test('proposes the best unevaluated subsets by predicted gain, never an evaluated one', () => {
    const top = suggestSubsets(known, 3, { interactions: false });
    expect(top[0]!.sources).toEqual(['a', 'b']);
    expect(top[0]!.predictedGain).toBeCloseTo(0.15, 1);
    for (const s of top) {
      expect(s.sources.length).toBeGreaterThanOrEqual(2);
      expect(s.sources).not.toContain('c');
    }
    expect(top.map((s) => s.predictedGain)).toEqual([...top.map((s) => s.predictedGain)].sort((x, y) => y - x));
  });

  test('respects size bounds and the direction', () => {
    expect(suggestSubsets(known, 20, { interactions: false, max: 2 }).every((s) => s.sources.length === 2)).toBe(true);
    const worst = suggestSubsets({ ...known, objective: { ...known.objective, direction: 'minimize' } }, 1, { interactions: false });
    expect(worst[0]!.sources).toEqual(['c', 'd']);
  });

  test('with more sources than it enumerates, a greedy ascent still finds the good ones', () => {
    const many = Array.from({ length: 18 }, (_, i) => `s${i}`);
    const effects = Object.fromEntries(many.map((s, i) => [s, i < 3 ? 0.05 : -0.02]));
    const singles = table({ sources: many, effects, subsets: [[], ...many.map((s) => [s])], noise: 0.002, learningRates: [0.01] });
    const best = suggestSubsets(singles, 1, { interactions: false })[0]!;
    expect(best.sources).toEqual(['s0', 's1', 's2']);
  });
});

describe('mergeRepeats', () => {
  test('one row per subset and recipe, units averaged per target and seed', () => {
    const twice = table({ sources: ['a'], effects: { a: 0.1 }, subsets: [['a'], ['a']], learningRates: [0.01], seeds: 1, noise: 0.05 });
    const merged = mergeRepeats(twice.trials, twice.sources);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.units).toHaveLength(2);
    const t1 = twice.trials.map((t) => t.units.find((u) => u.target === 't1')!.gain);
    expect(merged[0]!.units.find((u) => u.target === 't1')!.gain).toBeCloseTo((t1[0]! + t1[1]!) / 2, 12);
  });
});
