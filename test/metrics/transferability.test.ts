// Transferability screens: hand-computed values, a reference value from the authors' LogME algorithm,
// and orderings known by construction (informative features and predictions score higher).
import { describe, expect, test } from 'vitest';
import { matrix } from '../../src/metrics/linalg.js';
import { hScore, ledoitWolf, leep, logme, nce, type Rows } from '../../src/metrics/transferability.js';
import { Rng } from '../../src/util/rng.js';

const rows = (n: number, d: number, data: number[]): Rows => ({ n, d, data });

/** n rows of k classes (label = i mod k); features = class signal x strength + Gaussian noise. */
function features(n: number, k: number, d: number, strength: number, seed: number): { f: Rows; y: Int32Array } {
  const rng = new Rng(seed);
  const y = Int32Array.from({ length: n }, (_, i) => i % k);
  const centres = Array.from({ length: k * d }, () => rng.normal());
  const data = Array.from({ length: n * d }, (_, idx) => {
    const i = Math.floor(idx / d);
    return strength * centres[y[i]! * d + (idx % d)]! + rng.normal();
  });
  return { f: rows(n, d, data), y };
}

describe('leep', () => {
  test('a two-row example by hand', () => {
    // joint P(y,z): y=0: [0.4, 0.1]; y=1: [0.15, 0.35]; both rows get 0.8*0.4/0.55 + 0.2*0.1/0.45.
    const value = leep(rows(2, 2, [0.8, 0.2, 0.3, 0.7]), [0, 1], 2);
    expect(value).toBeCloseTo(Math.log((0.8 * 0.4) / 0.55 + (0.2 * 0.1) / 0.45), 12);
  });

  test('a source whose predictions determine the labels (under any relabelling) scores 0; uniform ones score -entropy', () => {
    const y = [0, 1, 2, 0, 1, 2];
    // Source class (y + 1) mod 3 with certainty: a perfect predictor up to a relabelling.
    const sharp = rows(6, 3, y.flatMap((c) => [0, 1, 2].map((z) => (z === (c + 1) % 3 ? 1 : 0))));
    expect(leep(sharp, y, 3)).toBeCloseTo(0, 12);
    const uniform = rows(6, 3, y.flatMap(() => [1 / 3, 1 / 3, 1 / 3]));
    expect(leep(uniform, y, 3)).toBeCloseTo(Math.log(1 / 3), 12);
  });
});

describe('nce', () => {
  test('a four-row example by hand', () => {
    // Hard source labels z = [0, 0, 1, 1], target labels y = [0, 1, 1, 1]: P(y, z) = 1/4 at (0, 0)
    // and (1, 0), 1/2 at (1, 1); NCE = 1/4 log 1/2 + 1/4 log 1/2 + 1/2 log 1 = -log(2) / 2.
    const value = nce(rows(4, 2, [0.9, 0.1, 0.6, 0.4, 0.3, 0.7, 0.45, 0.55]), [0, 1, 1, 1], 2);
    expect(value).toBeCloseTo(-Math.log(2) / 2, 12);
    // Only the argmax counts: sharpening the same predictions changes nothing (LEEP would change).
    expect(nce(rows(4, 2, [1, 0, 1, 0, 0, 1, 0, 1]), [0, 1, 1, 1], 2)).toBe(value);
  });

  test('hard labels that determine the target (under any relabelling) score 0; constant ones score -H(Y)', () => {
    const y = [0, 1, 2, 0, 1, 2, 2, 2];
    const sharp = rows(8, 3, y.flatMap((c) => [0, 1, 2].map((z) => (z === (c + 2) % 3 ? 0.8 : 0.1))));
    expect(nce(sharp, y, 3)).toBeCloseTo(0, 12);
    const constant = rows(8, 3, y.flatMap(() => [0.2, 0.5, 0.3]));
    const entropy = -(2 / 8) * Math.log(2 / 8) * 2 - (4 / 8) * Math.log(4 / 8);
    expect(nce(constant, y, 3)).toBeCloseTo(-entropy, 12);
    expect(() => nce(rows(0, 3, []), [], 3)).toThrow(RangeError);
  });
});

