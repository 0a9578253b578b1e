// Robust aggregates against values computed by hand.
import { describe, expect, test } from 'vitest';
import { aggregate, cvar, mean, meanMinusStd, median, sampleStd } from '../../src/metrics/aggregate.js';

// Four units (2 targets x 2 seeds): 0.9, 0.5, 0.7, 0.3.
const UNITS = [0.9, 0.5, 0.7, 0.3];

describe('aggregate', () => {
  test('mean and median', () => {
    expect(mean(UNITS)).toBeCloseTo(0.6, 12);
    expect(median(UNITS)).toBeCloseTo(0.6, 12); // (0.5 + 0.7) / 2
    expect(median([3, 1, 2])).toBe(2);
  });

  test('worst follows the direction', () => {
    expect(aggregate(UNITS, 'worst', 'maximize')).toBe(0.3);
    expect(aggregate(UNITS, 'worst', 'minimize')).toBe(0.9);
  });

  test('sample std: sqrt(sum of squared deviations / (n - 1))', () => {
    // deviations 0.3, -0.1, 0.1, -0.3 -> squares sum 0.2 -> 0.2 / 3
    expect(sampleStd(UNITS)).toBeCloseTo(Math.sqrt(0.2 / 3), 12);
    expect(sampleStd([5])).toBe(0);
  });

  test('cvar averages the worst alpha fraction, the boundary unit fractionally', () => {
    expect(cvar(UNITS, 0.25, 'maximize')).toBeCloseTo(0.3, 12); // worst 1 of 4
    expect(cvar(UNITS, 0.5, 'maximize')).toBeCloseTo(0.4, 12); // (0.3 + 0.5) / 2
    // alpha 0.375: 1.5 units -> (0.3 + 0.5 * 0.5) / 1.5
    expect(cvar(UNITS, 0.375, 'maximize')).toBeCloseTo(0.55 / 1.5, 12);
    expect(cvar(UNITS, 1, 'maximize')).toBeCloseTo(0.6, 12); // alpha 1 is the mean
    expect(cvar(UNITS, 0.01, 'maximize')).toBeCloseTo(0.3, 12); // below 1/n: the worst unit
    expect(cvar(UNITS, 0.5, 'minimize')).toBeCloseTo(0.8, 12); // (0.9 + 0.7) / 2
    expect(aggregate(UNITS, 'cvar', 'maximize', { alpha: 0.5 })).toBeCloseTo(0.4, 12);
    expect(aggregate(UNITS, 'cvar', 'maximize')).toBeCloseTo(0.3, 12); // default alpha 0.25
  });

  test('mean minus lambda std penalises spread in the direction of the objective', () => {
    const std = Math.sqrt(0.2 / 3);
    expect(meanMinusStd(UNITS, 1, 'maximize')).toBeCloseTo(0.6 - std, 12);
    expect(meanMinusStd(UNITS, 2, 'maximize')).toBeCloseTo(0.6 - 2 * std, 12);
    expect(meanMinusStd(UNITS, 1, 'minimize')).toBeCloseTo(0.6 + std, 12);
    expect(meanMinusStd(UNITS, 0, 'maximize')).toBeCloseTo(0.6, 12);
    expect(aggregate(UNITS, 'mean_minus_std', 'maximize', { lambda: 0.5 })).toBeCloseTo(0.6 - 0.5 * std, 12);
    // A steady selection beats a better-on-average but erratic one.
    const steady = [0.58, 0.6, 0.59, 0.57];
    expect(mean(steady)).toBeLessThan(mean(UNITS));
    expect(meanMinusStd(steady, 1, 'maximize')).toBeGreaterThan(meanMinusStd(UNITS, 1, 'maximize'));
  });

  test('refuses empty input and out-of-range parameters', () => {
    for (const kind of ['mean', 'median', 'worst', 'cvar', 'mean_minus_std'] as const) {
      expect(() => aggregate([], kind, 'maximize')).toThrow(RangeError);
    }
    expect(() => cvar(UNITS, 0, 'maximize')).toThrow('cvar alpha must be in (0, 1] (got 0)');
    expect(() => cvar(UNITS, 1.5, 'maximize')).toThrow(RangeError);
    expect(() => meanMinusStd(UNITS, -1, 'maximize')).toThrow('mean_minus_std lambda must be >= 0 (got -1)');
  });
});
