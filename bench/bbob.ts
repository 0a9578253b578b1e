// The 24 noiseless BBOB functions of the COCO suite (Hansen, Finck, Ros, Auger: "Real-parameter
// black-box optimization benchmarking 2009: noiseless functions definitions", INRIA RR-6829), on
// [-5, 5]^D. An instance (optimum, rotations, Gallagher peaks) is drawn here from our seeded RNG and
// sent as JSON to the Python peer (bench/peers/optuna_suite.py), which implements the same formulas
// once more; the benchmark cross-checks the two on random points before it trusts either.
// f_opt is 0, so a value is its own regret. Instances are not COCO's numbered instances (their
// generator is not reproduced), only the same function families.
import { Rng, mixSeed } from '../src/util/rng.js';

export interface BbobInstance {
  readonly fid: number;
  readonly dim: number;
  readonly xopt: number[];
  /** Row-major D x D orthogonal matrices. */
  readonly R: number[];
  readonly Q: number[];
  /** f21 / f22: peak centres (row-major k x D; the first is the optimum), weights, and per-peak diagonals of C_i. */
  readonly peaks?: { readonly y: number[]; readonly w: number[]; readonly c: number[] };
}

export const BBOB_NAMES: readonly string[] = [
  'sphere',
  'ellipsoid',
  'rastrigin',
  'bueche_rastrigin',
  'linear_slope',
  'attractive_sector',
  'step_ellipsoid',
  'rosenbrock',
  'rosenbrock_rotated',
  'ellipsoid_rotated',
  'discus',
  'bent_cigar',
  'sharp_ridge',
  'different_powers',
  'rastrigin_rotated',
  'weierstrass',
  'schaffers_f7',
  'schaffers_f7_ill',
  'griewank_rosenbrock',
  'schwefel',
  'gallagher_101',
  'gallagher_21',
  'katsuura',
  'lunacek',
];

function orthogonal(rng: Rng, D: number): number[] {
  const m: number[][] = Array.from({ length: D }, () => Array.from({ length: D }, () => rng.normal()));
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let k = 0; k < D; k++) dot += m[i]![k]! * m[j]![k]!;
      for (let k = 0; k < D; k++) m[i]![k] = m[i]![k]! - dot * m[j]![k]!;
    }
    let norm = 0;
    for (let k = 0; k < D; k++) norm += m[i]![k]! ** 2;
    norm = Math.sqrt(norm);
    for (let k = 0; k < D; k++) m[i]![k] = m[i]![k]! / norm;
  }
  return m.flat();
}

const signs = (rng: Rng, D: number) => Array.from({ length: D }, () => (rng.next() < 0.5 ? -1 : 1));

export function bbobInstance(fid: number, dim: number, instance: number): BbobInstance {
  const rng = new Rng(mixSeed(0xbb0b, fid, dim, instance));
  const D = dim;
  let xopt = Array.from({ length: D }, () => Math.round(rng.uniform(-4, 4) * 1e4) / 1e4);
  const R = orthogonal(rng, D);
  const Q = orthogonal(rng, D);
  const c = Math.max(1, Math.sqrt(D) / 8);
  switch (fid) {
    case 4:
      xopt = xopt.map((v, i) => (i % 2 === 0 ? Math.abs(v) : v));
      break;
    case 5:
      xopt = signs(rng, D).map((s) => 5 * s);
      break;
    case 8:
      xopt = xopt.map((v) => 0.75 * v);
      break;
    case 9:
    case 19: {
      // z = c R x + 1/2 is 1 at the optimum: x = R^T (1/(2c)) 1.
      xopt = Array.from({ length: D }, (_, j) => {
        let s = 0;
        for (let i = 0; i < D; i++) s += R[i * D + j]! * (0.5 / c);
        return s;
      });
      break;
    }
    case 20:
      xopt = signs(rng, D).map((s) => (s * 4.2096874633) / 2);
      break;
    case 24:
      xopt = signs(rng, D).map((s) => (s * 2.5) / 2);
      break;
  }
  if (fid === 21 || fid === 22) {
    const k = fid === 21 ? 101 : 21;
    const y: number[] = [];
    const first = fid === 21 ? 4 : 3.92;
    for (let d = 0; d < D; d++) y.push(rng.uniform(-first, first));
    for (let p = 1; p < k; p++) for (let d = 0; d < D; d++) y.push(rng.uniform(-4.9, 4.9));
    xopt = y.slice(0, D);
    const w = [10, ...Array.from({ length: k - 1 }, (_, i) => 1.1 + (8 * i) / (k - 2))];
    const alphas = rng.permutation(k - 1);
    const cdiag: number[] = [];
    for (let p = 0; p < k; p++) {
      const alpha = p === 0 ? (fid === 21 ? 1000 : 1e6) : 1000 ** ((2 * alphas[p - 1]!) / (k - 2));
      const perm = rng.permutation(D);
      for (let d = 0; d < D; d++) cdiag.push(alpha ** (D === 1 ? 0 : (0.5 * perm[d]!) / (D - 1)) / alpha ** 0.25);
    }
    return { fid, dim, xopt, R, Q, peaks: { y, w, c: cdiag } };
  }
  return { fid, dim, xopt, R, Q };
}

