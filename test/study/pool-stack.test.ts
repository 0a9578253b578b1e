// The pool executor with stacking (options.stack > 1): units of one trial train stacked in one worker
// and give exactly the results they give one at a time; each settles as soon as it ends; a unit that
// fails fails alone; a free worker is never left idle for a bigger stack; a study run stacked
// records the same trials as one run unstacked. Real worker threads, real training on digits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolExecutor } from '../../src/study/pool-executor.js';
import type { UnitResult } from '../../src/spec/units.js';
import { DIVERGING, TARGET, unit } from '../worker/units.js';

/** A result without the fields that are timings. */
function comparable(result: UnitResult) {
  const strip = (m: UnitResult['transfer'] | null) => (m === null ? null : { ...m, cost: { epochs: m.cost.epochs, samples: m.cost.samples } });
  return { ...result, workerMs: 0, transfer: strip(result.transfer), baseline: strip(result.baseline) };
}

let alone: PoolExecutor;
let stacked: PoolExecutor;
beforeAll(async () => {
  [alone, stacked] = await Promise.all([PoolExecutor.start({ workers: 1, backend: 'wasm' }), PoolExecutor.start({ workers: 1, backend: 'wasm', stack: 4 })]);
});
afterAll(async () => {
  await Promise.all([alone?.close(), stacked?.close()]);
});

describe('PoolExecutor with stack', () => {
  it('trains a trial units stacked in one worker task, with the results they give one at a time', async () => {
    const units = [unit({ seed: 1 }), unit({ seed: 2 }), unit({ seed: 3, sources: [] }), unit({ seed: 4 }, {})];
    const one: UnitResult[] = [];
    for (const u of units) one.push(await alone.runUnit(u));
    const before = { ...stacked.stackStats };
    const together = await Promise.all(units.map((u) => stacked.runUnit(u)));
    expect(stacked.stackStats.tasks - before.tasks).toBe(1);
    expect(stacked.stackStats.units - before.units).toBe(4);
    expect(together.map(comparable)).toEqual(one.map(comparable));
  });

  it('reports rungs and honours stop requests of each unit in a stack', async () => {
    const reports: number[][] = [[], []];
    const stop = new AbortController();
    const units = [unit({ seed: 5, rungs: [2, 4] }), unit({ seed: 6, rungs: [2, 4] })];
    const results = await Promise.all(
      units.map((u, i) =>
        stacked.runUnit(u, undefined, {
          onReport: (rung) => {
            reports[i]!.push(rung.epoch);
            if (i === 0 && rung.epoch === 2) stop.abort();
          },
          ...(i === 0 ? { stop: stop.signal } : {}),
        }),
      ),
    );
    expect(results[0]!.stoppedAt).not.toBeNull();
    expect(results[1]!.stoppedAt).toBeNull();
    expect(results[1]!.rungs.map((r) => r.epoch)).toEqual([2, 4]);
    const single = await alone.runUnit(units[1]!);
    expect(comparable(results[1]!)).toEqual(comparable(single));
  });

  it('fails only the unit that fails; the others of its stack keep their results', async () => {
    // Same trial and recipe (so one stack), but its target's file does not exist.
    const broken = unit({ seed: 8, target: { ...TARGET, name: 'missing', dataset: { kind: 'csv', path: '/nonexistent/rows.csv', label: 'label' } } });
    const good = unit({ seed: 9 });
    const before = { ...stacked.stackStats };
    const outcomes = await Promise.allSettled([stacked.runUnit(broken), stacked.runUnit(good)]);
    expect(stacked.stackStats.tasks - before.tasks).toBe(1);
    expect(outcomes[0]!.status).toBe('rejected');
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/nonexistent/);
    expect(outcomes[1]!.status).toBe('fulfilled');
    expect(comparable((outcomes[1] as PromiseFulfilledResult<UnitResult>).value)).toEqual(comparable(await alone.runUnit(good)));
  });

  it('a diverging unit alone in its stack fails as it fails alone', async () => {
    const outcomes = await Promise.allSettled([stacked.runUnit(DIVERGING), stacked.runUnit({ ...DIVERGING, seed: 2 })]);
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      expect(String((o as PromiseRejectedResult).reason)).toMatch(/NonFiniteLossError/);
    }
  });

  it('never stacks units of different trials or recipes together', async () => {
    const before = { ...stacked.stackStats };
    await Promise.all([stacked.runUnit(unit({ seed: 1, trialNumber: 1 })), stacked.runUnit(unit({ seed: 1, trialNumber: 2 })), stacked.runUnit(unit({ seed: 2, trialNumber: 2 }, { learning_rate: 0.01 }))]);
    expect(stacked.stackStats.tasks - before.tasks).toBe(0);
  });

  it('gives every free worker its share instead of one bigger stack', async () => {
    const two = await PoolExecutor.start({ workers: 2, backend: 'wasm', stack: 4 });
    try {
      await Promise.all([1, 2, 3, 4].map((seed) => two.runUnit(unit({ seed, sources: [] }))));
      // 4 units, 2 free workers: two stacks of 2, not one of 4 and an idle worker.
      expect(two.stackStats).toEqual({ tasks: 2, units: 4 });
    } finally {
      await two.close();
    }
  });
});
