import { describe, expect, it } from 'vitest';
import { applyScaling, fitScaling, rowCopier, scaledLazily, SCALING_CLIP } from '../../src/data/scaling.js';
import { concatDatasets } from '../../src/data/rows.js';
import { holdOutTest, splitTarget } from '../../src/data/index.js';
import { alignLabels, foreignClasses } from '../../src/data/labels.js';
import type { Dataset } from '../../src/data/types.js';

function rows(values: number[][], labels: number[] = values.map(() => 0), numClasses = 2): Dataset {
  return { features: Float32Array.from(values.flat()), labels: Int32Array.from(labels), rows: values.length, cols: values[0]!.length, numClasses };
}

describe('scaling', () => {
  it('standard: zero mean and unit (population) variance over every row of the fitted tasks', () => {
    const a = rows([[1, 10], [3, 10]]);
    const b = rows([[5, 10]]);
    const stats = fitScaling('standard', [a, b]);
    expect(stats.offset).toEqual([3, 10]);
    expect(stats.scale[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    // A constant column gets scale 1: it maps to 0 rather than dividing by zero.
    expect(stats.scale[1]).toBe(1);
    const scaled = applyScaling(a, stats);
    expect(scaled.features[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 6);
    expect(scaled.features[1]).toBe(0);
    expect(scaled.labels).toBe(a.labels);
  });

  it('rows with missing values (missing: impute): statistics over the values present, NaN filled with the mean', () => {
    const withHoles = (values: number[][]): Dataset => ({ ...rows(values), imputed: true });
    const a = withHoles([[1, NaN, NaN], [3, 10, NaN]]);
    const b = withHoles([[NaN, 20, NaN], [5, 30, NaN]]);
    const stats = fitScaling('standard', [a, b]);
    // Column 0 over 1, 3, 5; column 1 over 10, 20, 30; column 2 has no value: centred at 0, scale 1.
    expect(stats.offset).toEqual([3, 20, 0]);
    expect(stats.scale[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(stats.scale[2]).toBe(1);
    expect([...applyScaling(a, stats).features].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([-1.224745, 0, 0, 0, -1.224745, 0]);
    // The same columns without a hole: the same bits as the fit for rows without missing values.
    const full = rows([[1, 10], [3, 20], [5, 30]]);
    expect(fitScaling('standard', [{ ...full, imputed: true }])).toEqual(fitScaling('standard', [full]));
    // Sources scaled lazily fill theirs too, row by row and whole (pre-training's concatenation).
    const lazy = scaledLazily(b, stats);
    const row = new Float32Array(3);
    rowCopier(lazy)(0, row, 0);
    expect([...row]).toEqual([0, 0, 0]);
    const joined = concatDatasets([lazy, scaledLazily(a, stats)]);
    expect(joined.features.some((v) => Number.isNaN(v))).toBe(false);
    expect(joined.imputed).toBe(true);
  });

  it('minmax maps the fitted range to [0, 1]; a single row and far-away values are handled', () => {
    const stats = fitScaling('minmax', [rows([[2, -1], [4, 1]])]);
    expect(stats).toEqual({ kind: 'minmax', offset: [2, -1], scale: [2, 2] });
    const scaled = applyScaling(rows([[3, 1], [1e9, -1e9]]), stats);
    expect([...scaled.features]).toEqual([0.5, 1, SCALING_CLIP, -SCALING_CLIP]);
    const single = fitScaling('standard', [rows([[7, 8]])]);
    expect(single).toEqual({ kind: 'standard', offset: [7, 8], scale: [1, 1] });
    expect(() => fitScaling('standard', [])).toThrow(/at least one/);
  });

  it('the test rows are held out once per seed, disjoint from every unit split, whatever the unit seed', () => {
    const ds = rows(Array.from({ length: 40 }, (_, i) => [i, i % 3]), Array.from({ length: 40 }, (_, i) => i % 2));
    const { test, rest } = holdOutTest(ds, { share: 0.25, seed: 9 });
    expect(test!.rows).toBe(10);
    expect(rest.rows).toBe(30);
    const testIds = new Set(test!.features.filter((_, i) => i % 2 === 0));
    for (const seed of [1, 2, 3]) {
      const split = splitTarget(rest, 6, seed);
      for (const part of [split.train, split.validation]) {
        for (let r = 0; r < part.rows; r++) expect(testIds.has(part.features[r * 2]!)).toBe(false);
      }
      expect(split.train.rows + split.validation.rows).toBe(30);
    }
    expect(holdOutTest(ds, { share: 0.25, seed: 9 }).test!.features).toEqual(test!.features);
    expect(holdOutTest(ds, { rows: 4, seed: 9 }).test!.rows).toBe(4);
    expect(() => holdOutTest(ds, { rows: 40, seed: 9 })).toThrow(/leaves no rows/);
  });

  it('labels are matched by value for a kept head, and foreign values are named', () => {
    const target = { ...rows([[0], [1], [2]], [0, 1, 2], 3), classNames: ['2', '4', '6'] };
    const source = { ...rows([[0], [1]], [0, 1], 2), classNames: ['4', '6'] };
    const aligned = alignLabels(source, target, 'src');
    expect([...aligned.labels]).toEqual([1, 2]);
    expect(aligned.numClasses).toBe(3);
    const foreign = { ...source, classNames: ['4', '8'] };
    expect(foreignClasses(foreign, target)).toEqual(['8']);
    expect(() => alignLabels(foreign, target, 'src')).toThrow('source "src" has labels "8" that the target does not have');
  });
});
