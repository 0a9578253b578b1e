import { describe, expect, it } from 'vitest';
import { classShares, covariateShift, resamplePriors } from '../../src/data/domain-shift.js';
import { applyTransform, generateSynthetic } from '../../src/data/index.js';
import { estimateTargetPriors, sourceRowWeights } from '../../src/strategies/label-shift.js';

const base = generateSynthetic({ kind: 'synthetic', features: 8, latent: 4, classes: 3, rows: 2000, familySeed: 1, taskSeed: 2, rho: 1, noise: 0.2 });

function columnMoments(values: Float32Array, cols: number, col: number): { mean: number; std: number } {
  const rows = values.length / cols;
  let sum = 0;
  let sq = 0;
  for (let r = 0; r < rows; r++) {
    const v = values[r * cols + col] as number;
    sum += v;
    sq += v * v;
  }
  const mean = sum / rows;
  return { mean, std: Math.sqrt(sq / rows - mean * mean) };
}

describe('covariate shift', () => {
  it('is the identity at 0, keeps the labels, and moves every feature by an amount that grows with the shift', () => {
    expect(covariateShift(base, 0, 5).features).toEqual(base.features);
    const offsets = [1, 2].map((amount) => {
      const shifted = applyTransform(base, { kind: 'shift', amount, seed: 5 });
      expect(shifted.labels).toEqual(base.labels);
      let rms = 0;
      for (let f = 0; f < base.cols; f++) rms += (columnMoments(shifted.features, base.cols, f).mean - columnMoments(base.features, base.cols, f).mean) ** 2;
      return Math.sqrt(rms / base.cols);
    });
    expect(offsets[0]).toBeGreaterThan(0.4);
    expect(offsets[1]! / offsets[0]!).toBeCloseTo(2, 1); // the same direction, twice as far
    expect(() => covariateShift(base, -1, 5)).toThrow(/shift: amount/);
  });
});

describe('label shift', () => {
  it('resamples to the given priors, keeping rows unchanged', () => {
    const shifted = resamplePriors(base, [3, 1, 1], 7);
    const shares = classShares(shifted);
    expect(shares[0]).toBeCloseTo(0.6, 2);
    expect(shares[1]).toBeCloseTo(0.2, 2);
    expect(shifted.rows).toBeGreaterThan(700); // as many as class 0 allows
    // Every kept row is a row of the input, unchanged.
    const first = Array.from(shifted.features.subarray(0, base.cols));
    const found = Array.from({ length: base.rows }, (_, r) => Array.from(base.features.subarray(r * base.cols, (r + 1) * base.cols))).some((row) => row.every((v, i) => v === first[i]));
    expect(found).toBe(true);
    expect(() => resamplePriors(base, [1, 1], 7)).toThrow(/one prior per class/);
  });

  it('BBSE solves mu = C q exactly for a known confusion, and weights source rows by q / p', () => {
    // A classifier right 80% of the time, wrong uniformly otherwise; target priors (0.5, 0.3, 0.2).
    const labels: number[] = [];
    const predictions: number[] = [];
    for (let y = 0; y < 3; y++) for (let i = 0; i < 10; i++) (labels.push(y), predictions.push(i < 8 ? y : (y + 1 + (i % 2)) % 3));
    const q = [0.5, 0.3, 0.2];
    // Unlabelled predictions in the shares mu = C q: 0.8 q_i + 0.1 (1 - q_i).
    const unlabelled: number[] = [];
    q.forEach((qi, i) => unlabelled.push(...new Array<number>(Math.round(1000 * (0.8 * qi + 0.1 * (1 - qi)))).fill(i)));
    const source = Int32Array.from({ length: 300 }, (_, i) => i % 3);
    const estimate = estimateTargetPriors({ labels: Int32Array.from(labels), predictions: Int32Array.from(predictions) }, Int32Array.from(unlabelled), source, 3);
    estimate.priors.forEach((p, k) => expect(p).toBeCloseTo(q[k]!, 4));
    estimate.weights.forEach((w, k) => expect(w).toBeCloseTo(q[k]! * 3, 3));
    const rows = sourceRowWeights(source, estimate.weights);
    expect(rows.reduce((a, b) => a + b) / rows.length).toBeCloseTo(1, 5);
    expect(rows[0]! / rows[2]!).toBeCloseTo(2.5, 3);
  });
});
