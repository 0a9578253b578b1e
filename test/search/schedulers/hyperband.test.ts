// Hyperband over ASHA: the number of brackets and their ladders, a deterministic bracket per trial
// number weighted towards the aggressive brackets, and trials judged only against their own bracket.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AshaScheduler, HyperbandScheduler } from '../../../src/search/schedulers/index.js';
import type { Store } from '../../../src/store/types.js';
import { tempDir } from '../../helpers/cli.js';
import { sqliteStoresClosedAfterEach } from '../../helpers/sqlite-stores.js';

const open = sqliteStoresClosedAfterEach();
function fresh(): { store: Store; studyId: number; path: string } {
  const path = join(tempDir(), 'hyperband.db');
  const store = open(path);
  return { store, studyId: store.getOrCreateStudy('s', {}, 'maximize').study.id, path };
}

const OPTIONS = { minEpochs: 1, eta: 3, minReports: 1, maxEpochs: 15, seed: 7 };

describe('HyperbandScheduler', () => {
  it('has floor(log_eta(max / min)) + 1 brackets; bracket b starts its ladder at min_epochs x eta^b', () => {
    const { store, studyId } = fresh();
    const hb = new HyperbandScheduler({ store, studyId, direction: 'maximize' }, OPTIONS);
    expect(hb.brackets).toBe(3);
    const byBracket = new Map<number, readonly number[]>();
    for (let n = 0; n < 60; n++) byBracket.set(hb.bracketOf(n), hb.rungs(n, 15));
    expect(byBracket.get(0)).toEqual([1, 3, 9]);
    expect(byBracket.get(1)).toEqual([3, 9]);
    expect(byBracket.get(2)).toEqual([9]);
    const n2 = [...Array(60).keys()].find((n) => hb.bracketOf(n) === 2)!;
    expect(hb.rungs(n2, 9)).toEqual([]); // the least aggressive bracket never stops a 9-epoch trial
    expect(new HyperbandScheduler({ store, studyId, direction: 'maximize' }, { ...OPTIONS, maxEpochs: 8 }).brackets).toBe(2);
  });

  it('assigns brackets deterministically from the trial number and the seed, most trials to the aggressive ones', () => {
    const { store, studyId } = fresh();
    const make = (seed: number) => new HyperbandScheduler({ store, studyId, direction: 'maximize' }, { ...OPTIONS, seed });
    const numbers = [...Array(600).keys()];
    const first = numbers.map((n) => make(7).bracketOf(n));
    expect(numbers.map((n) => make(7).bracketOf(n))).toEqual(first);
    expect(numbers.map((n) => make(8).bracketOf(n))).not.toEqual(first);
    // Weights 9 : 5 : 3 (Hyperband's budget per bracket for 3 brackets, eta 3).
    const counts = [0, 1, 2].map((b) => first.filter((x) => x === b).length);
    expect(counts[0]).toBeGreaterThan(counts[1]!);
    expect(counts[1]).toBeGreaterThan(counts[2]!);
    expect(counts[2]).toBeGreaterThan(0);
  });

  it('judges a trial against its own bracket only', () => {
    const { store, studyId } = fresh();
    const hb = new HyperbandScheduler({ store, studyId, direction: 'maximize' }, OPTIONS);
    const trials = Array.from({ length: 40 }, () =>
      store.createTrial(studyId, 1000, () => ({ params: {}, state: 'RUNNING', owner: 'o' }))!,
    );
    const inBracket = (b: number) => trials.filter((t) => hb.bracketOf(t.number) === b);
    const [a0, a1, probe] = inBracket(0);
    const [b0, b1, b2] = inBracket(1);
    // Rung 3 exists in brackets 0 and 1. Bracket 1 has far better values there.
    for (const [t, v] of [[b0!, 0.9], [b1!, 0.95], [b2!, 0.99], [a0!, 0.4], [a1!, 0.3]] as const) {
      store.recordIntermediate(t.id, 3, v);
    }
    store.recordIntermediate(probe!.id, 3, 0.5);
    const rung = { trialId: probe!.id, trialNumber: probe!.number, step: 3, value: 0.5 };
    // Within bracket 0 it is the best of three: it goes on. Plain ASHA over everybody would stop it.
    expect(hb.shouldStop(rung)).toBe(false);
    const flat = new AshaScheduler({ store, studyId, direction: 'maximize' }, { minEpochs: 1, eta: 3, minReports: 1 });
    expect(flat.shouldStop(rung)).toBe(true);
    // A restarted scheduler on the same file decides the same.
    expect(new HyperbandScheduler({ store, studyId, direction: 'maximize' }, OPTIONS).shouldStop(rung)).toBe(false);
  });
});
