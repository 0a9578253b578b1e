// The screen prior: scores become inclusion probabilities, the random sampler follows them, and the
// screen runs once per study on the real pool and is stored with it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolExecutor } from '../../src/study/pool-executor.js';
import { RandomSampler } from '../../src/search/samplers/random-sampler.js';
import type { SampleContext } from '../../src/search/samplers/types.js';
import { PRIOR_FLOOR, priorFromScores, samplePriorSubset } from '../../src/search/source-prior.js';
import { ensureScreenPrior, readSourcePrior } from '../../src/study/screen-prior.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import { SqliteStore } from '../../src/store/index.js';
import { Rng } from '../../src/util/rng.js';
import { SMALL_SPACE, resolvedStudy } from '../helpers/resolved-study.js';

describe('priorFromScores', () => {
  it('orders probabilities like the scores, centred on 0.5 and kept within the floor', () => {
    const p = priorFromScores({ a: 3, b: 2, c: 1, d: -100, e: 0, f: 0, g: 0, h: 0 });
    expect(p['a']!).toBeGreaterThan(p['b']!);
    expect(p['b']!).toBeGreaterThan(p['c']!);
    expect(p['d']).toBe(PRIOR_FLOOR);
    for (const v of Object.values(p)) expect(v).toBeLessThanOrEqual(1 - PRIOR_FLOOR);
    // symmetric scores: symmetric probabilities around 0.5
    const s = priorFromScores({ x: 1, y: -1 });
    expect(s['x']! + s['y']!).toBeCloseTo(1, 12);
    expect(priorFromScores({ x: 2, y: 2 })).toEqual({ x: 0.5, y: 0.5 });
  });
});

describe('samplePriorSubset and the random sampler', () => {
  const dist = { type: 'subset' as const, items: ['a', 'b', 'c', 'd'], min: 1, max: 3 };

  it('includes each source about as often as its probability, within the size bounds', () => {
    const prior = { a: 0.9, b: 0.5, c: 0.1, d: 0.5 };
    const rng = new Rng(5);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0, d: 0 };
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const subset = samplePriorSubset(rng, dist, prior);
      expect(subset.length).toBeGreaterThanOrEqual(1);
      expect(subset.length).toBeLessThanOrEqual(3);
      expect(dist.items.filter((x) => subset.includes(x))).toEqual(subset);
      for (const s of subset) counts[s]!++;
    }
    // Conditioning on 1..3 sources shifts the rates a little; the order and rough size remain.
    expect(counts['a']! / n).toBeGreaterThan(0.8);
    expect(counts['c']! / n).toBeLessThan(0.15);
    expect(Math.abs(counts['b']! - counts['d']!) / n).toBeLessThan(0.05);
  });

  it('the random sampler uses the prior only when the context carries one', () => {
    const context = (trialNumber: number, sourcePrior?: Record<string, number>): SampleContext => ({
      space: SMALL_SPACE,
      direction: 'maximize',
      history: [],
      trialNumber,
      ...(sourcePrior ? { sourcePrior } : {}),
    });
    const sampler = new RandomSampler(2);
    const withA = (prior?: Record<string, number>) =>
      Array.from({ length: 300 }, (_, n) => sampler.sample(context(n, prior))).filter((p) => (p.sources as string[]).includes('a')).length;
    const plain = withA();
    expect(plain).toBeGreaterThan(90);
    expect(plain).toBeLessThan(210);
    expect(withA({ a: 0.9, b: 0.1, c: 0.1, d: 0.1 })).toBeGreaterThan(240);
    expect(withA({ a: 0.1, b: 0.9, c: 0.9, d: 0.9 })).toBeLessThan(60);
    // Same seed, same trial number, same prior: same proposal.
    const prior = { a: 0.7, b: 0.3, c: 0.5, d: 0.5 };
    expect(new RandomSampler(2).sample(context(7, prior))).toEqual(sampler.sample(context(7, prior)));
  });
});

describe('ensureScreenPrior', () => {
  let dir: string;
  let executor: PoolExecutor;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tasksieve-prior-'));
    executor = await PoolExecutor.start({ workers: 2, backend: null });
  });
  afterAll(async () => {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('screens once on the pool, stores the table, and the handle samples with the prior', async () => {
    const study = resolvedStudy({ screen_prior: 'leep' });
    const store = SqliteStore.open(join(dir, 'prior.db'));
    try {
      const handle = StudyHandle.open({ store, study });
      expect(readSourcePrior(store, handle.id, study)).toBeUndefined();
      const table = await ensureScreenPrior(store, handle.id, study, executor);
      expect(table!.sources.map((s) => s.source)).toEqual(['a', 'b', 'c', 'd']);
      expect([...table!.ranking.leep].sort()).toEqual(['a', 'b', 'c', 'd']);
      expect(table!.backend).toBe('wasm');
      for (const kind of ['leep', 'logme', 'hscore'] as const) expect(table!.seconds[kind]).toBeGreaterThan(0);
      // Stored: a second call returns it without screening again (same numbers, same wall time).
      const again = await ensureScreenPrior(store, handle.id, study, executor);
      expect(again).toEqual(table);
      const prior = readSourcePrior(store, handle.id, study)!;
      expect(Object.keys(prior)).toEqual(['a', 'b', 'c', 'd']);
      const best = table!.ranking.leep[0]!;
      const worst = table!.ranking.leep[3]!;
      expect(prior[best]!).toBeGreaterThan(prior[worst]!);
      // A study without screen_prior ignores the stored table.
      expect(readSourcePrior(store, handle.id, resolvedStudy())).toBeUndefined();
      expect(await ensureScreenPrior(store, handle.id, resolvedStudy(), executor)).toBeNull();
      const asked = handle.ask();
      expect(asked).not.toBeNull();
    } finally {
      store.close();
    }
  });
});
