// A source scaled lazily (scaledLazily: the unit's scaling applied as its rows are read) must give the
// bits of the scaled copy (applyScaling) to every reader, and training on it must not make that copy.
import { beforeAll, describe, expect, it } from 'vitest';
import { applyScaling, fitScaling, scaledLazily, rowCopier } from '../../src/data/scaling.js';
import { concatDatasets, selectRows } from '../../src/data/rows.js';
import type { Dataset } from '../../src/data/types.js';
import { buildMlp } from '../../src/training/mlp.js';
import { trainModel } from '../../src/training/epoch-loop.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { Rng } from '../../src/util/rng.js';
import { MODEL, blobCentres, blobs } from '../strategies/helpers.js';

const CLASSES = 3;
const COLS = 8;

/** Blobs moved far from 0 and stretched per column, so that scaling changes every value. */
function unscaledRows(rows: number, seed: number): Dataset {
  const ds = blobs(blobCentres(CLASSES, COLS, 5), CLASSES, rows, seed);
  const features = ds.features.map((v, i) => 40 + v * (1 + (i % COLS)) * 3.7);
  return { ...ds, features };
}

const trainOptions = (epochs: number, batchSize: number, seed: number) =>
  ({ phase: 'pre-training' as const, epochs, batchSize, optimizer: 'adam' as const, learningRate: 0.01, seed, numClasses: CLASSES });
const buildSmallMlp = (seed: number) => buildMlp(tf, { inputs: COLS, numClasses: CLASSES, spec: { ...MODEL, hidden: [16] }, dropout: 0, seed });

beforeAll(async () => {
  await initBackend('wasm');
});

describe('scaledLazily', () => {
  const raw = unscaledRows(500, 1);
  const stats = fitScaling('standard', [unscaledRows(40, 2)]);
  const copy = applyScaling(raw, stats);

  it('every reader gets the scaled copy bit for bit: rows, selected rows, concatenations and the whole array', () => {
    const view = scaledLazily(raw, stats);
    const row = new Float32Array(COLS);
    const copyRow = rowCopier(view);
    for (const r of [0, 17, 499]) {
      copyRow(r, row, 0);
      expect(row).toEqual(copy.features.subarray(r * COLS, (r + 1) * COLS));
    }
    const picked = [499, 3, 3, 250];
    expect(selectRows(view, picked).features).toEqual(selectRows(copy, picked).features);
    const other = unscaledRows(30, 3);
    expect(concatDatasets([view, scaledLazily(other, stats)]).features).toEqual(concatDatasets([copy, applyScaling(other, stats)]).features);
    expect(view.features).toEqual(copy.features);
    // Labels and the rest are the source's own.
    expect(view.labels).toBe(raw.labels);
    expect({ ...view, features: null }).toEqual({ ...raw, features: null });
  });

  it('a small source read every epoch is scaled once, whole: the same weights as training on the copy', () => {
    const small = unscaledRows(300, 6); // 2,400 values: under EAGER_SCALING_VALUES
    const smallStats = fitScaling('standard', [small]);
    const options = trainOptions(3, 32, 7);
    const build = () => buildSmallMlp(3);
    const onCopy = build();
    trainModel(onCopy, applyScaling(small, smallStats), options);
    const onView = build();
    const view = scaledLazily(small, smallStats);
    trainModel(onView, view, options);
    const a = onCopy.snapshot();
    const b = onView.snapshot();
    a.forEach((layer, i) => {
      expect(b[i]!.kernel).toEqual(layer.kernel);
      expect(b[i]!.bias).toEqual(layer.bias);
    });
    // The repeated reader took the whole scaled array; a one-pass reader row by row gives its bits.
    const row = new Float32Array(COLS);
    rowCopier(view)(299, row, 0);
    expect(row).toEqual(applyScaling(small, smallStats).features.subarray(299 * COLS));
    onCopy.dispose();
    onView.dispose();
  });

  it('training on it gives the weights of training on the copy, without making the copy', () => {
    const big = unscaledRows(60_000, 4);
    const bigStats = fitScaling('standard', [big]);
    const options = trainOptions(2, 256, 5);
    const build = () => buildSmallMlp(9);
    const onCopy = build();
    trainModel(onCopy, applyScaling(big, bigStats), options);
    const onView = build();
    const before = process.memoryUsage().arrayBuffers;
    const view = scaledLazily(big, bigStats);
    trainModel(onView, view, options);
    const grown = process.memoryUsage().arrayBuffers - before;
    // A whole scaled copy would be 1.9 MB, held by the view while it lives; the epoch order (240 KB)
    // and the batch buffers are all training allocates.
    expect(grown).toBeLessThan(big.features.byteLength / 2);
    const a = onCopy.snapshot();
    const b = onView.snapshot();
    a.forEach((layer, i) => {
      expect(b[i]!.kernel).toEqual(layer.kernel);
      expect(b[i]!.bias).toEqual(layer.bias);
    });
    expect(view.rows).toBe(big.rows);
    onCopy.dispose();
    onView.dispose();
    expect(new Rng(1).permutationInto(new Int32Array(9))).toEqual(new Rng(1).permutation(9));
  });
});
