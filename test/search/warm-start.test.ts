// Warm starts in the bayes sampler: an earlier study's trials steer the first proposals towards its
// good region, count below the study's own, and stop counting when the study's own trials rank the
// space the other way round.
import { describe, expect, it } from 'vitest';
import { TpeSampler } from '../../src/search/samplers/tpe-sampler.js';
import type { PriorTrial, TrialSnapshot, WarmStart } from '../../src/search/samplers/types.js';
import { priorAgreement } from '../../src/search/samplers/warm-start.js';
import type { Params, SearchSpace } from '../../src/spec/space.js';
import { Rng } from '../../src/util/rng.js';

const SPACE: SearchSpace = [0, 1, 2].map((i) => ({ name: `x${i}`, distribution: { type: 'float', low: -5, high: 5, log: false } }));
const xs = (p: Params) => [0, 1, 2].map((i) => p[`x${i}`] as number);
const sphere = (centre: readonly number[]) => (p: Params) => xs(p).reduce((a, v, i) => a + (v - centre[i]!) ** 2, 0);

/** Random points scored by `f` (lower is better): an earlier study's COMPLETE trials. */
function earlier(f: (p: Params) => number, n: number, seed: number): PriorTrial[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const params = { x0: rng.next() * 10 - 5, x1: rng.next() * 10 - 5, x2: rng.next() * 10 - 5 };
    return { params, loss: f(params) };
  });
}

/** `trials` ask/tell steps minimising `f`; the proposals in order. */
function proposals(f: (p: Params) => number, trials: number, seed: number, warmStart?: WarmStart): Params[] {
  const sampler = new TpeSampler(seed);
  const history: TrialSnapshot[] = [];
  for (let n = 0; n < trials; n++) {
    const params = sampler.sample({ space: SPACE, direction: 'minimize', history, trialNumber: n, ...(warmStart ? { warmStart } : {}) });
    history.push({ number: n, state: 'COMPLETE', params, value: f(params) });
  }
  return history.map((t) => t.params);
}

const distance = (p: Params, c: readonly number[]) => Math.hypot(...xs(p).map((v, i) => v - c[i]!));
const meanDistance = (ps: readonly Params[], c: readonly number[]) => ps.reduce((a, p) => a + distance(p, c), 0) / ps.length;

describe('warm starts in the bayes sampler', () => {
  const centre = [2, -3, 1];
  const prior: WarmStart = { studies: [{ name: 'earlier', trials: earlier(sphere(centre), 60, 1) }] };

  it('proposes near the earlier study\'s good region from the first trial on, where a cold start samples at random', () => {
    const f = sphere([2.3, -2.7, 1.3]);
    const warm = proposals(f, 5, 7, prior);
    const cold = proposals(f, 5, 7);
    expect(meanDistance(warm, centre)).toBeLessThan(2.5);
    expect(meanDistance(cold, centre)).toBeGreaterThan(meanDistance(warm, centre) + 2);
  });

  it('is seeded: the same history and earlier trials give the same proposals', () => {
    const f = sphere(centre);
    expect(proposals(f, 8, 3, prior)).toEqual(proposals(f, 8, 3, prior));
  });

  it('measures agreement: about 1 for a related earlier study, below 0 for one whose good region is the other side', () => {
    const related = earlier(sphere([2.2, -2.8, 1.1]), 40, 5).map((t) => ({ params: t.params, loss: t.loss }));
    const opposite = earlier(sphere([-2, 3, -1]), 40, 6).map((t) => ({ params: t.params, loss: t.loss }));
    const earlierTrials = prior.studies[0]!.trials;
    expect(priorAgreement(SPACE, related, earlierTrials)).toBeGreaterThan(0.5);
    expect(priorAgreement(SPACE, opposite, earlierTrials)).toBeLessThan(-0.3);
    // Too few own points to judge: the earlier study counts in full.
    expect(priorAgreement(SPACE, opposite.slice(0, 3), earlierTrials)).toBe(1);
  });

  it('stops following an earlier study that the study\'s own trials contradict', () => {
    const target = [-3, 3, -3];
    const f = sphere(target);
    const warm = proposals(f, 40, 11, prior);
    // After the agreement turned the earlier study off, the search moves to the target's own optimum.
    const late = warm.slice(-10);
    expect(meanDistance(late, target)).toBeLessThan(meanDistance(late, centre));
    expect(meanDistance(late, target)).toBeLessThan(3);
  });
});
