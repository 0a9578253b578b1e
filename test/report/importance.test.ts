// Parameter importance on data where the parameter that matters is known by construction.
import { describe, expect, it } from 'vitest';
import { paramImportance, type ImportanceResult, type ImportanceTrial } from '../../src/report/importance.js';
import { RandomSampler } from '../../src/search/samplers/index.js';
import type { Params } from '../../src/spec/space.js';
import { Rng } from '../../src/util/rng.js';
import { SMALL_SPACE } from '../helpers/resolved-study.js';

/** Params drawn by the real random sampler over a space with float, int, categorical, conditional and subset parameters. */
function sampled(n: number, seed: number): Params[] {
  const sampler = new RandomSampler(seed);
  return Array.from({ length: n }, (_, trialNumber) =>
    sampler.sample({ space: SMALL_SPACE, direction: 'maximize', history: [], trialNumber }),
  );
}

function withValues(params: readonly Params[], f: (p: Params) => number, noise: number, seed = 3): ImportanceTrial[] {
  const rng = new Rng(seed);
  return params.map((p) => ({ params: p, value: f(p) + noise * rng.normal() }));
}

function ranked(result: ReturnType<typeof paramImportance>): ImportanceResult {
  if ('reason' in result) throw new Error(`no importance: ${result.reason}`);
  return result;
}

describe('paramImportance', () => {
  it('ranks a log-scale float first when the objective depends on it alone', () => {
    const trials = withValues(sampled(80, 1), (p) => Math.log10(p['learning_rate'] as number), 0.05);
    const result = ranked(paramImportance(SMALL_SPACE, trials, { seed: 1 }));
    expect(result.params[0]!.param).toBe('learning_rate');
    expect(result.params[0]!.share).toBeGreaterThan(0.7);
    expect(result.params.map((p) => p.param).sort()).toEqual(SMALL_SPACE.map((p) => p.name).sort());
    expect(result.params.reduce((a, p) => a + p.share, 0)).toBeCloseTo(1, 9);
    expect(result.trials).toBe(80);
  });

  it('ranks a categorical first when only the choice matters, and its conditional child takes none of its credit', () => {
    // freeze_layers is active only when optimizer is adam: whether it is set reveals the optimizer.
    const trials = withValues(sampled(80, 2), (p) => (p['optimizer'] === 'adam' ? 0.9 : 0.5), 0.03);
    const result = ranked(paramImportance(SMALL_SPACE, trials, { seed: 2 }));
    expect(result.params[0]!.param).toBe('optimizer');
    expect(result.params[0]!.share).toBeGreaterThan(0.8);
    expect(result.params.find((p) => p.param === 'freeze_layers')!.share).toBeLessThan(0.05);
  });

  it('credits the source subset when including one source moves the objective', () => {
    const trials = withValues(sampled(80, 3), (p) => ((p['sources'] as string[]).includes('b') ? -0.3 : 0), 0.02);
    const result = ranked(paramImportance(SMALL_SPACE, trials, { seed: 3 }));
    expect(result.params[0]!.param).toBe('sources');
    expect(result.params[0]!.share).toBeGreaterThan(0.6);
  });

  it('splits the credit between two parameters that both matter, ahead of the rest', () => {
    const trials = withValues(
      sampled(120, 4),
      (p) => (p['epochs'] as number) / 10 + ((p['batch_size'] as number) === 64 ? 0.5 : 0),
      0.02,
    );
    const result = ranked(paramImportance(SMALL_SPACE, trials, { seed: 4 }));
    expect(new Set(result.params.slice(0, 2).map((p) => p.param))).toEqual(new Set(['epochs', 'batch_size']));
    expect(result.params[0]!.share + result.params[1]!.share).toBeGreaterThan(0.8);
  });

  it('is deterministic for a seed', () => {
    const trials = withValues(sampled(30, 5), (p) => (p['epochs'] as number) * 0.1, 0.1);
    expect(paramImportance(SMALL_SPACE, trials, { seed: 9 })).toEqual(paramImportance(SMALL_SPACE, trials, { seed: 9 }));
  });

  it('gives a reason instead of numbers for too few trials, a constant objective or an empty space', () => {
    const few = withValues(sampled(4, 6), () => 1, 0.1);
    expect(paramImportance(SMALL_SPACE, few)).toEqual({ reason: 'needs at least 5 finished trials with a value (has 4)' });
    const constant = sampled(10, 7).map((params) => ({ params, value: 0.5 }));
    expect(paramImportance(SMALL_SPACE, constant)).toEqual({ reason: 'every finished trial has the same value' });
    expect(paramImportance([], constant)).toEqual({ reason: 'the search space has no parameter' });
  });
});
