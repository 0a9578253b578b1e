import { describe, expect, it } from 'vitest';
import { loadCsv } from '../../src/data/csv.js';
import { applyTransform, applyTransforms, labelPermutation } from '../../src/data/transforms.js';
import type { Dataset } from '../../src/data/types.js';
import {
  DIGITS,
  classCounts,
  expectDataError,
  expectSameValues,
  indexedDataset,
  rowIds,
  sameValues,
} from './helpers.js';

const digits = loadCsv(DIGITS, 'label');
const digitsCopy = { features: digits.features.slice(), labels: digits.labels.slice() };

/** A one-row dataset holding a side x side image given row by row. */
function image(side: number, pixels: number[]): Dataset {
  return { features: Float32Array.from(pixels), labels: Int32Array.of(0), rows: 1, cols: side * side, numClasses: 2 };
}

function centreOfMass(ds: Dataset, row: number): [number, number] {
  const side = Math.sqrt(ds.cols);
  let mass = 0;
  let x = 0;
  let y = 0;
  for (let p = 0; p < ds.cols; p++) {
    const v = ds.features[row * ds.cols + p] as number;
    mass += v;
    x += v * (p % side);
    y += v * Math.floor(p / side);
  }
  return [x / mass - (side - 1) / 2, y / mass - (side - 1) / 2];
}

describe('rotate', () => {
  it('by 0 (and 360) is the identity', () => {
    const same = applyTransform(digits, { kind: 'rotate', degrees: 0 });
    expectSameValues(same.features, digits.features);
    expectSameValues(same.labels, digits.labels);
    expect(same.features === digits.features).toBe(false); // fresh arrays (not.toBe would deep-compare 115k values)
    expectSameValues(applyTransform(digits, { kind: 'rotate', degrees: 360 }).features, digits.features);
  });

  it('by 90 four times returns the original exactly', () => {
    const turn = { kind: 'rotate', degrees: 90 } as const;
    const once = applyTransform(digits, turn);
    expect(sameValues(once.features, digits.features)).toBe(false);
    const back = applyTransforms(digits, [turn, turn, turn, turn]);
    expectSameValues(back.features, digits.features);
    // -90 undoes 90, and 180 reverses the pixel order.
    expectSameValues(applyTransform(once, { kind: 'rotate', degrees: -90 }).features, digits.features);
    const half = applyTransform(digits, { kind: 'rotate', degrees: 180 });
    expect(Array.from(half.features.subarray(0, 64))).toEqual(Array.from(digits.features.subarray(0, 64)).reverse());
  });

  it('turns counter-clockwise as displayed (rows top to bottom)', () => {
    // 1 2 3        3 6 9
    // 4 5 6   →    2 5 8
    // 7 8 9        1 4 7
    const turned = applyTransform(image(3, [1, 2, 3, 4, 5, 6, 7, 8, 9]), { kind: 'rotate', degrees: 90 });
    expect(Array.from(turned.features)).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
  });

  it('moves mass: a pixel right of centre goes above it, an asymmetric digit changes', () => {
    const pixels = new Array<number>(64).fill(0);
    pixels[3 * 8 + 7] = 10; // row 3, right edge
    pixels[4 * 8 + 7] = 10; // row 4, right edge
    const turned = applyTransform(image(8, pixels), { kind: 'rotate', degrees: 90 });
    const [x, y] = centreOfMass(turned, 0);
    expect(x).toBeCloseTo(0, 10);
    expect(y).toBeCloseTo(-3.5, 10);
    // At 30° the centre of mass of an off-centre blob turns by about 30° about the image centre.
    const blob = new Array<number>(64).fill(0);
    for (const [r, c] of [[3, 5], [3, 6], [4, 5], [4, 6]] as const) blob[r * 8 + c] = 8;
    const [x0, y0] = centreOfMass(image(8, blob), 0);
    const [x1, y1] = centreOfMass(applyTransform(image(8, blob), { kind: 'rotate', degrees: 30 }), 0);
    const angle = (a: number, b: number): number => Math.atan2(-b, a); // y grows downwards
    const turnedBy = ((angle(x1, y1) - angle(x0, y0)) * 180) / Math.PI;
    expect(turnedBy).toBeGreaterThan(27);
    expect(turnedBy).toBeLessThan(33);
    expect(Math.hypot(x1, y1)).toBeCloseTo(Math.hypot(x0, y0), 0);
    // A digit is not rotation-symmetric: every one of them changes.
    const rotated = applyTransform(digits, { kind: 'rotate', degrees: 30 });
    for (let row = 0; row < digits.rows; row++) {
      const start = row * 64;
      expect(sameValues(rotated.features.subarray(start, start + 64), digits.features.subarray(start, start + 64))).toBe(false);
    }
  });

  it('fills with zero outside the image and keeps values in range', () => {
    const rotated = applyTransform(digits, { kind: 'rotate', degrees: 45 });
    expect(rotated.features.every((v) => v >= 0 && v <= 16 + 1e-4)).toBe(true);
    // The corners come from outside the original square.
    const ones = image(8, new Array<number>(64).fill(1));
    const turned = applyTransform(ones, { kind: 'rotate', degrees: 45 });
    expect(turned.features[0]).toBe(0);
    expect(turned.features[27]).toBeCloseTo(1, 6);
  });

  it('needs square images', () => {
    const ds = indexedDataset(4, 63, 2, (i) => i % 2);
    expectDataError(
      () => applyTransform(ds, { kind: 'rotate', degrees: 90 }),
      'rotate needs square images: 63 features is not a square',
    );
  });

  it('rejects a non-finite angle', () => {
    expectDataError(
      () => applyTransform(digits, { kind: 'rotate', degrees: Number.NaN }),
      'rotate: degrees must be a finite number (got NaN)',
    );
  });
});