describe('hScore', () => {
  test('one feature: class means apart, or the same', () => {
    expect(hScore(rows(4, 1, [1, -1, 1, -1]), [0, 1, 0, 1], 2)).toBeCloseTo(1, 12);
    expect(hScore(rows(4, 1, [1, -1, -1, 1]), [0, 1, 0, 1], 2)).toBeCloseTo(0, 12);
  });

  test('one-hot label features reach K - 1; a duplicated feature changes nothing', () => {
    const y = [0, 1, 2, 2, 1, 0, 0];
    const oneHot = y.flatMap((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)));
    const plain = { shrinkage: false };
    expect(hScore(rows(7, 3, oneHot), y, 3, plain)).toBeCloseTo(2, 8);
    const f = [0.3, -1, 2, 0.5, 1, -0.2, 0.1];
    const single = hScore(rows(7, 1, f), y, 3, plain);
    expect(hScore(rows(7, 2, f.flatMap((v) => [v, v])), y, 3, plain)).toBeCloseTo(single, 8);
  });

  test('Ledoit-Wolf shrinkage matches the reference formula (scikit-learn ledoit_wolf, numpy)', () => {
    // X[i][j] = ((5i + 7j) mod 13) / 4 - 1.5 + 0.3 [j = i mod 3], centred; weight 0.5702 by the reference.
    const n = 9;
    const x = Array.from({ length: n * 3 }, (_, idx) => {
      const i = Math.floor(idx / 3);
      const j = idx % 3;
      return ((i * 5 + j * 7) % 13) / 4 - 1.5 + (j === i % 3 ? 0.3 : 0);
    });
    for (let j = 0; j < 3; j++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += x[i * 3 + j]! / n;
      for (let i = 0; i < n; i++) x[i * 3 + j]! -= m;
    }
    const reference = [
      0.8077019895926243, -0.15260453409913435, 0.1701413207888993, -0.15260453409913435, 0.749599776505506,
      -0.1391402084636492, 0.1701413207888993, -0.1391402084636492, 0.8156611968648324,
    ];
    const shrunk = ledoitWolf(matrix(n, 3, x));
    expect(shrunk.weight).toBeCloseTo(0.570202807300769, 10);
    reference.forEach((v, i) => expect(shrunk.cov.data[i]).toBeCloseTo(v, 10));
  });

  test('with fewer labelled rows than features, plain H-score saturates at K - 1 and the shrunk one still ranks', () => {
    // 9 rows, 12 features: the plain covariance is singular, so any features "separate" the classes.
    const noise = features(9, 3, 12, 0, 1);
    const signal = features(9, 3, 12, 2, 1);
    expect(hScore(noise.f, noise.y, 3, { shrinkage: false })).toBeCloseTo(2, 4);
    expect(hScore(signal.f, signal.y, 3, { shrinkage: false })).toBeCloseTo(2, 4);
    expect(hScore(signal.f, signal.y, 3)).toBeGreaterThan(hScore(noise.f, noise.y, 3));
    expect(hScore(noise.f, noise.y, 3)).toBeLessThan(2);
    expect(hScore(noise.f, noise.y, 3)).toBeGreaterThan(0);
  });
});

describe('logme', () => {
  test('matches the reference implementation (You et al., official fixed-point code, numpy)', () => {
    // Same features as the reference script: F[i][j] = ((7i + 3j) mod 11) / 5 - 1 + 0.5 [i mod 3 = j mod 3].
    const data = Array.from({ length: 12 * 4 }, (_, idx) => {
      const i = Math.floor(idx / 4);
      const j = idx % 4;
      return ((i * 7 + j * 3) % 11) / 5 - 1 + (i % 3 === j % 3 ? 0.5 : 0);
    });
    const y = Array.from({ length: 12 }, (_, i) => i % 3);
    expect(logme(rows(12, 4, data), y, 3)).toBeCloseTo(-0.673190743489648, 8);
  });
});

describe('ordering known by construction', () => {
  test('more class signal in the features scores higher on LogME and H-score', () => {
    const scores = [0, 0.5, 1, 2].map((strength) => {
      const { f, y } = features(60, 3, 8, strength, 7);
      return { logme: logme(f, y, 3), hscore: hScore(f, y, 3) };
    });
    for (let i = 1; i < scores.length; i++) {
      expect(scores[i]!.logme).toBeGreaterThan(scores[i - 1]!.logme);
      expect(scores[i]!.hscore).toBeGreaterThan(scores[i - 1]!.hscore);
    }
  });

  test('sharper label-informative predictions score higher on LEEP', () => {
    const y = Array.from({ length: 30 }, (_, i) => i % 3);
    const predictions = (sharpness: number) =>
      rows(30, 3, y.flatMap((c) => {
        const logits = [0, 1, 2].map((z) => (z === c ? sharpness : 0));
        const sum = logits.reduce((a, l) => a + Math.exp(l), 0);
        return logits.map((l) => Math.exp(l) / sum);
      }));
    const values = [0, 1, 2, 4].map((s) => leep(predictions(s), y, 3));
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
  });

  test('refuses mismatched labels', () => {
    expect(() => leep(rows(2, 2, [1, 0, 0, 1]), [0], 2)).toThrow('leep: 2 rows but 1 labels');
  });
});
