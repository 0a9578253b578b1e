import { beforeAll, describe, expect, it } from 'vitest';
import { selftrain } from '../../src/strategies/index.js';
import { segments } from '../../src/strategies/selftrain.js';
import { initBackend } from '../../src/worker/backend.js';
import { blobCentres, blobs, strategyInput } from './helpers.js';

// Clustered data: 4 well-separated Gaussian clusters in 8 dimensions, 2 labels per class, and 800
// further rows of which self-training holds out half as its unlabelled pool.
const centres = blobCentres(4, 8, 11, 2.5);
const base = strategyInput(
  { train: blobs(centres, 4, 8, 1), validation: blobs(centres, 4, 800, 2) },
  { strategy: 'selftrain', epochs: 20, batch_size: 8, unlabelled_fraction: 0.5 },
);

beforeAll(async () => {
  await initBackend('wasm');
});

describe('selftrain', () => {
  it('improves accuracy with few labels and many unlabelled rows on clustered data', async () => {
    let gain = 0;
    for (const seed of [1, 4]) {
      const supervised = await selftrain.run({ ...base, seed, recipe: { ...base.recipe, selftrain_rounds: 0 } });
      const selfTrained = await selftrain.run({ ...base, seed, recipe: { ...base.recipe, selftrain_rounds: 2 } });
      expect(selfTrained.extra!.pseudo_labelled).toBeGreaterThan(200);
      expect(selfTrained.extra!.pseudo_label_accuracy).toBeGreaterThan(0.85);
      gain += (selfTrained.metrics.accuracy - supervised.metrics.accuracy) / 2;
    }
    expect(gain).toBeGreaterThan(0.02);
  });

  it('never measures on its unlabelled pool: validation keeps the rows it did not hold out', async () => {
    const result = await selftrain.run({ ...base, recipe: { ...base.recipe, unlabelled_fraction: 0.25 } });
    expect(result.extra).toMatchObject({ unlabelled: 200, validation_rows: 600 });
    expect(result.metrics.confusion.flat().reduce((a, b) => a + b)).toBe(600);
    // 8 labelled rows for 10 warm-up epochs, then labelled + pseudo-labelled rows for 2 x 5 more.
    expect(result.cost.epochs).toBe(20);
    expect(result.cost.samples).toBeGreaterThan(8 * 10 + 8 * 5 + (8 + result.extra!.pseudo_labelled!) * 5);
  });

  it('consistency regularisation on the pool changes training, deterministically', async () => {
    const recipe = { ...base.recipe, consistency_weight: 1, consistency_noise: 0.5, epochs: 6 };
    const a = await selftrain.run({ ...base, recipe });
    const b = await selftrain.run({ ...base, recipe });
    const off = await selftrain.run({ ...base, recipe: { ...recipe, consistency_weight: 0 } });
    expect(b.metrics).toEqual(a.metrics);
    expect(a.metrics).not.toEqual(off.metrics);
  });

  it('gives the warm-up the first half of the epochs and splits the rest between the rounds', () => {
    expect(segments(20, 2)).toEqual([0, 10, 15, 20]);
    expect(segments(7, 3)).toEqual([0, 4, 5, 6, 7]);
    expect(segments(3, 5)).toEqual([0, 2, 3]); // one epoch left: one round
    expect(segments(1, 2)).toEqual([0, 1]); // no epoch left: no round
    expect(segments(6, 0)).toEqual([0, 6]);
  });
});
