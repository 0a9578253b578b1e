import { describe, expect, it } from 'vitest';
import { designRuns, sourceDesign } from '../../../src/search/samplers/source-design.js';
import { TpeSampler } from '../../../src/search/samplers/tpe-sampler.js';
import { GpSampler } from '../../../src/search/samplers/gp-sampler.js';
import type { SampleContext, TrialSnapshot } from '../../../src/search/samplers/types.js';
import type { SearchSpace } from '../../../src/spec/space.js';

/** +1 when included, -1 when not: the coding in which a design's columns are orthogonal. */
const coded = (runs: readonly Uint8Array[], s: number) => runs.map((r) => (r[s] === 1 ? 1 : -1));
const dot = (a: readonly number[], b: readonly number[]) => a.reduce((sum, v, i) => sum + v * b[i]!, 0);

describe('sourceDesign', () => {
  it('takes the classic run counts: full factorial up to 3 sources, then 8 in 16 runs, 16 in 32, 32 in 64', () => {
    expect([1, 2, 3, 4, 5, 8, 9, 16, 17, 32].map(designRuns)).toEqual([2, 4, 8, 8, 16, 16, 32, 32, 64, 64]);
    expect(designRuns(0)).toBe(0);
  });

  it.each([3, 4, 5, 8, 11, 16])('is resolution IV for %i sources: balanced, main effects orthogonal to each other and to every two-source interaction', (n) => {
    const runs = sourceDesign(n, 7);
    expect(runs).toHaveLength(designRuns(n));
    const columns = Array.from({ length: n }, (_, s) => coded(runs, s));
    for (let a = 0; a < n; a++) {
      expect(dot(columns[a]!, columns[a]!.map(() => 1)), `source ${a} in half the runs`).toBe(0);
      for (let b = a + 1; b < n; b++) {
        expect(dot(columns[a]!, columns[b]!), `sources ${a}, ${b}`).toBe(0);
        const ab = columns[a]!.map((v, i) => v * columns[b]![i]!);
        for (let c = 0; c < n; c++) expect(dot(columns[c]!, ab), `source ${c} vs interaction ${a}x${b}`).toBe(0);
      }
    }
    // Distinct runs: a design never repeats a trial.
    expect(new Set(runs.map((r) => r.join(''))).size).toBe(runs.length);
  });

  it('is the same for the same seed; another seed flips levels, swaps columns and reorders runs', () => {
    const a = sourceDesign(8, 1).map((r) => r.join(''));
    expect(sourceDesign(8, 1).map((r) => r.join(''))).toEqual(a);
    expect(sourceDesign(8, 2).map((r) => r.join(''))).not.toEqual(a);
  });
});

const SOURCES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const SPACE: SearchSpace = [
  { name: 'learning_rate', distribution: { type: 'float', low: 0.001, high: 0.1, log: true } },
  { name: 'sources', distribution: { type: 'subset', items: SOURCES, min: 0, max: 8 } },
];

/** Sequential asks, each told a value that rewards source a and punishes source h. */
function run(sampler: TpeSampler | GpSampler, trials: number, extra: Partial<SampleContext> = {}): TrialSnapshot[] {
  const history: TrialSnapshot[] = [];
  for (let n = 0; n < trials; n++) {
    const params = sampler.sample({ space: SPACE, direction: 'maximize', history: [...history], trialNumber: n, ...extra });
    const chosen = params['sources'] as string[];
    history.push({ number: n, state: 'COMPLETE', params, value: (chosen.includes('a') ? 1 : 0) - (chosen.includes('h') ? 1 : 0) });
  }
  return history;
}

const subsetsOf = (history: readonly TrialSnapshot[]) => history.map((t) => (t.params['sources'] as string[]).join(','));

describe('the bayes sampler with a source subset', () => {
  it('proposes the design for its first trials (every source in exactly half), then uses its model', () => {
    const history = run(new TpeSampler(4, { budgetTrials: 64 }), 40);
    const design = sourceDesign(8, 4).map((r) => SOURCES.filter((_, i) => r[i] === 1).join(','));
    expect(subsetsOf(history.slice(0, 16))).toEqual(design);
    for (const s of SOURCES) expect(history.slice(0, 16).filter((t) => (t.params['sources'] as string[]).includes(s))).toHaveLength(8);
    // Afterwards the model steers: source a in most proposals, source h in few.
    const later = history.slice(16).map((t) => t.params['sources'] as string[]);
    expect(later.filter((s) => s.includes('a')).length).toBeGreaterThan(0.7 * later.length);
    expect(later.filter((s) => s.includes('h')).length).toBeLessThan(0.3 * later.length);
  });

  it('starts at random instead when source_design is off, with a screen prior, or when the design would fill over a quarter of the budget', () => {
    const design = subsetsOf(run(new TpeSampler(4, { budgetTrials: 64 }), 16));
    const off = subsetsOf(run(new TpeSampler(4, { budgetTrials: 40, sourceDesign: false }), 16));
    const prior = subsetsOf(run(new TpeSampler(4, { budgetTrials: 64 }), 16, { sourcePrior: Object.fromEntries(SOURCES.map((s) => [s, 0.5])) }));
    const small = subsetsOf(run(new TpeSampler(4, { budgetTrials: 63 }), 16));
    for (const other of [off, prior, small]) expect(other).not.toEqual(design);
    // The random start is the random sampler's: source counts are not balanced by construction.
    const counts = SOURCES.map((s) => off.filter((k) => k.split(',').includes(s)).length);
    expect(counts.some((c) => c !== 8)).toBe(true);
  });
});

describe('the gp sampler with a source subset', () => {
  it('starts with the same design as bayes (same seed), then uses its model; not when source_design is off', () => {
    const history = run(new GpSampler(4, { budgetTrials: 64 }), 30);
    const design = sourceDesign(8, 4).map((r) => SOURCES.filter((_, i) => r[i] === 1).join(','));
    expect(subsetsOf(history.slice(0, 16))).toEqual(design);
    const later = history.slice(16).map((t) => t.params['sources'] as string[]);
    expect(later.filter((s) => s.includes('a') && !s.includes('h')).length).toBeGreaterThan(0.7 * later.length);
    expect(subsetsOf(run(new GpSampler(4, { budgetTrials: 64, sourceDesign: false }), 16))).not.toEqual(design);
  });
});

describe('the bayes sampler with a screen prior', () => {
  it('includes the sources the screen rates higher more often, at startup and once its model is used', () => {
    const prior = Object.fromEntries(SOURCES.map((s, i) => [s, i === 0 ? 0.9 : i === 7 ? 0.1 : 0.5]));
    // A flat objective: any preference between a and h comes from the prior alone.
    const history: TrialSnapshot[] = [];
    const sampler = new TpeSampler(11, { budgetTrials: 200 });
    for (let n = 0; n < 120; n++) {
      const params = sampler.sample({ space: SPACE, direction: 'maximize', history: [...history], trialNumber: n, sourcePrior: prior });
      history.push({ number: n, state: 'COMPLETE', params, value: 0 });
    }
    const share = (s: string, from: number, to: number) =>
      history.slice(from, to).filter((t) => (t.params['sources'] as string[]).includes(s)).length / (to - from);
    expect(share('a', 0, 5)).toBeGreaterThan(share('h', 0, 5));
    expect(share('a', 5, 120)).toBeGreaterThan(share('h', 5, 120) + 0.2);
  });
});
