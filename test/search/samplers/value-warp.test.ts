// The gp sampler's value warp (src/search/samplers/value-warp.ts): monotone, the best kept, the far
// tail compressed while the values near the best stay nearly evenly spaced; left alone when there is
// no scale to soften by.
import { describe, expect, it } from 'vitest';
import { compressTail } from '../../../src/search/samplers/value-warp.js';

describe('compressTail', () => {
  it('keeps the order and the best, compresses the far tail, stays near-linear by the best', () => {
    // To maximise: the best is 0; most values lie within 1 of it, two outliers far below.
    const values = [0, -0.1, -0.2, -0.3, -0.5, -0.8, -1, -100, -10000];
    const warped = compressTail(values, 10);
    const order = (xs: readonly number[]) => xs.map((_, i) => i).sort((a, b) => xs[b]! - xs[a]!);
    expect(order(warped)).toEqual(order(values));
    expect(Math.max(...warped)).toBe(warped[0]);
    // Near the best, equal steps in value stay equal steps to within a few percent...
    const step = (i: number, j: number) => warped[i]! - warped[j]!;
    expect(step(0, 1) / step(1, 2)).toBeGreaterThan(0.95);
    expect(step(0, 1) / step(1, 2)).toBeLessThan(1.05);
    // ...while the outlier 10^4 below the best ends a few log units away, not 10^4 steps of 0.1.
    const spread = (xs: readonly number[]) => (xs[0]! - xs[8]!) / (xs[0]! - xs[1]!);
    expect(spread(values)).toBe(100000);
    expect(spread(warped)).toBeLessThan(1000);
  });

  it('returns the values unchanged when half of them tie the best, or with no softness', () => {
    expect(compressTail([1, 1, 1, 0], 10)).toEqual([1, 1, 1, 0]);
    expect(compressTail([3, 3], 10)).toEqual([3, 3]);
    expect(compressTail([0, -1, -5], null)).toEqual([0, -1, -5]);
    expect(compressTail([], 10)).toEqual([]);
  });
});
