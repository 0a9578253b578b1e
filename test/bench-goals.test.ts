// bench/goals.ts: the true / false / null logic every benchmark's `goals_met` is built with.
import { describe, expect, it } from 'vitest';
import { goal } from '../bench/goals.js';

describe('bench goals', () => {
  it('compares ours with the peer or threshold', () => {
    expect(goal(1, 2, '<')).toBe(true);
    expect(goal(2, 2, '<')).toBe(false);
    expect(goal(2, 2, '<=')).toBe(true);
    expect(goal(3, 2, '>')).toBe(true);
    expect(goal(2, 2, '>=')).toBe(true);
    expect(goal(1, 2, '>=')).toBe(false);
    expect(goal(5, 5, '==')).toBe(true);
    expect(goal(4, 5, '==')).toBe(false);
  });

  it('is null when either side is missing', () => {
    expect(goal(null, 2, '<')).toBeNull();
    expect(goal(1, undefined, '<')).toBeNull();
    expect(goal(Number.NaN, 2, '<')).toBeNull();
    expect(goal(1, Number.NaN, '>')).toBeNull();
  });
});
