// Kendall's tau-b on orderings counted by hand.
import { describe, expect, test } from 'vitest';
import { kendallTau } from '../../src/metrics/rank.js';

describe('kendallTau', () => {
  test('same order, reversed order, one swapped pair', () => {
    expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    // 6 pairs, one discordant: (5 - 1) / 6
    expect(kendallTau([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(4 / 6, 12);
  });

  test('ties shrink the denominator (tau-b); a constant side has no ordering', () => {
    // a = [1, 1, 2], b = [1, 2, 3]: pairs (0,1) tied in a; (0,2), (1,2) concordant -> 2 / sqrt(2 * 3)
    expect(kendallTau([1, 1, 2], [1, 2, 3])).toBeCloseTo(2 / Math.sqrt(6), 12);
    expect(kendallTau([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(() => kendallTau([1], [1, 2])).toThrow(RangeError);
  });
});
