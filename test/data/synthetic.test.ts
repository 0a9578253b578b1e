import { describe, expect, it } from 'vitest';
import { generateSynthetic, type SyntheticSpec } from '../../src/data/synthetic.js';
import type { Dataset } from '../../src/data/types.js';
import { classCounts, expectDataError, expectSameValues, sameValues } from './helpers.js';

const base: SyntheticSpec = {
  kind: 'synthetic',
  features: 16,
  latent: 8,
  classes: 4,
  rows: 600,
  familySeed: 11,
  rho: 1,
  taskSeed: 1,
  noise: 0.3,
};

/** Nearest-centroid classifier: one mean feature vector per class. */
function fitCentroids(ds: Dataset): Float64Array {
  const centroids = new Float64Array(ds.numClasses * ds.cols);
  const counts = classCounts(ds);
  for (let i = 0; i < ds.rows; i++) {
    const y = ds.labels[i] as number;
    for (let f = 0; f < ds.cols; f++) {
      centroids[y * ds.cols + f] = (centroids[y * ds.cols + f] as number) + (ds.features[i * ds.cols + f] as number);
    }
  }
  for (let k = 0; k < ds.numClasses; k++) {
    for (let f = 0; f < ds.cols; f++) centroids[k * ds.cols + f] = (centroids[k * ds.cols + f] as number) / Math.max(1, counts[k] as number);
  }
  return centroids;
}

function accuracy(centroids: Float64Array, ds: Dataset): number {
  let correct = 0;
  for (let i = 0; i < ds.rows; i++) {
    let best = -1;
    let bestDistance = Infinity;
    for (let k = 0; k < ds.numClasses; k++) {
      let distance = 0;
      for (let f = 0; f < ds.cols; f++) {
        distance += ((ds.features[i * ds.cols + f] as number) - (centroids[k * ds.cols + f] as number)) ** 2;
      }
      if (distance < bestDistance) {
        bestDistance = distance;
        best = k;
      }
    }
    if (best === ds.labels[i]) correct++;
  }
  return correct / ds.rows;
}

describe('generateSynthetic', () => {
  it('has the requested shape and label space', () => {
    const ds = generateSynthetic(base);
    expect(ds.rows).toBe(600);
    expect(ds.cols).toBe(16);
    expect(ds.numClasses).toBe(4);
    expect(ds.features.length).toBe(600 * 16);
    expect(ds.labels.every((y) => y >= 0 && y < 4)).toBe(true);
    expect(ds.features.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('is deterministic for a given spec and differs across seeds', () => {
    const a = generateSynthetic(base);
    const b = generateSynthetic({ ...base });
    expectSameValues(a.features, b.features);
    expectSameValues(a.labels, b.labels);
    const otherTask = generateSynthetic({ ...base, taskSeed: 2 });
    expect(sameValues(a.features, otherTask.features)).toBe(false);
    const otherFamily = generateSynthetic({ ...base, familySeed: 12 });
    expect(sameValues(a.features, otherFamily.features)).toBe(false);
  });

  it('more rows extend the same task (the first rows are unchanged)', () => {
    const small = generateSynthetic({ ...base, rows: 100 });
    const large = generateSynthetic({ ...base, rows: 300 });
    expectSameValues(large.features.subarray(0, 100 * 16), small.features);
    expectSameValues(large.labels.subarray(0, 100), small.labels);
  });

  it('has features of about unit scale, plus the observation noise', () => {
    const clean = generateSynthetic({ ...base, noise: 0, rows: 2000 });
    const noisy = generateSynthetic({ ...base, noise: 1, rows: 2000 });
    const meanSquare = (ds: Dataset): number => ds.features.reduce((s, v) => s + v * v, 0) / ds.features.length;
    expect(meanSquare(clean)).toBeGreaterThan(0.6);
    expect(meanSquare(clean)).toBeLessThan(1.5);
    expect(meanSquare(noisy) - meanSquare(clean)).toBeGreaterThan(0.8);
    expect(meanSquare(noisy) - meanSquare(clean)).toBeLessThan(1.2);
  });

  it('gives every class at least 5% of the rows (3 and 4 classes, many families)', () => {
    for (const classes of [3, 4]) {
      for (let familySeed = 0; familySeed < 30; familySeed++) {
        for (const rho of [1, 0.5, 0, -0.9]) {
          const ds = generateSynthetic({ ...base, classes, rows: 400, familySeed, rho, taskSeed: familySeed + 100 });
          for (const count of classCounts(ds)) expect(count / ds.rows).toBeGreaterThanOrEqual(0.05);
        }
      }
    }
  });

  it('rho = 1 tasks of one family share their labelling rule', () => {
    const a = generateSynthetic({ ...base, taskSeed: 1 });
    const b = generateSynthetic({ ...base, taskSeed: 2 });
    expect(sameValues(a.features, b.features)).toBe(false);
    expect(accuracy(fitCentroids(a), b)).toBeGreaterThan(0.55);
  });

  it('transfer by construction: a rho = 0.95 source beats a rho = -0.9 source on the rho = 1 target', () => {
    for (const familySeed of [11, 12, 13]) {
      const family = { ...base, familySeed };
      const target = generateSynthetic({ ...family, rho: 1, taskSeed: 100 });
      const related = generateSynthetic({ ...family, rho: 0.95, taskSeed: 200 });
      const unrelated = generateSynthetic({ ...family, rho: 0, taskSeed: 300 });
      const anti = generateSynthetic({ ...family, rho: -0.9, taskSeed: 400 });
      const fromRelated = accuracy(fitCentroids(related), target);
      const fromUnrelated = accuracy(fitCentroids(unrelated), target);
      const fromAnti = accuracy(fitCentroids(anti), target);
      expect(fromRelated - fromAnti).toBeGreaterThan(0.2);
      // And the ordering in between: related > unrelated > anti-related.
      expect(fromRelated).toBeGreaterThan(fromUnrelated);
      expect(fromUnrelated).toBeGreaterThan(fromAnti);
      // An anti-related source does worse than guessing (4 classes): negative transfer.
      expect(fromAnti).toBeLessThan(0.25);
    }
  });
});

describe('generateSynthetic: spec validation', () => {
  const cases: [Partial<SyntheticSpec>, string][] = [
    [{ features: 0 }, 'synthetic dataset: features must be an integer in [1, 10000] (got 0)'],
    [{ latent: 1.5 }, 'synthetic dataset: latent must be an integer in [1, 1000] (got 1.5)'],
    [{ classes: 1 }, 'synthetic dataset: classes must be an integer in [2, 1000] (got 1)'],
    [{ rows: 0 }, 'synthetic dataset: rows must be an integer in [1, 1000000] (got 0)'],
    [
      { rows: 1_000_000, features: 100 },
      'synthetic dataset: rows x features must be at most 50000000 (got 100000000)',
    ],
    [{ rho: 1.5 }, 'synthetic dataset: rho must be a number in [-1, 1] (got 1.5)'],
    [{ rho: Number.NaN }, 'synthetic dataset: rho must be a number in [-1, 1] (got NaN)'],
    [{ noise: -0.1 }, 'synthetic dataset: noise must be a finite number >= 0 (got -0.1)'],
    [{ familySeed: 0.5 }, 'synthetic dataset: familySeed must be an integer (got 0.5)'],
    [{ taskSeed: Number.POSITIVE_INFINITY }, 'synthetic dataset: taskSeed must be an integer (got Infinity)'],
  ];
  for (const [change, message] of cases) {
    it(message, () => {
      expectDataError(() => generateSynthetic({ ...base, ...change }), message);
    });
  }
});
