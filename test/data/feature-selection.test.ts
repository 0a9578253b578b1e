import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/types.js';
import { finetune } from '../../src/strategies/index.js';
import { mutualInfoScores, projectColumns, selectFeatures, topK, varianceScores } from '../../src/data/feature-selection.js';
import { Rng } from '../../src/util/rng.js';
import { initBackend } from '../../src/worker/backend.js';
import { strategyInput } from '../strategies/helpers.js';

/**
 * 4 informative columns (class centre + small noise) interleaved with 4 columns of pure noise with a
 * larger variance: variance picks the noise, mutual information the signal.
 */
function mixedColumns(rows: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const cols = 8;
  const features = new Float32Array(rows * cols);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const y = r % 4;
    labels[r] = y;
    for (let c = 0; c < cols; c++) {
      const informative = c % 2 === 0;
      features[r * cols + c] = informative ? (y === c / 2 ? 1 : 0) + 0.1 * rng.normal() : 3 * rng.normal();
    }
  }
  return { features, labels, rows, cols, numClasses: 4 };
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('feature selection', () => {
  const data = mixedColumns(200, 1);

  it('ranks by variance and by mutual information with the label', () => {
    expect(topK(varianceScores(data), 4)).toEqual([1, 3, 5, 7]);
    expect(topK(mutualInfoScores(data), 4)).toEqual([0, 2, 4, 6]);
    expect(selectFeatures('variance', 4, data)).toEqual([1, 3, 5, 7]);
    expect(selectFeatures('mutual_info', 4, data)).toEqual([0, 2, 4, 6]);
    // A constant column carries no information; ties keep the lower index.
    const constant = { ...data, features: new Float32Array(data.features.length) };
    expect([...mutualInfoScores(constant)]).toEqual(new Array(8).fill(0));
    expect(topK([1, 3, 3, 0], 2)).toEqual([1, 2]);
  });

  it('keeps every column for none or k >= the column count, and projects columns in order', () => {
    expect(selectFeatures('none', 2, data)).toBeNull();
    expect(selectFeatures('variance', 8, data)).toBeNull();
    const projected = projectColumns(data, [2, 5]);
    expect(projected.cols).toBe(2);
    expect([...projected.features.subarray(0, 2)]).toEqual([data.features[2], data.features[5]]);
    expect(projected.labels).toBe(data.labels);
  });

  it('runs before any strategy: mutual information keeps the model accurate, variance keeps the noise', async () => {
    const base = strategyInput({ train: mixedColumns(40, 2), validation: mixedColumns(200, 3) }, { epochs: 15, pretrain_epochs: 0 });
    const mi = await finetune.run({ ...base, recipe: { ...base.recipe, feature_selection: 'mutual_info', feature_k: 4 } });
    const variance = await finetune.run({ ...base, recipe: { ...base.recipe, feature_selection: 'variance', feature_k: 4 } });
    expect(mi.extra?.features).toBe(4);
    expect(mi.metrics.accuracy).toBeGreaterThan(0.9);
    expect(variance.metrics.accuracy).toBeLessThan(0.5);
    // The first layer has 4 inputs: (4 x 32 + 32) + (32 x 16 + 16) + (16 x 4 + 4).
    expect(mi.extra?.params).toBe(4 * 32 + 32 + 32 * 16 + 16 + 16 * 4 + 4);
  });
});
