// The incremental history a StudyHandle gives its sampler: always equal to a full read of the
// study's trials, whatever changed in between and whichever connection changed it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotOf, TrialHistory } from '../../src/search/trial-history.js';
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
});
