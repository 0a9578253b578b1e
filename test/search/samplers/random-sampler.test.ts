import { describe, expect, it } from 'vitest';
import { RandomSampler } from '../../../src/search/samplers/random-sampler.js';
import type { SampleContext } from '../../../src/search/samplers/types.js';
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
