// The multi-objective TPE: seeded reproducibility, the good group (whole fronts, feasible first), and
// that it moves toward the Pareto front of ZDT1 faster than random proposals.
import { describe, expect, it } from 'vitest';
import { hypervolume } from '../../../src/metrics/hypervolume.js';
import { frontSplit, MotpeSampler } from '../../../src/search/samplers/motpe-sampler.js';
import { RandomSampler } from '../../../src/search/samplers/random-sampler.js';
import type { SampleContext, TrialSnapshot } from '../../../src/search/samplers/types.js';
import type { Params, SearchSpace } from '../../../src/spec/space.js';

const DIM = 6;
const SPACE: SearchSpace = Array.from({ length: DIM }, (_, i) => ({ name: `x${i}`, distribution: { type: 'float', low: 0, high: 1, log: false } }));

function zdt1(p: Params): number[] {
  const x = Array.from({ length: DIM }, (_, i) => p[`x${i}`] as number);
  const g = 1 + (9 * x.slice(1).reduce((a, v) => a + v, 0)) / (DIM - 1);
  return [x[0]!, g * (1 - Math.sqrt(x[0]! / g))];
}

const context = (history: TrialSnapshot[], trialNumber = history.length): SampleContext => ({
  space: SPACE,
  direction: 'minimize',
  directions: ['minimize', 'minimize'],
  history,
  trialNumber,
});

function optimise(sample: (c: SampleContext) => Params, trials: number, constraint?: (v: number[]) => number): TrialSnapshot[] {
  const history: TrialSnapshot[] = [];
  for (let n = 0; n < trials; n++) {
    const params = sample(context(history));
    const values = zdt1(params);
    history.push({ number: n, state: 'COMPLETE', params, value: values[0]!, values, ...(constraint ? { constraints: [constraint(values)] } : {}) });
  }
  return history;
}

describe('MotpeSampler', () => {
  it('is reproducible: the same seed and history give the same proposal, whatever was asked before', () => {
    const history = optimise((c) => new RandomSampler(4).sample(c), 30);
    const a = new MotpeSampler(7);
    const b = new MotpeSampler(7);
    a.sample(context(history.slice(0, 12)));
    a.sample(context(history, 77));
    expect(a.sample(context(history))).toEqual(b.sample(context(history)));
    expect(new MotpeSampler(8).sample(context(history))).not.toEqual(b.sample(context(history)));
  });

  it('reaches a larger hypervolume on ZDT1 than random proposals in 80 trials (3 seeds each)', () => {
    const hv = (h: TrialSnapshot[]) => hypervolume(h.map((t) => [...t.values!]), [1.1, 10]);
    for (const seed of [0, 1, 2]) {
      const motpe = new MotpeSampler(seed);
      const random = new RandomSampler(seed);
      expect(hv(optimise((c) => motpe.sample(c), 80))).toBeGreaterThan(hv(optimise((c) => random.sample(c), 80)));
    }
  });

  it('models feasible trials first: under a constraint on f1, its proposals keep to the feasible side', () => {
    // Feasible: f1 = x0 <= 0.3. After 40 trials, most proposals should respect it.
    const motpe = new MotpeSampler(3);
    const history = optimise((c) => motpe.sample(c), 60, (v) => v[0]! - 0.3);
    const late = history.slice(30);
    const feasible = late.filter((t) => t.constraints![0]! <= 0).length;
    const random = optimise((c) => new RandomSampler(3).sample(c), 60, (v) => v[0]! - 0.3).slice(30);
    expect(feasible).toBeGreaterThan(random.filter((t) => t.constraints![0]! <= 0).length + 5);
  });
});

describe('frontSplit', () => {
  it('takes whole fronts while they fit, then the points of the next that add most hypervolume', () => {
    const losses = [
      [1, 4],
      [4, 1],
      [2, 3.9],
      [5, 5],
      [2.5, 2.5],
      [3, 3],
    ];
    // Front 0: (1,4), (4,1), (2,3.9), (2.5,2.5); front 1: (3,3); front 2: (5,5).
    expect(frontSplit(losses, 4).sort()).toEqual([0, 1, 2, 4]);
    expect(frontSplit(losses, 5).sort()).toEqual([0, 1, 2, 4, 5]);
    // Two of front 0: the greedy choice keeps the two spreading the most volume, never the crowded (2, 3.9).
    expect(frontSplit(losses, 2)).not.toContain(2);
  });
});
