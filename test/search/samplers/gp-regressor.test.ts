import { describe, expect, it } from 'vitest';
import {
  GpData,
  GpPosterior,
  HAMMING,
  MarginalLikelihood,
  NUMERIC,
  choleskyInPlace,
  defaultKernelParams,
  fitKernelParams,
  fitProcess,
  matern52,
  squaredDistance,
  standardLogEi,
  toRaw,
} from '../../../src/search/samplers/gp-regressor.js';
import { Rng } from '../../../src/util/rng.js';

describe('GP regressor', () => {
  it('posterior mean and variance match the closed form of a two-point process', () => {
    // 1-D, length scale 0.5 (inverse square 4), signal variance 2, noise 0.1; points 0 and 1.
    const params = { inverseSquaredLengthScales: Float64Array.of(4), scale: 2, noise: 0.1 };
    const posterior = GpPosterior.fit(Float64Array.of(0, 1), 2, Uint8Array.of(NUMERIC), Float64Array.of(1, -0.5), params);
    const k = (a: number, b: number) => {
      const r = Math.sqrt(5 * 4 * (a - b) ** 2);
      return 2 * (1 + r + (r * r) / 3) * Math.exp(-r);
    };
    const a = k(0, 0) + 0.1;
    const b = k(0, 1);
    const det = a * a - b * b;
    const inv = [a / det, -b / det, -b / det, a / det];
    const x = 0.3;
    const ks = [k(x, 0), k(x, 1)];
    const alpha = [inv[0]! * 1 + inv[1]! * -0.5, inv[2]! * 1 + inv[3]! * -0.5];
    const mean = ks[0]! * alpha[0]! + ks[1]! * alpha[1]!;
    const variance = 2 - (ks[0]! * (inv[0]! * ks[0]! + inv[1]! * ks[1]!) + ks[1]! * (inv[2]! * ks[0]! + inv[3]! * ks[1]!));
    const got = posterior.predict([x]);
    expect(got.mean).toBeCloseTo(mean, 12);
    expect(got.variance).toBeCloseTo(variance, 12);
    // Far from the data the process reverts to its prior: mean 0, variance = signal variance.
    const far = GpPosterior.fit(Float64Array.of(0), 1, Uint8Array.of(NUMERIC), Float64Array.of(1), { ...params, inverseSquaredLengthScales: Float64Array.of(1e4) });
    expect(far.predict([1]).mean).toBeCloseTo(0, 10);
    expect(far.predict([1]).variance).toBeCloseTo(2, 10);
  });

  it('distances: Hamming dims count a difference as 1, inactive (NaN) coordinates coincide and sit apart from active ones', () => {
    expect(squaredDistance(HAMMING, 2, 2)).toBe(0);
    expect(squaredDistance(HAMMING, 0, 2)).toBe(1);
    expect(squaredDistance(HAMMING, Number.NaN, 1)).toBe(1);
    expect(squaredDistance(NUMERIC, 0.2, 0.7)).toBeCloseTo(0.25, 15);
    expect(squaredDistance(NUMERIC, Number.NaN, Number.NaN)).toBe(0);
    expect(squaredDistance(NUMERIC, Number.NaN, 0.5)).toBeCloseTo(0.25, 15);
    expect(squaredDistance(NUMERIC, 1, Number.NaN)).toBeCloseTo(0.5, 15);
    expect(matern52(0)).toBe(1);
  });

  it('the marginal likelihood gradient matches finite differences', () => {
    const rng = new Rng(3);
    const n = 12;
    const x = Float64Array.from({ length: n * 3 }, (_, i) => (i % 3 === 2 ? rng.int(0, 2) : rng.next()));
    const y = Float64Array.from({ length: n }, () => rng.normal());
    const data = new GpData(x, n, Uint8Array.of(NUMERIC, NUMERIC, HAMMING), y);
    const ml = new MarginalLikelihood(data);
    const raw = toRaw({ inverseSquaredLengthScales: Float64Array.of(2, 0.5, 1.5), scale: 0.8, noise: 0.05 });
    const grad = new Float64Array(raw.length);
    ml.evaluate(raw, grad);
    const scratch = new Float64Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const up = Float64Array.from(raw);
      const down = Float64Array.from(raw);
      up[i] = up[i]! + 1e-6;
      down[i] = down[i]! - 1e-6;
      const fd = (ml.evaluate(up, scratch) - ml.evaluate(down, scratch)) / 2e-6;
      expect(grad[i]).toBeCloseTo(fd, 4);
    }
  });

  it('value() alone gives evaluate()\'s loss, and the gradient taken after it is evaluate()\'s', () => {
    const rng = new Rng(5);
    const n = 15;
    const x = Float64Array.from({ length: n * 2 }, () => rng.next());
    const y = Float64Array.from({ length: n }, () => rng.normal());
    const ml = new MarginalLikelihood(new GpData(x, n, Uint8Array.of(NUMERIC, NUMERIC), y));
    const raw = toRaw({ inverseSquaredLengthScales: Float64Array.of(3, 0.7), scale: 1.3, noise: 0.02 });
    const full = new Float64Array(raw.length);
    const loss = ml.evaluate(raw, full);
    expect(ml.value(raw)).toBe(loss);
    const split = new Float64Array(raw.length);
    ml.gradientOfLast(split);
    expect(Array.from(split)).toEqual(Array.from(full));
    // The factor is used up by the gradient: asking again without a new value() is a bug.
    expect(() => ml.gradientOfLast(split)).toThrow(/value\(\) first/);
  });

  it('the posterior\'s gradients match finite differences, on the dense path and with Hamming and inactive dimensions', () => {
    const rng = new Rng(9);
    const n = 20;
    const cases = [
      { kinds: Uint8Array.of(NUMERIC, NUMERIC, NUMERIC), inactive: false },
      { kinds: Uint8Array.of(NUMERIC, NUMERIC, HAMMING), inactive: true },
    ];
    for (const { kinds, inactive } of cases) {
      const D = kinds.length;
      const x = Float64Array.from({ length: n * D }, (_, i) =>
        kinds[i % D] === HAMMING ? rng.int(0, 2) : inactive && i % D === 1 && i % 4 === 1 ? Number.NaN : rng.next(),
      );
      const y = Float64Array.from({ length: n }, () => rng.normal());
      const posterior = GpPosterior.fit(x, n, kinds, y, { inverseSquaredLengthScales: Float64Array.of(4, 2, 1), scale: 1.1, noise: 1e-3 });
      const point = [0.3, 0.6, kinds[2] === HAMMING ? 1 : 0.45];
      const dims = [0, 1, ...(kinds[2] === NUMERIC ? [2] : [])];
      const gm = new Float64Array(D);
      const gv = new Float64Array(D);
      const at = posterior.predictWithGradient(point, dims, gm, gv);
      expect(at).toEqual(posterior.predict(point));
      dims.forEach((d, q) => {
        const up = [...point];
        const down = [...point];
        up[d] = up[d]! + 1e-6;
        down[d] = down[d]! - 1e-6;
        const fdMean = (posterior.predict(up).mean - posterior.predict(down).mean) / 2e-6;
        const fdVar = (posterior.predict(up).variance - posterior.predict(down).variance) / 2e-6;
        expect(gm[q]).toBeCloseTo(fdMean, 5);
        expect(gv[q]).toBeCloseTo(fdVar, 5);
      });
    }
  });

  it('the process from the fit\'s own factor is GpPosterior.fit\'s, bit for bit', () => {
    const rng = new Rng(21);
    const n = 30;
    const kinds = Uint8Array.of(NUMERIC, HAMMING, NUMERIC);
    const x = Float64Array.from({ length: n * 3 }, (_, i) => (i % 3 === 1 ? rng.int(0, 3) : i % 7 === 2 ? Number.NaN : rng.next()));
    const y = Float64Array.from({ length: n }, () => rng.normal());
    const { params, posterior } = fitProcess(new GpData(x, n, kinds, y), defaultKernelParams(3), 10);
    const direct = GpPosterior.fit(x, n, kinds, y, params);
    for (let k = 0; k < 20; k++) {
      const point = [rng.next(), rng.int(0, 3), k % 4 === 0 ? Number.NaN : rng.next()];
      expect(posterior.predict(point)).toEqual(direct.predict(point));
    }
  });

  it('fitting recovers a known length scale, and a long one for a dimension the function ignores', () => {
    // y is a draw of a Matérn-5/2 process with length scale 0.15 in x0 and none in x1.
    const rng = new Rng(11);
    const n = 80;
    const x = new Float64Array(n * 2);
    for (let i = 0; i < n * 2; i++) x[i] = rng.next();
    const cov = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) cov[i * n + j] = matern52(((x[i * 2]! - x[j * 2]!) / 0.15) ** 2) + (i === j ? 1e-8 : 0);
    }
    expect(choleskyInPlace(cov, n)).toBe(true);
    const z = Float64Array.from({ length: n }, () => rng.normal());
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) y[i] = y[i]! + cov[i * n + j]! * z[j]!;
    const mean = y.reduce((a, v) => a + v, 0) / n;
    const sd = Math.sqrt(y.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
    const ys = y.map((v) => (v - mean) / sd);
    const fitted = fitKernelParams(new GpData(x, n, Uint8Array.of(NUMERIC, NUMERIC), ys), defaultKernelParams(2), 200);
    const lengths = Array.from(fitted.inverseSquaredLengthScales, (v) => 1 / Math.sqrt(v));
    expect(lengths[0]).toBeGreaterThan(0.1);
    expect(lengths[0]).toBeLessThan(0.22);
    expect(lengths[1]).toBeGreaterThan(1);
    expect(fitted.noise).toBeLessThan(0.01);
  });

  it('log EI is log(z Phi(z) + phi(z)) and stays finite and increasing far in the tail', () => {
    const phi = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    // Phi by Simpson's rule on [-14, z].
    const Phi = (z: number) => {
      const steps = 20000;
      const h = (z + 14) / steps;
      let s = phi(-14) + phi(z);
      for (let i = 1; i < steps; i++) s += (i % 2 === 1 ? 4 : 2) * phi(-14 + i * h);
      return (s * h) / 3;
    };
    for (const z of [-3, -0.5, 0, 1.2]) expect(standardLogEi(z)).toBeCloseTo(Math.log(z * Phi(z) + phi(z)), 5);
    let previous = -Infinity;
    for (const z of [-60, -30, -21, -19, -10, -1.01, -0.99]) {
      const v = standardLogEi(z);
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(previous);
      previous = v;
    }
  });
});