// --- the formulas -------------------------------------------------------------------------------

function tosz1(x: number): number {
  if (x === 0) return 0;
  const h = Math.log(Math.abs(x));
  const c1 = x > 0 ? 10 : 5.5;
  const c2 = x > 0 ? 7.9 : 3.1;
  return Math.sign(x) * Math.exp(h + 0.049 * (Math.sin(c1 * h) + Math.sin(c2 * h)));
}
const tosz = (x: number[]) => x.map(tosz1);
function tasy(x: number[], beta: number): number[] {
  const D = x.length;
  return x.map((v, i) => (v > 0 ? v ** (1 + ((beta * i) / (D - 1)) * Math.sqrt(v)) : v));
}
/** Lambda^alpha applied to x. */
const lambda = (x: number[], alpha: number) => x.map((v, i) => alpha ** ((0.5 * i) / (x.length - 1)) * v);
function mul(m: readonly number[], x: number[]): number[] {
  const D = x.length;
  const out = new Array<number>(D).fill(0);
  for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) out[i]! += m[i * D + j]! * x[j]!;
  return out;
}
const pen = (x: number[]) => x.reduce((s, v) => s + Math.max(0, Math.abs(v) - 5) ** 2, 0);
const sub = (x: readonly number[], y: readonly number[]) => x.map((v, i) => v - y[i]!);
const sumSq = (x: number[]) => x.reduce((s, v) => s + v * v, 0);
const rastrigin = (z: number[]) => 10 * (z.length - z.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0)) + sumSq(z);
const ellipsoid = (z: number[]) => z.reduce((s, v, i) => s + 10 ** ((6 * i) / (z.length - 1)) * v * v, 0);
function rosenbrockSum(z: number[]): number {
  let s = 0;
  for (let i = 0; i < z.length - 1; i++) s += 100 * (z[i]! ** 2 - z[i + 1]!) ** 2 + (z[i]! - 1) ** 2;
  return s;
}
function schaffers(z: number[]): number {
  const D = z.length;
  let s = 0;
  for (let i = 0; i < D - 1; i++) {
    const si = Math.sqrt(z[i]! ** 2 + z[i + 1]! ** 2);
    s += Math.sqrt(si) + Math.sqrt(si) * Math.sin(50 * si ** 0.2) ** 2;
  }
  return (s / (D - 1)) ** 2;
}
const WEIERSTRASS_F0 = (() => {
  let s = 0;
  for (let k = 0; k < 12; k++) s += 0.5 ** k * Math.cos(Math.PI * 3 ** k);
  return s;
})();

