// Ask and tell with a vector value: a multi-objective study's handle stores one value per objective
// (and constraint violations), refuses outcomes of the wrong shape, and proposes the same trials for
// the same seed (its sampler reads the stored vectors back); a single-objective handle refuses vectors.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import type { ResolvedStudy } from '../../src/spec/study.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import { tempDir } from '../helpers/cli.js';
import { resolvedStudy, SMALL_SPACE } from '../helpers/resolved-study.js';
import { sqliteStoresClosedAfterEach } from '../helpers/sqlite-stores.js';

const open = sqliteStoresClosedAfterEach();
const openStore = () => open(join(tempDir(), 'handle.db'));

const multi = (overrides: Partial<ResolvedStudy> = {}): ResolvedStudy =>
  resolvedStudy({
    sampler: { kind: 'bayes', startup_trials: 3, candidates: 24, multivariate: false, gamma: 0.25, constant_liar: true, source_design: false },
    objectives: [
      { metric: 'accuracy', direction: 'maximize', aggregate: 'mean' },
      { metric: 'bytes', direction: 'minimize', aggregate: 'mean' },
    ],
    constraints: [{ metric: 'bytes', max: 500 }],
    budget: { trials: 12, workers: 1, epochs: 10, seeds: 1 },
    ...overrides,
  });

/** A made-up two-objective response of the small space's params. */
function respond(params: Record<string, unknown>): { values: number[]; constraints: number[] } {
  const lr = params['learning_rate'] as number;
  const bytes = 1000 * lr * 10;
  return { values: [1 - Math.abs(Math.log10(lr) + 2) / 3, bytes], constraints: [bytes - 500] };
}

function runAll(handle: StudyHandle): Record<string, unknown>[] {
  const asked: Record<string, unknown>[] = [];
  for (let t = handle.ask(); t !== null; t = handle.ask()) {
    asked.push(t.params);
    handle.tell(t.id, { state: 'COMPLETE', ...respond(t.params) });
  }
  return asked;
}

describe('StudyHandle with several objectives', () => {
  it('stores values and constraint violations; value is the first objective', () => {
    const handle = StudyHandle.open({ store: openStore(), study: multi() });
    runAll(handle);
    const trials = handle.trials();
    expect(trials).toHaveLength(12);
    for (const t of trials) {
      const expected = respond(t.params);
      expect(t.values).toEqual(expected.values);
      expect(t.constraints).toEqual(expected.constraints);
      expect(t.value).toBe(expected.values[0]);
    }
  });

  it('is reproducible: the same seed proposes the same trials in a fresh database', () => {
    expect(runAll(StudyHandle.open({ store: openStore(), study: multi() }))).toEqual(runAll(StudyHandle.open({ store: openStore(), study: multi() })));
    expect(runAll(StudyHandle.open({ store: openStore(), study: multi({ seed: 99 }) }))).not.toEqual(
      runAll(StudyHandle.open({ store: openStore(), study: multi() })),
    );
  });

  it('refuses outcomes of the wrong shape, leaving the trial RUNNING', () => {
    const handle = StudyHandle.open({ store: openStore(), study: multi() });
    const t = handle.ask()!;
    expect(() => handle.tell(t.id, { state: 'COMPLETE', value: 0.5 })).toThrow(/has 2 objectives: tell values/);
    expect(() => handle.tell(t.id, { state: 'COMPLETE', values: [0.5], constraints: [0] })).toThrow(StoreError);
    expect(() => handle.tell(t.id, { state: 'COMPLETE', values: [0.5, Number.NaN], constraints: [0] })).toThrow(StoreError);
    expect(() => handle.tell(t.id, { state: 'COMPLETE', values: [0.5, 100] })).toThrow(/has 1 constraint\(s\)/);
    expect(() => handle.tell(t.id, { state: 'COMPLETE', value: 0.4, values: [0.5, 100], constraints: [0] })).toThrow(/not the first of values/);
    expect(handle.trials()[0]!.state).toBe('RUNNING');
    handle.tell(t.id, { state: 'COMPLETE', value: 0.5, values: [0.5, 100], constraints: [-400] });
    expect(handle.trials()[0]).toMatchObject({ state: 'COMPLETE', value: 0.5, values: [0.5, 100], constraints: [-400] });
  });

  it('a single-objective handle refuses a vector value and stores none', () => {
    const handle = StudyHandle.open({ store: openStore(), study: resolvedStudy({ space: SMALL_SPACE }) });
    const t = handle.ask()!;
    expect(() => handle.tell(t.id, { state: 'COMPLETE', values: [0.5, 1] })).toThrow(/has one objective/);
    const done = handle.tell(t.id, { state: 'COMPLETE', value: 0.5 });
    expect('values' in done).toBe(false);
  });
});
