// Hypervolume and Pareto dominance against values worked out by hand and by an independent count
// (a fine grid over the box), in 1, 2, 3 and 4 objectives.
import { describe, expect, it } from 'vitest';
import { hypervolume } from '../../src/metrics/hypervolume.js';
import { dominates, nondominatedRanks, paretoFront } from '../../src/metrics/pareto.js';
import { Rng } from '../../src/util/rng.js';

/** The dominated share of the box [0, ref] counted on a grid of cell centres: an estimate independent of the sweep. */
function gridVolume(points: readonly number[][], reference: readonly number[], cells: number): number {
  const d = reference.length;
  let inside = 0;
  const index = new Array<number>(d).fill(0);
  const total = cells ** d;
  for (let n = 0; n < total; n++) {
    let rest = n;
    for (let k = 0; k < d; k++) {
      index[k] = rest % cells;
      rest = Math.floor(rest / cells);
    }
    const centre = index.map((i, k) => ((i + 0.5) / cells) * reference[k]!);
    if (points.some((p) => p.every((v, k) => v <= centre[k]!))) inside++;
  }
  return (inside / total) * reference.reduce((a, r) => a * r, 1);
}

describe('hypervolume', () => {
  it('is the box of one point', () => {
    expect(hypervolume([[1, 2]], [3, 3])).toBe(2);
    expect(hypervolume([[0.5]], [2])).toBe(1.5);
    expect(hypervolume([[1, 1, 1]], [2, 3, 4])).toBe(6);
  });

  it('is exact for a 2-D staircase, and ignores dominated, duplicate and outside points', () => {
    // Steps (1,3), (2,2), (3,1) under (4,4): strips 1x1 + 1x2 + 1x3 = 6.
    const front = [
      [1, 3],
      [2, 2],
      [3, 1],
    ];
    expect(hypervolume(front, [4, 4])).toBe(6);
    expect(hypervolume([...front, [2.5, 2.5], [2, 2], [5, 0], [0, 4]], [4, 4])).toBe(6);
    expect(hypervolume([], [4, 4])).toBe(0);
  });

  it('is exact in 3-D: two overlapping boxes by inclusion-exclusion', () => {
    // Boxes [1,4]x[2,4]x[3,4] = 3*2*1 = 6 and [2,4]x[1,4]x[2,4] = 2*3*2 = 12; overlap [2,4]x[2,4]x[3,4] = 4.
    expect(hypervolume([[1, 2, 3], [2, 1, 2]], [4, 4, 4])).toBe(14);
  });

  it('is exact for the DTLZ-style simplex corners (3-D)', () => {
    // (1,0,0), (0,1,0), (0,0,1) under (2,2,2): 3 boxes of 1x2x2 = 4 each, pairwise overlaps 1x1x2 = 2, triple 1.
    expect(hypervolume([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [2, 2, 2])).toBe(3 * 4 - 3 * 2 + 1);
  });

  it('agrees with a grid count on random fronts in 2, 3 and 4 objectives', () => {
    const rng = new Rng(18);
    for (const [d, cells] of [
      [2, 400],
      [3, 60],
      [4, 24],
    ] as const) {
      const points = Array.from({ length: 12 }, () => Array.from({ length: d }, () => rng.uniform(0.05, 0.95)));
      const reference = new Array<number>(d).fill(1);
      // A cell-centre count is off by at most the cells along the boundary: about d / cells of the box.
      expect(Math.abs(hypervolume(points, reference) - gridVolume(points, reference, cells))).toBeLessThan((1.5 * d) / cells);
    }
  });

  it('refuses a point of the wrong length and an empty reference', () => {
    expect(() => hypervolume([[1, 2, 3]], [4, 4])).toThrow(RangeError);
    expect(() => hypervolume([], [])).toThrow(RangeError);
  });
});

describe('Pareto dominance', () => {
  it('dominates only when no worse everywhere and better somewhere', () => {
    expect(dominates([1, 2], [2, 2])).toBe(true);
    expect(dominates([1, 2], [1, 2])).toBe(false);
    expect(dominates([1, 3], [2, 2])).toBe(false);
  });

  it('ranks fronts by peeling and lists the non-dominated points', () => {
    const points = [
      [1, 4],
      [2, 2],
      [3, 3],
      [4, 1],
      [5, 5],
      [2, 2],
    ];
    expect([...nondominatedRanks(points)]).toEqual([0, 0, 1, 0, 2, 0]);
    expect(paretoFront(points)).toEqual([0, 1, 3, 5]);
  });
});
