import { describe, expect, it } from 'vitest';
import { addNoise, mixup, sampleBeta, sampleGamma } from '../../src/training/augment.js';
import { Rng } from '../../src/util/rng.js';

describe('augmentation', () => {
  it('samples Gamma and Beta with the right means, deterministically per seed', () => {
    for (const shape of [0.3, 1, 4]) {
      const rng = new Rng(1);
      let sum = 0;
      for (let i = 0; i < 20_000; i++) sum += sampleGamma(rng, shape);
      expect(sum / 20_000).toBeCloseTo(shape, 1);
    }
    const rng = new Rng(2);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += sampleBeta(rng, 2, 6);
    expect(sum / 20_000).toBeCloseTo(2 / 8, 2);
    expect(sampleBeta(new Rng(5), 0.4, 0.4)).toBe(sampleBeta(new Rng(5), 0.4, 0.4));
    expect(() => sampleGamma(new Rng(1), 0)).toThrow('gamma shape must be > 0 (got 0)');
  });

  it('mixup mixes every array with one lambda and one pairing, keeping soft targets on the simplex', () => {
    const x = Float32Array.from([0, 0, 10, 10, 20, 20]);
    const y = Float32Array.from([1, 0, 0, 1, 1, 0]);
    const lambda = mixup(new Rng(3), 0.4, 3, [
      { values: x, width: 2 },
      { values: y, width: 2 },
    ]);
    expect(lambda).toBeGreaterThan(0);
    expect(lambda).toBeLessThan(1);
    for (let i = 0; i < 3; i++) {
      expect(y[i * 2]! + y[i * 2 + 1]!).toBeCloseTo(1, 6);
      // Each row is lambda * itself + (1 - lambda) * one row of the batch.
      const partner = (x[i * 2]! - lambda * [0, 10, 20][i]!) / (1 - lambda);
      expect([0, 10, 20].some((v) => Math.abs(v - partner) < 1e-3)).toBe(true);
    }
    const again = Float32Array.from([0, 0, 10, 10, 20, 20]);
    mixup(new Rng(3), 0.4, 3, [{ values: again, width: 2 }]);
    expect(again).toEqual(x);
  });

  it('adds seeded Gaussian noise of the given std', () => {
    const values = new Float32Array(20_000);
    addNoise(values, 0.5, new Rng(4));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(mean).toBeCloseTo(0, 1);
    expect(std).toBeCloseTo(0.5, 1);
    const again = new Float32Array(20_000);
    addNoise(again, 0.5, new Rng(4));
    expect(again.every((v, i) => v === values[i])).toBe(true);
  });
});