export function bbobValue(inst: BbobInstance, xIn: readonly number[]): number {
  const x = [...xIn];
  const D = inst.dim;
  const { R, Q, xopt } = inst;
  const c = Math.max(1, Math.sqrt(D) / 8);
  switch (inst.fid) {
    case 1:
      return sumSq(sub(x, xopt));
    case 2:
      return ellipsoid(tosz(sub(x, xopt)));
    case 3:
      return rastrigin(lambda(tasy(tosz(sub(x, xopt)), 0.2), 10));
    case 4: {
      const z = tosz(sub(x, xopt)).map((v, i) => {
        const s = 10 ** ((0.5 * i) / (D - 1));
        return i % 2 === 0 && v > 0 ? 10 * s * v : s * v;
      });
      return rastrigin(z) + 100 * pen(x);
    }
    case 5: {
      let f = 0;
      for (let i = 0; i < D; i++) {
        const s = Math.sign(xopt[i]!) * 10 ** (i / (D - 1));
        const z = xopt[i]! * x[i]! < 25 ? x[i]! : xopt[i]!;
        f += 5 * Math.abs(s) - s * z;
      }
      return f;
    }
    case 6: {
      const z = mul(Q, lambda(mul(R, sub(x, xopt)), 10));
      const s = z.reduce((acc, v, i) => acc + (v * xopt[i]! > 0 ? 100 : 1) * v * v, 0);
      return tosz1(s) ** 0.9;
    }
    case 7: {
      const zh = lambda(mul(R, sub(x, xopt)), 10);
      const zt = zh.map((v) => (Math.abs(v) > 0.5 ? Math.floor(0.5 + v) : Math.floor(0.5 + 10 * v) / 10));
      const z = mul(Q, zt);
      const e = z.reduce((s, v, i) => s + 10 ** ((2 * i) / (D - 1)) * v * v, 0);
      return 0.1 * Math.max(Math.abs(zh[0]!) / 1e4, e) + pen(x);
    }
    case 8:
      return rosenbrockSum(sub(x, xopt).map((v) => c * v + 1));
    case 9:
      return rosenbrockSum(mul(R, x).map((v) => c * v + 0.5));
    case 10:
      return ellipsoid(tosz(mul(R, sub(x, xopt))));
    case 11: {
      const z = tosz(mul(R, sub(x, xopt)));
      return 1e6 * z[0]! ** 2 + sumSq(z.slice(1));
    }
    case 12: {
      const z = mul(R, tasy(mul(R, sub(x, xopt)), 0.5));
      return z[0]! ** 2 + 1e6 * sumSq(z.slice(1));
    }
    case 13: {
      const z = mul(Q, lambda(mul(R, sub(x, xopt)), 10));
      return z[0]! ** 2 + 100 * Math.sqrt(sumSq(z.slice(1)));
    }
    case 14: {
      const z = mul(R, sub(x, xopt));
      return Math.sqrt(z.reduce((s, v, i) => s + Math.abs(v) ** (2 + (4 * i) / (D - 1)), 0));
    }
    case 15:
      return rastrigin(mul(R, lambda(mul(Q, tasy(tosz(mul(R, sub(x, xopt))), 0.2)), 10)));
    case 16: {
      const z = mul(R, lambda(mul(Q, tosz(mul(R, sub(x, xopt)))), 0.01));
      let s = 0;
      for (const v of z) for (let k = 0; k < 12; k++) s += 0.5 ** k * Math.cos(2 * Math.PI * 3 ** k * (v + 0.5));
      return 10 * (s / D - WEIERSTRASS_F0) ** 3 + (10 / D) * pen(x);
    }
    case 17:
    case 18: {
      const z = lambda(mul(Q, tasy(mul(R, sub(x, xopt)), 0.5)), inst.fid === 17 ? 10 : 1000);
      return schaffers(z) + 10 * pen(x);
    }
    case 19: {
      const z = mul(R, x).map((v) => c * v + 0.5);
      let s = 0;
      for (let i = 0; i < D - 1; i++) {
        const si = 100 * (z[i]! ** 2 - z[i + 1]!) ** 2 + (z[i]! - 1) ** 2;
        s += si / 4000 - Math.cos(si);
      }
      return (10 * s) / (D - 1) + 10;
    }
    case 20: {
      const xh = x.map((v, i) => 2 * Math.sign(xopt[i]!) * v);
      const zh = [...xh];
      for (let i = 1; i < D; i++) zh[i] = xh[i]! + 0.25 * (xh[i - 1]! - 2 * Math.abs(xopt[i - 1]!));
      const z = lambda(zh.map((v, i) => v - 2 * Math.abs(xopt[i]!)), 10).map((v, i) => 100 * (v + 2 * Math.abs(xopt[i]!)));
      const s = z.reduce((acc, v) => acc + v * Math.sin(Math.sqrt(Math.abs(v))), 0);
      return (-1 / (100 * D)) * s + 4.189828872724339 + 100 * pen(z.map((v) => v / 100));
    }
    case 21:
    case 22: {
      const { y, w, c: cd } = inst.peaks!;
      const rx = mul(R, x);
      let best = -Infinity;
      for (let p = 0; p < w.length; p++) {
        const ry = mul(R, y.slice(p * D, p * D + D));
        let q = 0;
        for (let d = 0; d < D; d++) q += cd[p * D + d]! * (rx[d]! - ry[d]!) ** 2;
        best = Math.max(best, w[p]! * Math.exp((-1 / (2 * D)) * q));
      }
      return tosz1(10 - best) ** 2 + pen(x);
    }
    case 23: {
      const z = mul(Q, lambda(mul(R, sub(x, xopt)), 100));
      let prod = 1;
      for (let i = 0; i < D; i++) {
        let s = 0;
        for (let j = 1; j <= 32; j++) {
          const t = 2 ** j * z[i]!;
          s += Math.abs(t - Math.round(t)) / 2 ** j;
        }
        prod *= (1 + (i + 1) * s) ** (10 / D ** 1.2);
      }
      return (10 / (D * D)) * prod - 10 / (D * D) + pen(x);
    }
    case 24: {
      const mu0 = 2.5;
      const s = 1 - 1 / (2 * Math.sqrt(D + 20) - 8.2);
      const mu1 = -Math.sqrt((mu0 * mu0 - 1) / s);
      const xh = x.map((v, i) => 2 * Math.sign(xopt[i]!) * v);
      const z = mul(Q, lambda(mul(R, xh.map((v) => v - mu0)), 100));
      const a = xh.reduce((acc, v) => acc + (v - mu0) ** 2, 0);
      const b = D + s * xh.reduce((acc, v) => acc + (v - mu1) ** 2, 0);
      return Math.min(a, b) + 10 * (D - z.reduce((acc, v) => acc + Math.cos(2 * Math.PI * v), 0)) + 1e4 * pen(x);
    }
  }
  throw new RangeError(`no BBOB function ${inst.fid}`);
}
