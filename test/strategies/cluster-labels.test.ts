// Cluster pseudo-labels (selftrain's pseudo_labels: clusters): k-means itself, and that on well
// separated clusters with very few labelled rows they beat confident predictions.
import { beforeAll, describe, expect, it } from 'vitest';
import { bestKmeans, kmeans } from '../../src/metrics/kmeans.js';
import { selftrain } from '../../src/strategies/index.js';
import { clusterPseudoLabels } from '../../src/strategies/cluster-labels.js';
import { initBackend } from '../../src/worker/backend.js';
import { blobs, familyTask, strategyInput } from './helpers.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** 4 class centres in 8 dimensions, class c at spread x e_c: every pair spread x sqrt(2) apart. */
function separated(spread: number): Float32Array {
  const centres = new Float32Array(4 * 8);
  for (let c = 0; c < 4; c++) centres[c * 8 + c] = spread;
  return centres;
}

describe('kmeans', () => {
  it('recovers well separated clusters, is seeded, and refuses k outside 1..n', () => {
    const ds = blobs(separated(8), 4, 200, 5, 0.5);
    const { assignment, inertia } = bestKmeans(ds.features, ds.rows, ds.cols, 4, 3);
    // Each cluster holds exactly one class (up to naming).
    const clusterOf = new Map<number, number>();
    for (let i = 0; i < ds.rows; i++) {
      const seen = clusterOf.get(ds.labels[i]!);
      if (seen === undefined) clusterOf.set(ds.labels[i]!, assignment[i]!);
      else expect(assignment[i]).toBe(seen);
    }
    expect(new Set(clusterOf.values()).size).toBe(4);
    expect(inertia).toBeGreaterThan(0);
    expect(kmeans(ds.features, ds.rows, ds.cols, 4, 9).assignment).toEqual(kmeans(ds.features, ds.rows, ds.cols, 4, 9).assignment);
    expect(() => kmeans(ds.features, 3, ds.cols, 4, 1)).toThrow(RangeError);
  });

  it('names clusters by the labelled rows in them; a cluster without one labels nothing', () => {
    const ds = blobs(separated(8), 4, 200, 6, 0.5);
    // Labelled rows of classes 0 and 1 only (rows 0, 1, 4, 5 of the round-robin labels).
    const pick = [0, 1, 4, 5];
    const labelled = {
      ...ds,
      rows: pick.length,
      features: Float32Array.from(pick.flatMap((r) => Array.from(ds.features.subarray(r * 8, (r + 1) * 8)))),
      labels: Int32Array.from(pick.map((r) => ds.labels[r]!)),
    };
    const out = clusterPseudoLabels(null, labelled, ds, 4, 2);
    expect(out.named).toBe(2);
    expect(out.rows.rows).toBe(100); // the 100 pool rows of classes 0 and 1
    expect(out.correct).toBe(100);
    expect(new Set(out.rows.labels)).toEqual(new Set([0, 1]));
  });
});

describe('selftrain with pseudo_labels: clusters', () => {
  it('beats confidence pseudo-labels where the clusters are well separated (8 labelled rows, 3 seeds)', async () => {
    const margins: number[] = [];
    for (const seed of [1, 2, 3]) {
      const centres = separated(3);
      const train = blobs(centres, 4, 8, 100 + seed);
      const validation = blobs(centres, 4, 600, 200 + seed);
      const base = { ...strategyInput({ train, validation }, { strategy: 'selftrain', epochs: 20, pretrain_epochs: 0, freeze_layers: 0 }), seed };
      const confidence = await selftrain.run(base);
      const clusters = await selftrain.run({ ...base, recipe: { ...base.recipe, pseudo_labels: 'clusters' } });
      // Measured: accuracy 0.74-0.88 (confidence) against 0.91-0.95 (clusters); pseudo-label
      // accuracy 0.85-0.93 against 0.96-0.98, with every pool row labelled.
      expect(clusters.metrics.accuracy, `seed ${seed}`).toBeGreaterThan(confidence.metrics.accuracy + 0.03);
      expect(clusters.extra!.pseudo_label_accuracy!, `seed ${seed}`).toBeGreaterThan(confidence.extra!.pseudo_label_accuracy!);
      expect(clusters.extra!.pseudo_labelled).toBe(clusters.extra!.unlabelled);
      margins.push(clusters.metrics.accuracy - confidence.metrics.accuracy);
    }
    expect(margins.reduce((a, b) => a + b) / margins.length).toBeGreaterThan(0.08);
  });

  it('with transfer clusters the model features; through feature selection, compression and export', async () => {
    const train = familyTask(1, 99, 40);
    const validation = familyTask(1, 98, 300);
    const result = await selftrain.run({
      ...strategyInput(
        { train, validation, sources: [familyTask(0.9, 10, 300)] },
        { strategy: 'selftrain', pseudo_labels: 'clusters', epochs: 6, feature_selection: 'variance', feature_k: 10, prune_sparsity: 0.5, quantize: 'int8' },
      ),
      artifact: true,
    });
    expect(result.extra).toMatchObject({ features: 10 });
    expect(result.extra!.pseudo_labelled).toBeGreaterThan(0);
    expect(result.extra!.pseudo_label_accuracy).toBeGreaterThan(0.4); // 4 classes
    expect(result.artifact!.meta.recipe.pseudo_labels).toBe('clusters');
  });
});
