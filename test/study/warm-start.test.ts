// Warm starts through the runtime, on real SQLite files: a study reads an earlier study's COMPLETE
// trials (in its own database or another one), matched to its space, and proposes from them at once,
// without copying them into its own trials; a missing earlier study is a one-line input error.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StudyConfigError } from '../../src/errors.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import { loadWarmStart, matchParams } from '../../src/study/warm-start.js';
import type { Params, SearchSpace } from '../../src/spec/space.js';
import { tempDir } from '../helpers/cli.js';
import { resolvedStudy } from '../helpers/resolved-study.js';
import { sqliteStoresClosedAfterEach } from '../helpers/sqlite-stores.js';

const open = sqliteStoresClosedAfterEach();

const SPACE: SearchSpace = [
  { name: 'learning_rate', distribution: { type: 'float', low: 1e-4, high: 1e-1, log: true } },
  { name: 'dropout', distribution: { type: 'float', low: 0, high: 0.5, log: false } },
  { name: 'sources', distribution: { type: 'subset', items: ['a', 'b', 'c', 'd'], min: 0, max: 4 } },
];
const BAYES = { kind: 'bayes', startup_trials: 10, candidates: 24, multivariate: true, gamma: 0.1, constant_liar: true, source_design: false } as const;
/** Best near learning_rate 0.01, dropout 0.1, sources a and c. */
const score = (p: Params) =>
  -Math.abs(Math.log10(p['learning_rate'] as number) + 2) - Math.abs((p['dropout'] as number) - 0.1) * 4 -
  ['a', 'b', 'c', 'd'].filter((s) => (p['sources'] as string[]).includes(s) !== (s === 'a' || s === 'c')).length * 0.3;

/** Runs `trials` ask/tell steps of `study` on `store`, scored by `score` (maximised). */
function runStudy(store: ReturnType<typeof open>, study: ReturnType<typeof resolvedStudy>, trials: number): StudyHandle {
  const handle = StudyHandle.open({ store, study });
  for (let i = 0; i < trials; i++) {
    const t = handle.ask()!;
    handle.tell(t.id, { state: 'COMPLETE', value: score(t.params) });
  }
  return handle;
}

describe('warm_start through the study handle', () => {
  it('reads the earlier study once, proposes near its best from trial 0, and keeps its own trials apart', () => {
    const store = open(join(tempDir(), 'warm.db'));
    runStudy(store, resolvedStudy({ name: 'earlier', space: SPACE, sampler: { kind: 'random' }, budget: { trials: 60, workers: 1, epochs: 10, seeds: 1 } }), 60);
    const warmStudy = resolvedStudy({ name: 'later', space: SPACE, sampler: BAYES, warm_start: [{ study: 'earlier' }], budget: { trials: 5, workers: 1, epochs: 10, seeds: 1 } });
    const coldStudy = resolvedStudy({ name: 'cold', space: SPACE, sampler: BAYES, budget: { trials: 5, workers: 1, epochs: 10, seeds: 1 } });
    const warm = runStudy(store, warmStudy, 5);
    const cold = runStudy(store, coldStudy, 5);
    const mean = (h: StudyHandle) => h.trials().reduce((a, t) => a + (t.value as number), 0) / 5;
    // Five warm trials score better than five random startup trials of the cold study.
    expect(mean(warm)).toBeGreaterThan(mean(cold) + 0.3);
    // The earlier study's trials are not the new study's: it has exactly its own five.
    expect(warm.trials()).toHaveLength(5);
    expect(store.getTrials(store.getStudy('earlier')!.id)).toHaveLength(60);
  });

  it('reads an earlier study from another database, matching parameters by name and distribution', () => {
    const dir = tempDir();
    const other = open(join(dir, 'other.db'));
    runStudy(other, resolvedStudy({ name: 'elsewhere', space: SPACE, sampler: { kind: 'random' }, budget: { trials: 12, workers: 1, epochs: 10, seeds: 1 } }), 12);
    // A narrower learning-rate range and one source fewer: out-of-range values and unknown sources are dropped.
    const narrow: SearchSpace = [
      { name: 'learning_rate', distribution: { type: 'float', low: 1e-3, high: 1e-1, log: true } },
      { name: 'sources', distribution: { type: 'subset', items: ['a', 'b', 'c'], min: 0, max: 3 } },
    ];
    const study = resolvedStudy({ name: 'here', space: narrow, sampler: BAYES, warm_start: [{ study: 'elsewhere', db: join(dir, 'other.db') }] });
    const warm = loadWarmStart(open(join(dir, 'here.db')), study)!;
    expect(warm.studies).toHaveLength(1);
    const trials = warm.studies[0]!.trials;
    expect(trials).toHaveLength(12);
    for (const t of trials) {
      expect(Object.keys(t.params).every((k) => k === 'learning_rate' || k === 'sources')).toBe(true);
      if (t.params['learning_rate'] !== undefined) expect(t.params['learning_rate']).toBeGreaterThanOrEqual(1e-3);
      expect((t.params['sources'] as string[]).includes('d')).toBe(false);
    }
    // Losses: the earlier study maximised, so a loss is minus its value, and its best trial the lowest loss.
    const values = other.getTrials(other.getStudy('elsewhere')!.id).map((t) => t.value as number);
    expect(Math.min(...trials.map((t) => t.loss))).toBe(-Math.max(...values));
  });

  it('refuses a missing earlier study with a one-line error naming the entry (exit code 2)', () => {
    const store = open(join(tempDir(), 'missing.db'));
    const study = resolvedStudy({ name: 'later', space: SPACE, sampler: BAYES, warm_start: [{ study: 'nowhere' }] });
    expect(() => StudyHandle.open({ store, study })).toThrow(StudyConfigError);
    expect(() => StudyHandle.open({ store, study })).toThrow(/^warm_start\[0\]\.study: no study "nowhere" in this study's database$/);
  });

  it('matchParams keeps values of the distribution only', () => {
    expect(matchParams(SPACE, { learning_rate: 0.5, dropout: 0.2, sources: ['a', 'z'], other: 1 })).toEqual({ dropout: 0.2, sources: ['a'] });
  });
});