describe('noise', () => {
  it('adds seeded Gaussian noise of the given std', () => {
    const a = applyTransform(digits, { kind: 'noise', std: 0.5, seed: 1 });
    const b = applyTransform(digits, { kind: 'noise', std: 0.5, seed: 1 });
    const c = applyTransform(digits, { kind: 'noise', std: 0.5, seed: 2 });
    expectSameValues(a.features, b.features);
    expect(sameValues(a.features, c.features)).toBe(false);
    expectSameValues(a.labels, digits.labels);
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < a.features.length; i++) {
      const d = (a.features[i] as number) - (digits.features[i] as number);
      sum += d;
      squares += d * d;
    }
    const n = a.features.length;
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.sqrt(squares / n)).toBeCloseTo(0.5, 2);
  });

  it('with std 0 leaves the features unchanged', () => {
    expectSameValues(applyTransform(digits, { kind: 'noise', std: 0, seed: 3 }).features, digits.features);
  });

  it('rejects a negative std and a non-integer seed', () => {
    expectDataError(
      () => applyTransform(digits, { kind: 'noise', std: -1, seed: 1 }),
      'noise: std must be a finite number >= 0 (got -1)',
    );
    expectDataError(
      () => applyTransform(digits, { kind: 'noise', std: 1, seed: 1.5 }),
      'noise: seed must be an integer (got 1.5)',
    );
  });
});

describe('random_labels', () => {
  it('relabels exactly the seeded share of rows with uniform classes, leaving features and the rest alone', () => {
    const all = applyTransform(digits, { kind: 'random_labels', share: 1, seed: 3 });
    expectSameValues(all.features, digits.features);
    expect(all.numClasses).toBe(10);
    // Uniform over 10 classes: about a tenth of the rows keep their label, and every class shows up.
    const kept = digits.labels.filter((l, i) => all.labels[i] === l).length / digits.rows;
    expect(kept).toBeGreaterThan(0.06);
    expect(kept).toBeLessThan(0.14);
    expect(new Set(all.labels).size).toBe(10);
    expectSameValues(applyTransform(digits, { kind: 'random_labels', share: 1, seed: 3 }).labels, all.labels);
    expect(sameValues(applyTransform(digits, { kind: 'random_labels', share: 1, seed: 4 }).labels, all.labels)).toBe(false);

    const half = applyTransform(digits, { kind: 'random_labels', share: 0.5, seed: 3 });
    const changed = digits.labels.filter((l, i) => half.labels[i] !== l).length;
    // 899 rows relabelled, 9 in 10 of them to another class.
    expect(changed).toBeGreaterThan(0.4 * digits.rows);
    expect(changed).toBeLessThan(0.5 * digits.rows);
  });

  it('refuses a share outside (0, 1]', () => {
    expect(() => applyTransform(digits, { kind: 'random_labels', share: 0, seed: 1 })).toThrow('random_labels: share must be in (0, 1] (got 0)');
    expect(() => applyTransform(digits, { kind: 'random_labels', share: 1.5, seed: 1 })).toThrow('random_labels: share must be in (0, 1]');
  });
});

describe('permute_labels', () => {
  it('relabels by a seeded non-identity bijection of the classes', () => {
    const permuted = applyTransform(digits, { kind: 'permute_labels', seed: 7 });
    expect(permuted.numClasses).toBe(10);
    expectSameValues(permuted.features, digits.features);
    const perm = labelPermutation(10, 7);
    expect([...perm].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(perm)).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let i = 0; i < digits.rows; i++) expect(permuted.labels[i]).toBe(perm[digits.labels[i] as number]);
    // Class sizes are carried over to the new indices.
    const before = classCounts(digits);
    const after = classCounts(permuted);
    perm.forEach((to, from) => expect(after[to]).toBe(before[from]));
    expectSameValues(applyTransform(digits, { kind: 'permute_labels', seed: 7 }).labels, permuted.labels);
    expect(sameValues(applyTransform(digits, { kind: 'permute_labels', seed: 8 }).labels, permuted.labels)).toBe(false);
  });

  it('is never the identity, even with two classes', () => {
    for (let seed = 0; seed < 200; seed++) {
      expect(Array.from(labelPermutation(2, seed))).toEqual([1, 0]);
      const three = labelPermutation(3, seed);
      expect(Array.from(three)).not.toEqual([0, 1, 2]);
      expect(new Set(three).size).toBe(3);
    }
  });
});

