// Source attribution on hand-made trial tables whose per-source effects are known.
import { describe, expect, test } from 'vitest';
import { attributeSources, type SourceEffect } from '../../src/selection/attribution.js';
import { OBJECTIVE, table } from './tables.js';

const byName = (effects: readonly SourceEffect[]) => Object.fromEntries(effects.map((e) => [e.source, e]));

describe('attributeSources', () => {
  // a helps (+0.1), b hurts (-0.1), c does nothing: every subset, two recipes, 2 targets x 3 seeds.
  const known = table({ sources: ['a', 'b', 'c'], effects: { a: 0.1, b: -0.1, c: 0 } });
  const result = attributeSources(known, { seed: 3 });

  test('classifies helpful / harmful / neutral and its intervals cover the true effects', () => {
    const e = byName(result.overall.effects);
    expect(e['a']!.flag).toBe('helpful');
    expect(e['b']!.flag).toBe('harmful');
    expect(e['c']!.flag).toBe('neutral');
    for (const [source, truth] of [['a', 0.1], ['b', -0.1], ['c', 0]] as const) {
      const { interval, effect } = e[source]!;
      expect(interval.low, source).toBeLessThanOrEqual(truth);
      expect(interval.high, source).toBeGreaterThanOrEqual(truth);
      expect(Math.abs(effect - truth), source).toBeLessThan(0.01);
      expect(interval.high - interval.low, source).toBeLessThan(0.05);
    }
    expect(result.overall.trials).toBe(16);
    expect(result.overall.units).toBe(96);
    expect(Math.abs(result.overall.intercept)).toBeLessThan(0.01);
  });

  test('leave-one-out differences agree where trials differ by one source with the same recipe', () => {
    const e = byName(result.overall.effects);
    // Each recipe has 4 subsets without a given source, each with its one-source-larger partner.
    expect(e['a']!.loo!.pairs).toBe(8);
    expect(e['a']!.loo!.effect).toBeCloseTo(0.1, 1);
    expect(e['b']!.loo!.effect).toBeCloseTo(-0.1, 1);
    expect(e['b']!.loo!.interval!.high).toBeLessThan(0);
    expect(Math.abs(e['c']!.loo!.effect)).toBeLessThan(0.02);
  });

  test('per target: a source that helps one target and hurts the other', () => {
    const mixed = table({ sources: ['a', 'b'], effects: { a: { t1: 0.1, t2: -0.1 }, b: 0.05 }, seed: 2 });
    const r = attributeSources(mixed, { seed: 1 });
    const [t1, t2] = r.targets;
    expect(t1!.target).toBe('t1');
    expect(byName(t1!.effects)['a']!.flag).toBe('helpful');
    expect(byName(t2!.effects)['a']!.flag).toBe('harmful');
    expect(byName(r.overall.effects)['a']!.flag).toBe('neutral'); // +0.1 and -0.1 average out
    expect(byName(r.overall.effects)['b']!.flag).toBe('helpful');
    expect(t1!.units).toBe(24);
  });

  test('the interval rule: excludes zero -> flagged; straddles zero -> neutral; follows the direction', () => {
    // A tiny effect drowned in noise cannot be told from zero.
    const noisy = table({ sources: ['a', 'weak'], effects: { a: 0.1, weak: 0.005 }, noise: 0.1, seed: 5 });
    const weak = byName(attributeSources(noisy, { seed: 2 }).overall.effects)['weak']!;
    expect(weak.interval.low).toBeLessThan(0);
    expect(weak.interval.high).toBeGreaterThan(0);
    expect(weak.flag).toBe('neutral');
    // Minimising the same numbers turns the flags around.
    const minimise = { ...known, objective: { ...OBJECTIVE, direction: 'minimize' as const } };
    const e = byName(attributeSources(minimise, { seed: 3 }).overall.effects);
    expect([e['a']!.flag, e['b']!.flag, e['c']!.flag]).toEqual(['harmful', 'helpful', 'neutral']);
  });

  test('a source no trial varies is untested, and a seeded run is reproducible', () => {
    const some = table({ sources: ['a', 'never'], effects: { a: 0.1 }, subsets: [[], ['a']] });
    const e = byName(attributeSources(some).overall.effects);
    expect(e['never']!.flag).toBe('untested');
    expect(e['never']!.includedIn).toBe(0);
    expect(attributeSources(known, { seed: 3 })).toEqual(result);
    expect(attributeSources(known, { seed: 4 }).overall.effects[0]!.interval).not.toEqual(result.overall.effects[0]!.interval);
  });

  test('a recipe covariate that matters is not blamed on a source', () => {
    // Trials with source a mostly use the higher learning rate, which itself adds 0.1 to the gain.
    const plan: [string[], number][] = [
      [['a'], 0.1], [['a'], 0.1], [['a'], 0.1], [['a'], 0.01],
      [[], 0.01], [[], 0.01], [[], 0.01], [[], 0.1],
    ];
    const base = table({ sources: ['a'], effects: { a: 0 }, learningRates: [0], subsets: plan.map(([s]) => s), seed: 9 });
    const confounded = {
      ...base,
      trials: base.trials.map((t, i) => {
        const learning_rate = plan[i]![1];
        const units = t.units.map((u) => {
          const gain = u.gain + (learning_rate === 0.1 ? 0.1 : 0);
          return { ...u, gain, value: gain };
        });
        return { ...t, recipe: { learning_rate }, units };
      }),
    };
    const meanGain = (withA: boolean) => {
      const gains = confounded.trials.filter((t) => t.sources.includes('a') === withA).flatMap((t) => t.units.map((u) => u.gain));
      return gains.reduce((x, y) => x + y, 0) / gains.length;
    };
    expect(meanGain(true) - meanGain(false)).toBeGreaterThan(0.04); // the naive comparison blames a
    const e = byName(attributeSources(confounded).overall.effects);
    expect(Math.abs(e['a']!.effect)).toBeLessThan(0.02);
  });

  test('with interactions, the effect is the average marginal gain even when sampling favours one context', () => {
    // a and b each add 0.1 alone but only 0.1 together (redundant); c does nothing. Averaged over the
    // other sources in or out, adding a is worth (0.1 + 0) / 2 = 0.05. Most trials contain b.
    const plan: [string[], number][] = [[[], 0.01], [['a'], 0.01], [['c'], 0.01], [['a', 'c'], 0.01]];
    for (const lr of [0.01, 0.02, 0.03, 0.04, 0.05, 0.06]) plan.push([['b'], lr], [['a', 'b'], lr], [['b', 'c'], lr], [['a', 'b', 'c'], lr]);
    const redundant = table({ sources: ['a', 'b', 'c'], effects: { a: 0.1, b: 0.1 }, pairs: { 'a,b': -0.1 }, plan, noise: 0.005, seed: 4 });
    // Little shrinkage, so the identity shows (the default penalties trade a little of it for variance).
    const light = { seed: 1, lambda: 0.01, lambdaPairs: 0.01 };
    const withPairs = byName(attributeSources(redundant, { ...light, interactions: true }).overall.effects);
    const linear = byName(attributeSources(redundant, { ...light, interactions: false }).overall.effects);
    expect(Math.abs(withPairs['a']!.effect - 0.05)).toBeLessThan(0.005);
    // The additive model mostly sees a added to b (worth 0) and underrates it.
    expect(Math.abs(linear['a']!.effect - 0.05)).toBeGreaterThan(Math.abs(withPairs['a']!.effect - 0.05));
    expect(withPairs['c']!.flag).toBe('neutral');
  });

  test('refuses an empty table', () => {
    expect(() => attributeSources({ ...known, trials: [] })).toThrow('no COMPLETE trial to attribute from');
  });

  test('a source in few trials: resamples that do not vary it leave its interval, once it is replicated both ways', () => {
    // 16 trials (each its own learning rate, so none merge); `rare` (-0.08 whenever present) in 3 of
    // them, `once` (-0.3) in 1. Among 16 trials drawn with replacement none of the 3 is drawn
    // (13/16)^16 = 3.6% of the time: those draws pin rare's ridge effect at exactly 0 and, kept, end
    // its 95% interval at 0.
    const subsets = [[], ['a'], [], ['a'], [], ['a'], [], ['a'], [], ['a'], [], ['a'], ['a', 'rare'], ['rare'], ['a', 'rare'], ['a', 'once']];
    const plan = subsets.map((s, i) => [s, 0.001 * (i + 1)] as const);
    const spec = { sources: ['a', 'rare', 'once'], effects: { a: 0.05, rare: -0.08, once: -0.3 }, plan, seed: 4 };
    const e = byName(attributeSources(table(spec), { seed: 5 }).overall.effects);
    expect(e['rare']!.includedIn).toBe(3);
    expect(e['rare']!.flag).toBe('harmful');
    expect(e['rare']!.interval.high).toBeLessThan(-0.02);
    // One trial is no replication: its draws without it stay in, and it is not flagged.
    expect(e['once']!.includedIn).toBe(1);
    expect(e['once']!.flag).toBe('neutral');
    expect(e['once']!.interval.high).toBe(0);
  });
});
