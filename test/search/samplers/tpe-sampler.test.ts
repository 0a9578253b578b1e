import { describe, expect, it } from 'vitest';
import { RandomSampler } from '../../../src/search/samplers/random-sampler.js';
import { TpeSampler } from '../../../src/search/samplers/tpe-sampler.js';
import type { SampleContext, TrialSnapshot } from '../../../src/search/samplers/types.js';
import type { Params, SearchSpace } from '../../../src/spec/space.js';
import { SMALL_SPACE } from '../../helpers/resolved-study.js';

const XY: SearchSpace = [
  { name: 'x', distribution: { type: 'float', low: -1, high: 1, log: false } },
  { name: 'y', distribution: { type: 'float', low: -1, high: 1, log: false } },
];
const quadratic = (p: Params) => ((p.x as number) - 0.3) ** 2 + ((p.y as number) + 0.2) ** 2;

const context = (space: SearchSpace, history: TrialSnapshot[], trialNumber = history.length, direction: 'maximize' | 'minimize' = 'minimize'): SampleContext => ({
  space,
  direction,
  history,
  trialNumber,
});

/** Runs `trials` sequential ask/tell steps of a sampler on `f` (minimised); returns the history. */
function optimise(sample: (c: SampleContext) => Params, space: SearchSpace, f: (p: Params) => number, trials: number): TrialSnapshot[] {
  const history: TrialSnapshot[] = [];
  for (let n = 0; n < trials; n++) {
    const params = sample(context(space, history));
    history.push({ number: n, state: 'COMPLETE', params, value: f(params) });
  }
  return history;
}

const best = (history: readonly TrialSnapshot[]) => Math.min(...history.map((t) => t.value as number));