describe('classes', () => {
  it('keeps the rows of the listed classes; indices and numClasses unchanged', () => {
    const kept = applyTransform(digits, { kind: 'classes', keep: [3, 1, 3] });
    const counts = classCounts(digits);
    expect(kept.numClasses).toBe(10);
    expect(kept.rows).toBe((counts[1] as number) + (counts[3] as number));
    expect(new Set(kept.labels)).toEqual(new Set([1, 3]));
    expect(kept.cols).toBe(64);
  });

  it('keeps the selected rows intact and in order', () => {
    const ds = indexedDataset(30, 3, 3, (i) => i % 3);
    const kept = applyTransform(ds, { kind: 'classes', keep: [2] });
    expect(rowIds(kept)).toEqual([2, 5, 8, 11, 14, 17, 20, 23, 26, 29]);
    expect(Array.from(kept.features.subarray(3, 6))).toEqual([5, 3.5, 4.5]);
  });

  it('rejects a class out of range', () => {
    expectDataError(
      () => applyTransform(digits, { kind: 'classes', keep: [1, 10] }),
      'classes: class 10 is out of range (the dataset has 10 classes: 0..9)',
    );
  });

  it('rejects an empty keep list', () => {
    expectDataError(() => applyTransform(digits, { kind: 'classes', keep: [] }), 'classes: keep is empty');
  });

  it('rejects an empty result', () => {
    const only0 = applyTransform(digits, { kind: 'classes', keep: [0] });
    expectDataError(
      () => applyTransform(only0, { kind: 'classes', keep: [4, 5] }),
      'classes: no rows left (the dataset has no rows of classes 4, 5)',
    );
  });
});

describe('sample', () => {
  const ds = indexedDataset(500, 4, 5, (i) => i % 5);

  it('draws distinct rows, seeded', () => {
    const a = applyTransform(ds, { kind: 'sample', rows: 100, seed: 1 });
    const b = applyTransform(ds, { kind: 'sample', rows: 100, seed: 1 });
    const c = applyTransform(ds, { kind: 'sample', rows: 100, seed: 2 });
    expect(a.rows).toBe(100);
    expectSameValues(a.features, b.features);
    expectSameValues(a.labels, b.labels);
    expect(rowIds(a)).not.toEqual(rowIds(c));
    const ids = rowIds(a);
    expect(new Set(ids).size).toBe(100);
    // Each sampled row is an original row, whole, in the original order.
    ids.forEach((id, i) => {
      expect(a.labels[i]).toBe(id % 5);
      expect(a.features[i * 4 + 1]).toBe(id * 0.5 + 1);
    });
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
  });

  it('spreads over the whole dataset', () => {
    const ids = rowIds(applyTransform(ds, { kind: 'sample', rows: 250, seed: 3 }));
    expect(ids.filter((id) => id < 250).length).toBeGreaterThan(100);
    expect(ids.filter((id) => id >= 250).length).toBeGreaterThan(100);
  });

  it('drawing every row keeps the original order', () => {
    expect(rowIds(applyTransform(ds, { kind: 'sample', rows: 500, seed: 4 }))).toEqual(rowIds(ds));
  });

  it('rejects more rows than there are', () => {
    expectDataError(
      () => applyTransform(digits, { kind: 'sample', rows: 2000, seed: 1 }),
      'sample: cannot draw 2000 rows, the dataset has only 1797',
    );
  });

  it('rejects a non-positive row count', () => {
    expectDataError(
      () => applyTransform(digits, { kind: 'sample', rows: 0, seed: 1 }),
      'sample: rows must be a positive integer (got 0)',
    );
  });
});

describe('applyTransforms', () => {
  it('applies in order and never modifies its input', () => {
    const out = applyTransforms(digits, [
      { kind: 'classes', keep: [0, 1] },
      { kind: 'sample', rows: 50, seed: 9 },
      { kind: 'rotate', degrees: 15 },
      { kind: 'noise', std: 0.1, seed: 9 },
      { kind: 'permute_labels', seed: 9 },
    ]);
    expect(out.rows).toBe(50);
    expect(out.numClasses).toBe(10);
    expect(new Set(out.labels).size).toBeLessThanOrEqual(2);
    expectSameValues(digits.features, digitsCopy.features);
    expectSameValues(digits.labels, digitsCopy.labels);
    expect(applyTransforms(digits, [])).toBe(digits);
  });
});
