// gp's warm start (src/search/samplers/gp-warm-start.ts): the prior's weight from the study's own
// values, the stacked model's gradient, and the hand-over to bayes when earlier trials lack a parameter.
import { describe, expect, it } from 'vitest';
import { GpSampler } from '../../../src/search/samplers/gp-sampler.js';
import { GpPosterior, defaultKernelParams } from '../../../src/search/samplers/gp-regressor.js';
import { MIN_OWN_FOR_WEIGHT, StackedPosterior, priorWeight } from '../../../src/search/samplers/gp-warm-start.js';
import { TpeSampler } from '../../../src/search/samplers/tpe-sampler.js';
import type { TrialSnapshot, WarmStart } from '../../../src/search/samplers/types.js';
import type { SearchSpace } from '../../../src/spec/space.js';

describe('priorWeight', () => {
  it('is the prior as it is (a = 1, shifted) before enough own trials, then the least-squares fit, never negative', () => {
    expect(priorWeight([2, 3], [0, 1])).toEqual({ a: 1, b: 2 });
    expect(MIN_OWN_FOR_WEIGHT).toBe(5);
    const prior = [0, 1, 2, 3, 4, 5];
    const w = priorWeight(prior.map((p) => 0.5 * p + 1), prior);
    expect(w.a).toBeCloseTo(0.5, 12);
    expect(w.b).toBeCloseTo(1, 12);
    // An earlier study ranked the other way: no weight, the own process alone.
    expect(priorWeight(prior.map((p) => -p), prior).a).toBe(0);
    // A prior that is flat where the study looked says nothing.
    expect(priorWeight([1, 2, 3, 4, 5], [7, 7, 7, 7, 7]).a).toBe(0);
  });
});

describe('StackedPosterior', () => {
  it('has mean a * prior + b + residual and the gradient of that mean (finite differences)', () => {
    const kinds = new Uint8Array([0, 0]);
    const params = { ...defaultKernelParams(2), inverseSquaredLengthScales: Float64Array.from([4, 9]) };
    const xs = Float64Array.from([0.1, 0.2, 0.8, 0.3, 0.5, 0.9, 0.3, 0.6]);
    const prior = GpPosterior.fit(xs, 4, kinds, Float64Array.from([1, -1, 0.5, 0.2]), params);
    const residual = GpPosterior.fit(xs.slice(0, 4), 2, kinds, Float64Array.from([0.3, -0.2]), params);
    const stacked = new StackedPosterior(prior, residual, 0.7, 0.1, 2);
    const at = Float64Array.from([0.42, 0.37]);
    const { mean, variance } = stacked.predict(at);
    expect(mean).toBeCloseTo(0.7 * prior.predict(at).mean + 0.1 + residual.predict(at).mean, 12);
    expect(variance).toBeCloseTo(residual.predict(at).variance, 12);
    stacked.predict(at);
    const gm = new Float64Array(2);
    const gv = new Float64Array(2);
    stacked.gradientOfLastPrediction(at, [0, 1], gm, gv);
    for (const d of [0, 1]) {
      const h = 1e-6;
      const up = Float64Array.from(at);
      up[d] = up[d]! + h;
      const down = Float64Array.from(at);
      down[d] = down[d]! - h;
      expect(gm[d]).toBeCloseTo((stacked.predict(up).mean - stacked.predict(down).mean) / (2 * h), 5);
    }
  });
});

describe('gp with a warm start', () => {
  const space: SearchSpace = [
    { name: 'x', distribution: { type: 'float', low: 0, high: 1, log: false } },
    { name: 'y', distribution: { type: 'float', low: 0, high: 1, log: false } },
  ];
  it('hands the proposal to bayes when an earlier trial lacks a parameter of this space', () => {
    const warmStart: WarmStart = { studies: [{ name: 'old', trials: Array.from({ length: 12 }, (_, i) => ({ params: { x: i / 12 }, loss: (i / 12 - 0.3) ** 2 })) }] };
    const history: TrialSnapshot[] = [];
    const context = { space, direction: 'minimize' as const, history, trialNumber: 0, warmStart };
    expect(new GpSampler(3).sample(context)).toEqual(new TpeSampler(3).sample(context));
  });

  it('proposes the same from the same history in a fresh sampler (what a resumed process does)', () => {
    const warmStart: WarmStart = {
      studies: [{ name: 'old', trials: Array.from({ length: 20 }, (_, i) => ({ params: { x: (i * 7) % 20 / 20, y: i / 20 }, loss: ((i * 7) % 20 / 20 - 0.3) ** 2 + (i / 20 - 0.6) ** 2 })) }],
    };
    const history: TrialSnapshot[] = [];
    const a = new GpSampler(5);
    for (let n = 0; n < 8; n++) {
      const params = a.sample({ space, direction: 'minimize', history: [...history], trialNumber: n, warmStart });
      history.push({ number: n, state: 'COMPLETE', params, value: ((params['x'] as number) - 0.35) ** 2 + ((params['y'] as number) - 0.55) ** 2 });
    }
    const next = (s: GpSampler) => s.sample({ space, direction: 'minimize', history: [...history], trialNumber: 8, warmStart });
    expect(next(new GpSampler(5))).toEqual(next(a));
  });
});
