// The pure rules of successive halving: the rung ladder and the top-1/eta promotion test.
import { describe, expect, it } from 'vitest';
import { promotable, rungLadder } from '../../../src/search/schedulers/index.js';

describe('rungLadder', () => {
  it('is min_epochs x eta^k strictly below the trial epochs', () => {
    expect(rungLadder(1, 3, 15)).toEqual([1, 3, 9]);
    expect(rungLadder(1, 3, 9)).toEqual([1, 3]);
    expect(rungLadder(2, 2, 17)).toEqual([2, 4, 8, 16]);
    expect(rungLadder(3, 3, 4)).toEqual([3]);
    expect(rungLadder(5, 3, 5)).toEqual([]);
  });
});

describe('promotable', () => {
  const six = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];

  it('keeps the top 1/eta of the values at the rung (k = floor(n / eta) - 1), ties included', () => {
    // n = 6, eta = 3: the two best go on.
    expect(six.map((v) => promotable(v, six, 3, 1, 'maximize'))).toEqual([true, true, false, false, false, false]);
    // eta = 2: the three best.
    expect(six.map((v) => promotable(v, six, 2, 1, 'maximize'))).toEqual([true, true, true, false, false, false]);
    expect(promotable(0.8, [0.8, 0.8, 0.8], 3, 1, 'maximize')).toBe(true);
  });

  it('mirrors for minimize: the smallest values go on', () => {
    expect(six.map((v) => promotable(v, six, 3, 1, 'minimize'))).toEqual([false, false, false, false, true, true]);
  });

  it('with fewer than eta values only the best so far goes on', () => {
    expect(promotable(0.5, [0.5, 0.6], 3, 1, 'maximize')).toBe(false);
    expect(promotable(0.6, [0.5, 0.6], 3, 1, 'maximize')).toBe(true);
    expect(promotable(0.1, [0.1], 3, 1, 'maximize')).toBe(true);
  });

  it('stops nothing below min_reports values', () => {
    expect(promotable(0.1, [0.9, 0.1], 3, 3, 'maximize')).toBe(true);
    expect(promotable(0.1, [0.9, 0.5, 0.1], 3, 3, 'maximize')).toBe(false);
  });
});
