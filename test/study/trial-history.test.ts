// The incremental history a StudyHandle gives its sampler: always equal to a full read of the
// study's trials, whatever changed in between and whichever connection changed it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bestTrial } from '../../src/study/run-study.js';
import { snapshotOf, TrialHistory } from '../../src/study/trial-history.js';
import type { Store } from '../../src/store/types.js';
import { tempDir } from '../helpers/cli.js';
import { sqliteStoresClosedAfterEach } from '../helpers/sqlite-stores.js';

const open = sqliteStoresClosedAfterEach();

const full = (store: Store, studyId: number) => store.getTrials(studyId).map(snapshotOf);

describe('TrialHistory', () => {
  it('equals a full read after every kind of change, made through another connection', () => {
    const path = join(tempDir(), 'history.db');
    const reader = open(path);
    const writer = open(path);
    const { study } = writer.getOrCreateStudy('s', {}, 'minimize');
    const history = new TrialHistory(reader, study.id);
    expect(history.read()).toEqual([]);
    const run = (n: number) => writer.createTrial(study.id, 100, () => ({ params: { n }, state: 'RUNNING', owner: 'w' }))!;
    const t0 = run(0);
    const t1 = run(1);
    writer.createTrial(study.id, 100, () => ({ params: { n: 2 }, state: 'WAITING', owner: null }));
    expect(history.read()).toEqual(full(writer, study.id));
    // Finished out of order, one re-queued, new ones created.
    writer.finishTrial(t1.id, 'w', { state: 'COMPLETE', value: 0.5, error: null, backend: null });
    expect(history.read()).toEqual(full(writer, study.id));
    writer.requeueStale(study.id, (t) => t.id === t0.id);
    const t3 = run(3);
    expect(history.read()).toEqual(full(writer, study.id));
    const again = writer.claimWaitingTrial(study.id, 'w')!;
    writer.finishTrial(again.id, 'w', { state: 'PRUNED', value: 0.1, error: null, backend: null });
    writer.finishTrial(t3.id, 'w', { state: 'FAIL', value: null, error: 'x', backend: null });
    expect(history.read()).toEqual(full(writer, study.id));
    for (let n = 4; n < 12; n++) {
      const t = run(n);
      if (n % 2 === 0) writer.finishTrial(t.id, 'w', { state: 'COMPLETE', value: n, error: null, backend: null });
      expect(history.read()).toEqual(full(writer, study.id));
    }
  });

  it('hands out frozen snapshots of finished trials', () => {
    const store = open(join(tempDir(), 'frozen.db'));
    const { study } = store.getOrCreateStudy('s', {}, 'minimize');
    const t = store.createTrial(study.id, 10, () => ({ params: { sources: ['a'] }, state: 'RUNNING', owner: 'w' }))!;
    store.finishTrial(t.id, 'w', { state: 'COMPLETE', value: 1, error: null, backend: null });
    const [snapshot] = new TrialHistory(store, study.id).read();
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(() => ((snapshot!.params.sources as string[]).push('b'))).toThrow(TypeError);
  });

  it('keeps the finished count and the best COMPLETE trial as a full read would, for either direction', () => {
    for (const direction of ['maximize', 'minimize'] as const) {
      const path = join(tempDir(), `progress-${direction}.db`);
      const reader = open(path);
      const writer = open(path);
      const { study } = writer.getOrCreateStudy('s', {}, direction);
      const history = new TrialHistory(reader, study.id, direction);
      const check = () => {
        const finished = writer.getTrials(study.id, ['COMPLETE', 'PRUNED', 'FAIL']);
        expect(history.progress()).toEqual({ finished: finished.length, best: bestTrial(finished, direction) });
      };
      check();
      const trials = Array.from({ length: 8 }, (_, n) => writer.createTrial(study.id, 100, () => ({ params: { n }, state: 'RUNNING', owner: 'w' }))!);
      // Out of number order, a tie (trial 1 and 5 at 0.7), a pruned trial with a better value (not ranked), a failure.
      const outcomes: [number, 'COMPLETE' | 'PRUNED' | 'FAIL', number | null][] = [
        [5, 'COMPLETE', 0.7], [2, 'PRUNED', 0.99], [1, 'COMPLETE', 0.7], [7, 'FAIL', null], [0, 'COMPLETE', 0.2], [6, 'COMPLETE', 0.9], [3, 'COMPLETE', 0.01],
      ];
      for (const [n, state, value] of outcomes) {
        writer.finishTrial(trials[n]!.id, 'w', { state, value, error: state === 'FAIL' ? 'x' : null, backend: null });
        check();
      }
    }
  });
});
