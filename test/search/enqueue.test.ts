// Study-level `enqueue`: the entries are the study's first trials, run before any proposal, once,
// however many processes open the fresh study at the same time.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StudyHandle } from '../../src/study/study-handle.js';
import { tempDir } from '../helpers/cli.js';
import { sqliteStoresClosedAfterEach } from '../helpers/sqlite-stores.js';
import { resolvedStudy } from '../helpers/resolved-study.js';

const openStore = sqliteStoresClosedAfterEach();

const BASELINE = { learning_rate: 0.01, batch_size: 16, epochs: 2, optimizer: 'adam', freeze_layers: 0, sources: ['a'] };
const ALL = { learning_rate: 0.01, batch_size: 16, epochs: 2, optimizer: 'sgd', sources: ['a', 'b', 'c'] };

describe('enqueue from the study', () => {
  it('runs the entries first, in order, then sampled trials', () => {
    const study = resolvedStudy({ enqueue: [BASELINE, ALL] });
    const handle = StudyHandle.open({ store: openStore(join(tempDir(), 'e.db')), study });
    const asked = [handle.ask()!, handle.ask()!, handle.ask()!];
    expect(asked.map((t) => t.number)).toEqual([0, 1, 2]);
    expect(asked[0]!.params).toEqual(BASELINE);
    expect(asked[1]!.params).toEqual(ALL);
    expect(asked[2]!.params).not.toEqual(BASELINE);
    expect(asked[2]!.params).not.toEqual(ALL);
  });

  it('enqueues once when two connections open the fresh study, and not again on re-open', () => {
    const path = join(tempDir(), 'twice.db');
    const study = resolvedStudy({ enqueue: [BASELINE, ALL] });
    // Two connections to one file, as two processes have.
    const first = StudyHandle.open({ store: openStore(path), study });
    const second = StudyHandle.open({ store: openStore(path), study });
    expect([first.created, second.created]).toEqual([true, false]);
    const trials = first.trials();
    expect(trials.map((t) => [t.number, t.state])).toEqual([
      [0, 'WAITING'],
      [1, 'WAITING'],
    ]);
    expect(trials.map((t) => t.params)).toEqual([BASELINE, ALL]);
    // The second process takes the first entry; a re-open after the entries ran adds nothing.
    const taken = second.ask()!;
    expect(taken.params).toEqual(BASELINE);
    second.tell(taken.id, { state: 'COMPLETE', value: 0.5 });
    StudyHandle.open({ store: openStore(path), study });
    expect(first.trials()).toHaveLength(2);
  });

  it('puts entry i at trial i even when a process opens the study after another one crashed mid-way', () => {
    const path = join(tempDir(), 'partial.db');
    const study = resolvedStudy({ enqueue: [BASELINE, ALL] });
    // A process created the study and enqueued only the first entry before dying.
    const store = openStore(path);
    const { study: record } = store.getOrCreateStudy(study.name, study as never, 'maximize');
    store.createTrial(record.id, 1, () => ({ params: BASELINE, state: 'WAITING', owner: null }));
    StudyHandle.open({ store: openStore(path), study });
    expect(store.getTrials(record.id).map((t) => t.params)).toEqual([BASELINE, ALL]);
  });

  it('enqueues no more entries than the study has trials', () => {
    const study = resolvedStudy({ enqueue: [BASELINE, ALL], budget: { trials: 1, workers: 1, epochs: 10, seeds: 1 } });
    const handle = StudyHandle.open({ store: openStore(join(tempDir(), 'small.db')), study });
    expect(handle.trials().map((t) => t.params)).toEqual([BASELINE]);
  });
});
