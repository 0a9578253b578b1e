// The small linear algebra behind ridge fits and the transferability screens, on hand-checked systems.
import { describe, expect, test } from 'vitest';
import { gram, matrix, solveSpd, symmetricEigen, transposeTimes } from '../../src/metrics/linalg.js';
import { Rng } from '../../src/util/rng.js';

describe('linalg', () => {
  test('gram and transposeTimes', () => {
    const a = matrix(3, 2, [1, 2, 3, 4, 5, 6]);
    expect([...gram(a).data]).toEqual([35, 44, 44, 56]);
    expect([...transposeTimes(a, [1, 0, -1])]).toEqual([-4, -4]);
  });

  test('solveSpd solves a 2x2 system by hand and refuses a singular one', () => {
    // [4 2; 2 3] x = [2; 1] -> x = [0.5, 0]
    const x = solveSpd(matrix(2, 2, [4, 2, 2, 3]), [2, 1]);
    expect(x[0]).toBeCloseTo(0.5, 12);
    expect(x[1]).toBeCloseTo(0, 12);
    expect(() => solveSpd(matrix(2, 2, [1, 1, 1, 1]), [1, 1])).toThrow('not positive definite');
  });

  test('symmetricEigen: known eigenvalues, and A v = lambda v on a random matrix', () => {
    const { values } = symmetricEigen(matrix(2, 2, [2, 1, 1, 2]));
    expect(values[0]).toBeCloseTo(3, 12);
    expect(values[1]).toBeCloseTo(1, 12);
    const rng = new Rng(3);
    const n = 7;
    const b = matrix(10, n, Array.from({ length: 10 * n }, () => rng.normal()));
    const s = gram(b);
    const { values: w, vectors } = symmetricEigen(s);
    for (let k = 0; k < n; k++) {
      if (k > 0) expect(w[k]).toBeLessThanOrEqual(w[k - 1]!);
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += s.data[i * n + j]! * vectors.data[j * n + k]!;
        expect(av).toBeCloseTo(w[k]! * vectors.data[i * n + k]!, 9);
      }
    }
  });
});
