// The one-sided signed-rank test against scipy.stats.wilcoxon(d, alternative=..., zero_method="zsplit")
// (scipy 1.10.1, the values printed by /usr/bin/python3), one case per branch: the exact table, the
// normal approximation with zeros and with tied magnitudes, all zeros, and the exact table's tail far out.
import { describe, expect, it } from 'vitest';
import { signedRankTest } from '../../src/metrics/wilcoxon.js';

describe('signedRankTest', () => {
  it('no zeros and no ties, up to 50 pairs: the exact null distribution', () => {
    const d = [-0.05, -0.021, 0.01, -0.08, -0.03, -0.04, 0.02, -0.06];
    // R+ = 1 + 2 = 3 of 36: 5 of the 256 sign patterns have R+ <= 3.
    expect(signedRankTest(d, 'less')).toBe(0.01953125);
    expect(signedRankTest(d, 'greater')).toBe(0.98828125);
    // Four pairs all one way: 1/16, the smallest p four units can give.
    expect(signedRankTest([-0.1, -0.2, -0.3, -0.4], 'less')).toBe(0.0625);
    expect(signedRankTest([-0.1, -0.2, -0.3, -0.4], 'greater')).toBe(1);
    const far = [0.3, 0.1, -0.2, 0.5, 0.4, 0.6, -0.05, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9];
    expect(signedRankTest(far, 'greater')).toBeCloseTo(6.67572021484375e-6, 15);
  });

  it('zeros: their ranks split between the signs, normal approximation', () => {
    const d = [0, -0.1, -0.2, 0.05, -0.3, 0, -0.15, -0.25, 0.1, -0.05, -0.35, -0.12];
    expect(signedRankTest(d, 'less')).toBeCloseTo(0.012600485280457723, 6);
    expect(signedRankTest(d, 'greater')).toBeCloseTo(0.9873995147195422, 6);
  });

  it('tied magnitudes: average ranks and the tie-corrected variance (scipy method="approx")', () => {
    const d = [-0.1, -0.1, 0.1, -0.2, -0.2, -0.3, 0.05, -0.05, -0.1, -0.2, -0.3, -0.15];
    expect(signedRankTest(d, 'less')).toBeCloseTo(0.004596231177729548, 6);
    expect(signedRankTest(d, 'greater')).toBeCloseTo(0.9954037688222704, 6);
    // Tied 0.02s among 8 pairs: the approximation too (scipy 1.10's exact table truncates R+ = 3.5).
    expect(signedRankTest([-0.05, -0.02, 0.01, -0.08, -0.03, -0.04, 0.02, -0.06], 'less')).toBeCloseTo(0.021031366678383037, 6);
  });

  it('all zeros give 0.5 either way, and no pairs no answer', () => {
    expect(signedRankTest([0, 0, 0], 'less')).toBeCloseTo(0.5, 6);
    expect(signedRankTest([0, 0, 0], 'greater')).toBeCloseTo(0.5, 6);
    expect(signedRankTest([], 'less')).toBeNaN();
  });
});
