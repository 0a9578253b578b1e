import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, NonFiniteLossError } from '../../src/errors.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { runUnit } from '../../src/worker/run-unit.js';
import { DIVERGING, SOURCE, unit } from './units.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('runUnit', () => {
  it('trains the transfer model and its baseline on the target split', async () => {
    const before = tf.memory().numTensors;
    const result = await runUnit(tf, unit(), 'wasm');
    expect(result.backend).toBe('wasm');
    expect(result.transfer.metrics.accuracy).toBeGreaterThan(0.5);
    expect(result.baseline!.metrics.accuracy).toBeGreaterThan(0.5);
    // 500 validation rows of the 600-row target; 400 source rows x 2 epochs + 100 target rows x 6.
    expect(result.transfer.metrics.confusion.flat().reduce((a, b) => a + b, 0)).toBe(500);
    expect(result.transfer.cost).toMatchObject({ epochs: 8, samples: 400 * 2 + 100 * 6 });
    expect(result.baseline!.cost).toMatchObject({ epochs: 6, samples: 600 });
    expect(result.workerMs).toBeGreaterThanOrEqual(result.transfer.cost.ms + result.baseline!.cost.ms);
    expect(tf.memory().numTensors).toBe(before);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('gives the baseline the same computation as a unit without sources', async () => {
    const withSources = await runUnit(tf, unit(), 'wasm');
    const alone = await runUnit(tf, unit({ sources: [] }), 'wasm');
    expect(alone.transfer.metrics).toEqual(withSources.baseline!.metrics);
    expect(alone.baseline).toBe(alone.transfer);
    expect((await runUnit(tf, unit({ withBaseline: false }), 'wasm')).baseline).toBeNull();
  });

  it('is deterministic per seed, and the seed matters', async () => {
    const a = await runUnit(tf, unit({ withBaseline: false }), 'wasm');
    const b = await runUnit(tf, unit({ withBaseline: false }), 'wasm');
    const c = await runUnit(tf, unit({ withBaseline: false, seed: 8 }), 'wasm');
    expect(b.transfer.metrics).toEqual(a.transfer.metrics);
    expect(c.transfer.metrics.confusion).not.toEqual(a.transfer.metrics.confusion);
  });

  it('rejects sources whose feature count differs from the target', async () => {
    const other = {
      name: 'synthetic-10',
      dataset: {
        kind: 'synthetic' as const,
        features: 10,
        latent: 4,
        classes: 3,
        rows: 50,
        familySeed: 1,
        rho: 0.5,
        taskSeed: 2,
        noise: 0.1,
      },
      transforms: [],
    };
    const run = runUnit(tf, unit({ sources: [SOURCE, other] }), 'wasm');
    await expect(run).rejects.toThrow(DataError);
    await expect(runUnit(tf, unit({ sources: [other] }), 'wasm')).rejects.toThrow(
      'source "synthetic-10" has 10 features but target "digits-600" has 64: a model cannot transfer between them',
    );
  });

  it('uses the largest label space of the target and the sources', async () => {
    const fewClasses = { ...unit().target, transforms: [...unit().target.transforms, { kind: 'classes' as const, keep: [0, 1, 2] }] };
    const result = await runUnit(tf, unit({ target: { ...fewClasses, labelled: 30 } }), 'wasm');
    expect(result.transfer.metrics.confusion).toHaveLength(10);
  });

  it('lets NonFiniteLossError through', async () => {
    await expect(runUnit(tf, DIVERGING, 'wasm')).rejects.toThrow(NonFiniteLossError);
  });
});