describe('TpeSampler', () => {
  it('is reproducible: the same seed and history give the same proposal, whatever was asked before', () => {
    const history = optimise((c) => new RandomSampler(9).sample(c), SMALL_SPACE, (p) => p.learning_rate as number, 20);
    const a = new TpeSampler(3);
    const b = new TpeSampler(3);
    // a answers other questions first: a sampler keeps no state between proposals.
    a.sample(context(SMALL_SPACE, history.slice(0, 12)));
    a.sample(context(SMALL_SPACE, history, 40));
    expect(a.sample(context(SMALL_SPACE, history))).toEqual(b.sample(context(SMALL_SPACE, history)));
    expect(new TpeSampler(4).sample(context(SMALL_SPACE, history))).not.toEqual(b.sample(context(SMALL_SPACE, history)));
  });

  it('proposes like the random sampler until startup_trials trials have a value; FAIL trials do not count', () => {
    const tpe = new TpeSampler(7, { startupTrials: 4 });
    const random = new RandomSampler(7);
    const history: TrialSnapshot[] = [];
    for (let n = 0; n < 4; n++) {
      const params = tpe.sample(context(XY, history));
      expect(params).toEqual(random.sample(context(XY, history)));
      history.push({ number: n, state: n === 1 ? 'FAIL' : 'COMPLETE', params, value: n === 1 ? null : quadratic(params) });
    }
    // Three observations (one FAIL): still random.
    expect(tpe.sample(context(XY, history))).toEqual(random.sample(context(XY, history)));
    history.push({ number: 4, state: 'COMPLETE', params: { x: 0.3, y: -0.2 }, value: 0 });
    expect(tpe.sample(context(XY, history))).not.toEqual(random.sample(context(XY, history)));
  });

  it('ignores FAIL trials: adding them does not change the proposal', () => {
    const history = optimise((c) => new TpeSampler(2).sample(c), XY, quadratic, 25);
    const withFailures = [...history, ...[25, 26].map((n) => ({ number: n, state: 'FAIL' as const, params: { x: 0.9, y: 0.9 }, value: null }))];
    const sampler = new TpeSampler(2);
    expect(sampler.sample(context(XY, withFailures, 30))).toEqual(sampler.sample(context(XY, history, 30)));
  });

  it('beats random search on a 2-D quadratic over 60 trials for most seeds', () => {
    let wins = 0;
    for (let seed = 0; seed < 10; seed++) {
      const tpe = best(optimise((c) => new TpeSampler(seed).sample(c), XY, quadratic, 60));
      const random = best(optimise((c) => new RandomSampler(seed).sample(c), XY, quadratic, 60));
      if (tpe < random) wins++;
    }
    // Measured 10/10; random wins a seed now and then by luck, so the bar leaves a margin.
    expect(wins).toBeGreaterThanOrEqual(8);
  });

  it('proposes valid values of every parameter type, honouring step, log, conditions and subset bounds', () => {
    const history = optimise((c) => new RandomSampler(1).sample(c), SMALL_SPACE, (p) => -(p.learning_rate as number), 15);
    for (const multivariate of [true, false]) {
      const sampler = new TpeSampler(5, { multivariate, startupTrials: 5 });
      for (let n = 15; n < 55; n++) {
        const p = sampler.sample(context(SMALL_SPACE, history, n, 'maximize'));
        expect(p.learning_rate).toBeGreaterThanOrEqual(1e-4);
        expect(p.learning_rate).toBeLessThanOrEqual(1e-1);
        expect([16, 32, 64]).toContain(p.batch_size);
        expect([2, 4, 6, 8, 10]).toContain(p.epochs);
        expect(['adam', 'sgd']).toContain(p.optimizer);
        if (p.optimizer === 'adam') expect([0, 1]).toContain(p.freeze_layers);
        else expect(p).not.toHaveProperty('freeze_layers');
        const subset = p.sources as string[];
        expect(subset.length).toBeGreaterThanOrEqual(1);
        expect(subset.length).toBeLessThanOrEqual(3);
        expect(subset).toEqual(['a', 'b', 'c', 'd'].filter((s) => subset.includes(s)));
      }
    }
  });

  it('keeps log-scaled integers and boolean choices valid, and moves toward the good ones', () => {
    const space: SearchSpace = [
      { name: 'width', distribution: { type: 'int', low: 1, high: 1000, log: true, step: 1 } },
      { name: 'flag', distribution: { type: 'categorical', choices: [false, true] } },
    ];
    // Best near width 30 with flag on.
    const f = (p: Params) => Math.abs(Math.log(p.width as number) - Math.log(30)) + (p.flag === true ? 0 : 1);
    const history = optimise((c) => new TpeSampler(4).sample(c), space, f, 40);
    for (const t of history) {
      expect(Number.isInteger(t.params.width)).toBe(true);
      expect(t.params.width).toBeGreaterThanOrEqual(1);
      expect(t.params.width).toBeLessThanOrEqual(1000);
      expect([false, true]).toContain(t.params.flag);
    }
    const late = history.slice(20);
    expect(late.filter((t) => t.params.flag === true).length).toBeGreaterThan(14);
    expect(best(history)).toBeLessThan(0.3);
  });

  it('estimates a conditional parameter only from the trials where it was active', () => {
    const space: SearchSpace = [
      { name: 'kind', distribution: { type: 'categorical', choices: ['x', 'y'] } },
      { name: 'b', distribution: { type: 'float', low: 0, high: 1, log: false }, when: { kind: ['x'] } },
    ];
    // kind y is mediocre and has no b; kind x is best with b near 0.8. A model that let the y trials
    // into b's estimate (as a missing value, or a default) would pull b away from 0.8.
    const history: TrialSnapshot[] = [];
    for (let n = 0; n < 60; n++) {
      const b = (n * 0.6180339) % 1;
      const params: Params = n % 2 === 0 ? { kind: 'x', b } : { kind: 'y' };
      history.push({ number: n, state: 'COMPLETE', params, value: n % 2 === 0 ? 1 - Math.abs(b - 0.8) : 0.6 });
    }
    for (const multivariate of [true, false]) {
      const sampler = new TpeSampler(11, { multivariate });
      const bs: number[] = [];
      for (let n = 60; n < 100; n++) {
        const p = sampler.sample(context(space, history, n, 'maximize'));
        if (p.kind === 'x') bs.push(p.b as number);
        else expect(p).not.toHaveProperty('b');
      }
      expect(bs.length).toBeGreaterThan(20);
      const mean = bs.reduce((a, v) => a + v, 0) / bs.length;
      expect(Math.abs(mean - 0.8)).toBeLessThan(0.1);
    }
  });

  it('models subsets natively: proposals respect min and max and concentrate on a planted good subset', () => {
    const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const planted = new Set(['a', 'c', 'f']);
    const space: SearchSpace = [{ name: 'sources', distribution: { type: 'subset', items, min: 1, max: 4 } }];
    const score = (p: Params) => (p.sources as string[]).reduce((v, s) => v + (planted.has(s) ? 1 : -1), 0);
    // 40 random subsets as history, without the planted one itself.
    const random = new RandomSampler(3);
    const history: TrialSnapshot[] = [];
    for (let n = 0; history.length < 40; n++) {
      const params = random.sample(context(space, history, n));
      if (score(params) === 3 && (params.sources as string[]).length === 3) continue;
      history.push({ number: history.length, state: 'COMPLETE', params, value: score(params) });
    }
    const sampler = new TpeSampler(5);
    const counts = new Map(items.map((i) => [i, 0]));
    let exact = 0;
    const proposals = 30;
    for (let n = 40; n < 40 + proposals; n++) {
      const subset = sampler.sample(context(space, history, n, 'maximize')).sources as string[];
      expect(subset.length).toBeGreaterThanOrEqual(1);
      expect(subset.length).toBeLessThanOrEqual(4);
      for (const s of subset) counts.set(s, counts.get(s)! + 1);
      if (subset.length === 3 && subset.every((s) => planted.has(s))) exact++;
    }
    for (const item of items) {
      const share = counts.get(item)! / proposals;
      if (planted.has(item)) expect(share).toBeGreaterThan(0.7);
      else expect(share).toBeLessThan(0.3);
    }
    expect(exact).toBeGreaterThan(proposals / 3);
  });

  it('never re-proposes a subset already tried or running when the space is discrete', () => {
    const space: SearchSpace = [{ name: 'sources', distribution: { type: 'subset', items: ['a', 'b', 'c', 'd', 'e'], min: 0, max: 5 } }];
    const sampler = new TpeSampler(1, { startupTrials: 3 });
    const history: TrialSnapshot[] = [];
    const key = (p: Params) => (p.sources as string[]).join(',');
    for (let n = 0; n < 20; n++) {
      const params = sampler.sample(context(space, history));
      // From trial 5 on three trials have a value: every model proposal is new (RUNNING ones included).
      if (n >= 5) expect(history.map((t) => key(t.params))).not.toContain(key(params));
      history.push({ number: n, state: n % 3 === 0 ? 'RUNNING' : 'COMPLETE', params, value: n % 3 === 0 ? null : (params.sources as string[]).length });
    }
  });

  it('constant liar: a RUNNING trial pushes the next proposal away from it', () => {
    const history = optimise((c) => new TpeSampler(8).sample(c), XY, quadratic, 30);
    const liar = new TpeSampler(8);
    const first = liar.sample(context(XY, history, 30));
    const running: TrialSnapshot = { number: 30, state: 'RUNNING', params: first, value: null };
    // Same trial number, so the only difference is the RUNNING trial in the history.
    const second = liar.sample(context(XY, [...history, running], 30));
    expect(second).not.toEqual(first);
    // Without the liar the RUNNING trial is invisible and the proposal repeats.
    const honest = new TpeSampler(8, { constantLiar: false });
    expect(honest.sample(context(XY, [...history, running], 30))).toEqual(honest.sample(context(XY, history, 30)));
  });

  it('counts PRUNED trials with a value as observations', () => {
    const history = optimise((c) => new TpeSampler(6).sample(c), XY, quadratic, 20);
    const pruned = history.map((t) => (t.number % 2 === 0 ? { ...t, state: 'PRUNED' as const } : t));
    const sampler = new TpeSampler(6);
    // Same values, so the same split and the same proposal as if they had completed.
    expect(sampler.sample(context(XY, pruned, 20))).toEqual(sampler.sample(context(XY, history, 20)));
  });
});
