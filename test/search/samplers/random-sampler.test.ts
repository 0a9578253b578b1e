import { describe, expect, it } from 'vitest';
import { RandomSampler } from '../../../src/search/samplers/random-sampler.js';
import type { SampleContext, TrialSnapshot } from '../../../src/search/samplers/types.js';
import type { Params, SearchSpace } from '../../../src/spec/space.js';
import { SMALL_SPACE } from '../../helpers/resolved-study.js';

const context = (trialNumber: number): SampleContext => ({
  space: SMALL_SPACE,
  direction: 'maximize',
  history: [],
  trialNumber,
});

describe('RandomSampler', () => {
  it('gives the same proposal for the same seed and trial number, whatever came before', () => {
    const a = new RandomSampler(3);
    const b = new RandomSampler(3);
    const first = [0, 1, 2, 3].map((n) => a.sample(context(n)));
    const reversed = [3, 2, 1, 0].map((n) => b.sample(context(n))).reverse();
    expect(reversed).toEqual(first);
    expect(new RandomSampler(4).sample(context(0))).not.toEqual(first[0]);
  });

  it('stays inside every distribution and honours step, log and conditions', () => {
    const sampler = new RandomSampler(1);
    const lrs: number[] = [];
    const sizes = new Set<number>();
    let withFreeze = 0;
    for (let n = 0; n < 400; n++) {
      const p = sampler.sample(context(n));
      const lr = p.learning_rate as number;
      expect(lr).toBeGreaterThanOrEqual(1e-4);
      expect(lr).toBeLessThanOrEqual(1e-1);
      lrs.push(lr);
      expect([16, 32, 64]).toContain(p.batch_size);
      expect([2, 4, 6, 8, 10]).toContain(p.epochs);
      // freeze_layers only exists when its condition holds
      if (p.optimizer === 'adam') {
        expect([0, 1]).toContain(p.freeze_layers);
        withFreeze++;
      } else expect(p).not.toHaveProperty('freeze_layers');
      const subset = p.sources as string[];
      expect(subset.length).toBeGreaterThanOrEqual(1);
      expect(subset.length).toBeLessThanOrEqual(3);
      expect(new Set(subset).size).toBe(subset.length);
      // kept in the order of the items, so equal subsets compare equal
      expect([...subset].sort()).toEqual(subset);
      sizes.add(subset.length);
    }
    expect(withFreeze).toBeGreaterThan(100);
    expect(withFreeze).toBeLessThan(300);
    expect(sizes).toEqual(new Set([1, 2, 3]));
    // log-uniform: about half the mass below the geometric middle (1e-4 .. 1e-1 → 10^-2.5)
    const below = lrs.filter((lr) => lr < 10 ** -2.5).length / lrs.length;
    expect(below).toBeGreaterThan(0.4);
    expect(below).toBeLessThan(0.6);
  });
});

describe('RandomSampler.sampleUnseen (the startup of bayes and gp)', () => {
  // Six sources, subset only: drawn size first, the full and the empty selection each come up one
  // time in seven, so plain draws repeat within a few trials.
  const items = ['a', 'b', 'c', 'd', 'e', 'f'];
  const space: SearchSpace = [{ name: 'sources', distribution: { type: 'subset', items, min: 0, max: 6 } }];
  const key = (p: Params) => JSON.stringify(p.sources);
  const run = (draw: (s: RandomSampler, c: SampleContext) => Params, seed: number, trials: number) => {
    const sampler = new RandomSampler(seed);
    const history: TrialSnapshot[] = [];
    for (let n = 0; n < trials; n++) {
      const params = draw(sampler, { space, direction: 'maximize', history: [...history], trialNumber: n });
      history.push({ number: n, state: n % 2 === 0 ? 'COMPLETE' : 'RUNNING', params, value: n % 2 === 0 ? 0 : null });
    }
    return history.map((t) => key(t.params));
  };

  it('never repeats a finished or running trial in a discrete space, where plain draws do', () => {
    let plainRepeats = 0;
    for (let seed = 0; seed < 20; seed++) {
      const plain = run((s, c) => s.sample(c), seed, 12);
      plainRepeats += plain.length - new Set(plain).size;
      const unseen = run((s, c) => s.sampleUnseen(c), seed, 12);
      expect(new Set(unseen).size).toBe(unseen.length);
    }
    expect(plainRepeats).toBeGreaterThan(10);
  });

  it('proposes what sample() does until a draw would repeat, and is deterministic', () => {
    for (let seed = 0; seed < 10; seed++) {
      const plain = run((s, c) => s.sample(c), seed, 12);
      const unseen = run((s, c) => s.sampleUnseen(c), seed, 12);
      const firstRepeat = plain.findIndex((k, i) => plain.indexOf(k) < i);
      const same = firstRepeat === -1 ? plain.length : firstRepeat;
      expect(unseen.slice(0, same)).toEqual(plain.slice(0, same));
      expect(run((s, c) => s.sampleUnseen(c), seed, 12)).toEqual(unseen);
    }
  });

  it('accepts a repeat once the space is exhausted, and leaves spaces with a float alone', () => {
    const tiny: SearchSpace = [{ name: 'sources', distribution: { type: 'subset', items: ['a'], min: 0, max: 1 } }];
    const sampler = new RandomSampler(1);
    const history: TrialSnapshot[] = [
      { number: 0, state: 'COMPLETE', params: { sources: [] }, value: 1 },
      { number: 1, state: 'COMPLETE', params: { sources: ['a'] }, value: 2 },
    ];
    const context = { space: tiny, direction: 'maximize' as const, history, trialNumber: 2 };
    expect(sampler.sampleUnseen(context)).toEqual(sampler.sample(context));
    const mixed: SearchSpace = [...tiny, { name: 'lr', distribution: { type: 'float', low: 0, high: 1, log: false } }];
    const withFloat = { ...context, space: mixed };
    expect(sampler.sampleUnseen(withFloat)).toEqual(sampler.sample(withFloat));
  });
});
