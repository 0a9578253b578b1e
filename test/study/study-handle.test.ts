import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecDriftError, TrialFinishedError } from '../../src/errors.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import { tempDir } from '../helpers/cli.js';
import { sqliteStoresClosedAfterEach } from '../helpers/sqlite-stores.js';
import { resolvedStudy } from '../helpers/resolved-study.js';

const open = sqliteStoresClosedAfterEach();
const openStore = (path = join(tempDir(), 'handle.db')) => open(path);

describe('StudyHandle (ask and tell)', () => {
  it('asks numbered trials until the budget is used, then null; tell finishes each once', () => {
    const handle = StudyHandle.open({ store: openStore(), study: resolvedStudy({ budget: { trials: 3, workers: 1, epochs: 10, seeds: 1 } }) });
    const asked = [handle.ask(), handle.ask(), handle.ask()];
    expect(asked.map((t) => t?.number)).toEqual([0, 1, 2]);
    expect(handle.ask()).toBe(null);
    handle.tell(asked[0]!.id, { state: 'COMPLETE', value: 0.5 });
    handle.tell(asked[1]!.id, { state: 'FAIL', error: 'boom' });
    expect(() => handle.tell(asked[0]!.id, { state: 'COMPLETE', value: 0.9 })).toThrow(TrialFinishedError);
    expect(() => handle.tell(asked[2]!.id, { state: 'COMPLETE', value: Number.NaN })).toThrow(/finite/);
    const trials = handle.trials();
    expect(trials.map((t) => [t.number, t.state, t.value])).toEqual([
      [0, 'COMPLETE', 0.5],
      [1, 'FAIL', null],
      [2, 'RUNNING', null],
    ]);
    expect(trials[1]!.error).toBe('boom');
  });

  it('runs enqueued params first, before sampling', () => {
    const handle = StudyHandle.open({ store: openStore(), study: resolvedStudy() });
    const baseline = { learning_rate: 0.01, sources: [] as string[] };
    handle.enqueue(baseline);
    const first = handle.ask()!;
    expect(first.params).toEqual(baseline);
    expect(handle.ask()!.params).not.toEqual(baseline);
  });

  it('continues a stored study with the same spec and refuses a changed one, naming the differences', () => {
    const path = join(tempDir(), 'drift.db');
    const store = openStore(path);
    const first = StudyHandle.open({ store, study: resolvedStudy() });
    first.ask();
    const again = StudyHandle.open({ store, study: resolvedStudy({ budget: { trials: 20, workers: 4, epochs: 10, seeds: 1 } }) });
    expect(again.created).toBe(false);
    expect(again.trials()).toHaveLength(1);
    const changed = resolvedStudy({ seed: 6, objective: { metric: 'macro_f1', direction: 'maximize', aggregate: 'mean' } });
    expect(() => StudyHandle.open({ store, study: changed })).toThrow(SpecDriftError);
    expect(() => StudyHandle.open({ store, study: changed })).toThrow(/seed.*objective\.metric|objective\.metric.*seed/);
  });

  it("resumes a race stored with racing's former defaults under the new ones, running the stored settings", () => {
    const store = openStore(join(tempDir(), 'race-defaults.db'));
    const budget = { trials: 4, workers: 1, epochs: 10, seeds: 3 };
    // What `scheduler: race` resolved to before racing had its own defaults.
    const former = resolvedStudy({ budget, scheduler: { kind: 'race', first_seeds: 1, eta: 3, min_reports: 3 } });
    StudyHandle.open({ store, study: former }).ask();
    const now = resolvedStudy({ budget, scheduler: { kind: 'race', first_seeds: 1, eta: 2, min_reports: 2, wilcoxon: 0.1 } });
    const resumed = StudyHandle.open({ store, study: now });
    expect(resumed.created).toBe(false);
    expect(resumed.study.scheduler).toEqual(former.scheduler);
    // Any other change of the race is a change of the study.
    const other = resolvedStudy({ budget, scheduler: { kind: 'race', first_seeds: 1, eta: 4, min_reports: 4, wilcoxon: 0.1 } });
    expect(() => StudyHandle.open({ store, study: other })).toThrow(/scheduler\.eta/);
    const storedOther = openStore(join(tempDir(), 'race-eta4.db'));
    StudyHandle.open({ store: storedOther, study: other }).ask();
    expect(() => StudyHandle.open({ store: storedOther, study: now })).toThrow(SpecDriftError);
  });

  it('re-queues the RUNNING trials of a dead runner with the same number and params, never a live one', () => {
    const store = openStore();
    const study = resolvedStudy();
    const dead = StudyHandle.open({ store, study, owner: 'this-host-is-gone:1:dead' });
    const live = StudyHandle.open({ store, study });
    const t0 = dead.ask()!;
    const t1 = live.ask()!;
    // A foreign host's trial is only stale once its heartbeat is old.
    expect(live.requeueStale(60_000)).toHaveLength(0);
    const requeued = live.requeueStale(-1);
    expect(requeued.map((t) => t.number)).toEqual([t0.number]);
    const again = live.ask()!;
    expect(again.number).toBe(t0.number);
    expect(again.params).toEqual(t0.params);
    expect(again.attempts).toBe(2);
    expect(store.getTrial(t1.id)!.state).toBe('RUNNING');
  });
});
