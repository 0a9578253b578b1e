// The Gaussian process of the gp sampler: a Matérn-5/2 kernel with one length scale per encoded
// dimension (ARD), exact inference by Cholesky in Float64Array, the log marginal likelihood and its
// gradient, and a small L-BFGS fit of the kernel's hyperparameters. Main thread; pure numbers (no
// params by name, no store). Inputs are the encoded rows of gp-encoding.ts: numbers in [0, 1], or
// NaN where a conditional parameter is inactive.
import { erfcx, normalCdf } from '../../metrics/normal.js';

/** How a dimension measures distance: squared difference in [0, 1], or 0/1 whether values differ. */
export const NUMERIC = 0;
export const HAMMING = 1;

/**
 * Squared distance along one dimension. NaN is "inactive": two inactive values coincide, and an
 * inactive value sits at height 1/2 above the middle of the unit interval (numeric) or is one more
 * category (Hamming). Both are Euclidean embeddings, so the kernel stays positive definite, and an
 * inactive parameter's stored value (if any) can never reach the model.
 */
export function squaredDistance(kind: number, a: number, b: number): number {
  const ia = a !== a;
  const ib = b !== b;
  if (ia || ib) {
    if (ia && ib) return 0;
    if (kind === HAMMING) return 1;
    const v = (ia ? b : a) - 0.5;
    return v * v + 0.25;
  }
  if (kind === HAMMING) return a === b ? 0 : 1;
  const d = a - b;
  return d * d;
}

/** Its derivative in `a` (numeric dimensions, `a` active). */
function squaredDistanceGrad(a: number, b: number): number {
  return b !== b ? 2 * (a - 0.5) : 2 * (a - b);
}

const SQRT5 = Math.sqrt(5);

/** Matérn 5/2 of a squared scaled distance r2: (1 + sqrt(5 r2) + 5 r2 / 3) exp(-sqrt(5 r2)). */
export function matern52(r2: number): number {
  const s = SQRT5 * Math.sqrt(r2);
  return (1 + s + (5 / 3) * r2) * Math.exp(-s);
}

/** d matern52 / d r2 = -5/6 (1 + sqrt(5 r2)) exp(-sqrt(5 r2)) (finite at 0, unlike d/dr). */
function matern52Grad(r2: number): number {
  const s = SQRT5 * Math.sqrt(r2);
  return (-5 / 6) * (1 + s) * Math.exp(-s);
}

/** Kernel hyperparameters: inverse squared length scale per dimension, signal variance, noise variance. */
export interface KernelParams {
  readonly inverseSquaredLengthScales: Float64Array;
  readonly scale: number;
  readonly noise: number;
}

/** The smallest noise variance (of standardised values): keeps the fit away from interpolating exactly. */
export const MINIMUM_NOISE = 1e-6;

export function defaultKernelParams(dims: number): KernelParams {
  return { inverseSquaredLengthScales: new Float64Array(dims).fill(1), scale: 1, noise: 1e-2 };
}

/**
 * In-place lower Cholesky factor of the n x n row-major `a` (its upper triangle is left as is).
 * Returns false when a pivot is not positive.
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j]!;
    d -= rowDot(a, rj, a, rj, j);
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let v = a[ri + j]!;
      v -= rowDot(a, ri, a, rj, j);
      a[ri + j] = v * inv;
    }
  }
  return true;
}

/** Solves L z = b (L lower, row-major n x n) into `out`. */
export function forwardSolve(l: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let v = b[i]!;
    v -= rowDot(l, ri, out, 0, i);
    out[i] = v / l[ri + i]!;
  }
}

/**
 * Solves L^T x = z into `out` (may alias z), sweeping L's rows (x_i is final once the rows below
 * have been subtracted): row access, where the textbook form walks L's columns.
 */
export function backSolve(l: Float64Array, n: number, z: ArrayLike<number>, out: Float64Array): void {
  if (out !== z) for (let i = 0; i < n; i++) out[i] = z[i]!;
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = out[i]! / l[ri + i]!;
    out[i] = xi;
    for (let k = 0; k < i; k++) out[k] = out[k]! - l[ri + k]! * xi;
  }
}

/**
 * sum_k a[ia + k] b[ib + k] for k < len, in four interleaved sums: the triangular loops of the
 * Cholesky factor, the solves and the inverse spend their time here, and one running sum would
 * wait on the latency of every addition.
 */
function rowDot(a: ArrayLike<number>, ia: number, b: ArrayLike<number>, ib: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ia + k]! * b[ib + k]!;
    s1 += a[ia + k + 1]! * b[ib + k + 1]!;
    s2 += a[ia + k + 2]! * b[ib + k + 2]!;
    s3 += a[ia + k + 3]! * b[ib + k + 3]!;
  }
  for (; k < len; k++) s0 += a[ia + k]! * b[ib + k]!;
  return s0 + s1 + (s2 + s3);
}

/** No NaN (inactive) among the first `count` values. */
function isDense(values: ArrayLike<number>, count: number): boolean {
  for (let i = 0; i < count; i++) if (values[i] !== values[i]) return false;
  return true;
}

/** Training rows and their per-dimension pairwise squared distances (computed once per data set). */
export class GpData {
  /** Upper-triangle pairs (i < j), pair-major: D squared distances per pair. */
  readonly pairSqd: Float64Array;

  constructor(
    readonly x: Float64Array,
    readonly n: number,
    readonly kinds: Uint8Array,
    readonly y: Float64Array,
  ) {
    const D = kinds.length;
    this.pairSqd = new Float64Array(((n * (n - 1)) / 2) * D);
    let p = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        for (let d = 0; d < D; d++) this.pairSqd[p++] = squaredDistance(kinds[d]!, x[i * D + d]!, x[j * D + d]!);
      }
    }
  }

  get dims(): number {
    return this.kinds.length;
  }
}

/** K + noise I for the training rows, row-major (full, symmetric). */
function trainCovariance(data: GpData, params: KernelParams, jitter: number, out: Float64Array, kernelOnly?: Float64Array): void {
  const { n } = data;
  const D = data.dims;
  const inv = params.inverseSquaredLengthScales;
  let p = 0;
  for (let i = 0; i < n; i++) {
    out[i * n + i] = params.scale + params.noise + jitter;
    if (kernelOnly) kernelOnly[i * n + i] = 0;
    for (let j = i + 1; j < n; j++) {
      let r2 = 0;
      for (let d = 0; d < D; d++) r2 += inv[d]! * data.pairSqd[p++]!;
      const k = params.scale * matern52(r2);
      out[i * n + j] = k;
      out[j * n + i] = k;
      if (kernelOnly) kernelOnly[i * n + j] = r2;
    }
  }
}

/** The fitted process: Cholesky factor of K + noise I and alpha = (K + noise I)^-1 y. */
export class GpPosterior {
  private readonly kStar: Float64Array;
  private readonly v: Float64Array;
  private readonly beta: Float64Array;
  private readonly dk: Float64Array;

  private constructor(
    readonly x: Float64Array,
    readonly n: number,
    readonly kinds: Uint8Array,
    readonly params: KernelParams,
    private readonly l: Float64Array,
    readonly alpha: Float64Array,
  ) {
    this.kStar = new Float64Array(n);
    this.v = new Float64Array(n);
    this.beta = new Float64Array(n);
    this.dk = new Float64Array(n);
    this.dense = kinds.every((k) => k === NUMERIC) && isDense(x, x.length);
  }

  /** Every dimension numeric and every training value active: kernelRow's fast path applies. */
  private readonly dense: boolean;

  /** The process of a factor already computed (see MarginalLikelihood.posterior): copies `l` and `alpha`. */
  static fromFactor(x: Float64Array, n: number, kinds: Uint8Array, params: KernelParams, l: Float64Array, alpha: Float64Array): GpPosterior {
    return new GpPosterior(x, n, kinds, params, Float64Array.from(l), Float64Array.from(alpha));
  }

  /**
   * Conditions the process on rows `x` (n x D) with values `y`. Jitter is added to the diagonal
   * (1e-10, then x10 up to 1e-2 of the signal variance) until the factor exists.
   */
  static fit(x: Float64Array, n: number, kinds: Uint8Array, y: Float64Array, params: KernelParams): GpPosterior {
    const D = kinds.length;
    const cov = new Float64Array(n * n);
    const inv = params.inverseSquaredLengthScales;
    for (let jitter = 0; ; jitter = jitter === 0 ? 1e-10 * params.scale : jitter * 10) {
      for (let i = 0; i < n; i++) {
        cov[i * n + i] = params.scale + params.noise + jitter;
        for (let j = 0; j < i; j++) {
          let r2 = 0;
          for (let d = 0; d < D; d++) r2 += inv[d]! * squaredDistance(kinds[d]!, x[i * D + d]!, x[j * D + d]!);
          cov[i * n + j] = params.scale * matern52(r2);
        }
      }
      if (choleskyInPlace(cov, n)) break;
      if (jitter > 1e-2 * params.scale) throw new RangeError('GP covariance is not positive definite even with jitter');
    }
    const alpha = new Float64Array(n);
    forwardSolve(cov, n, y, alpha);
    backSolve(cov, n, alpha, alpha);
    return new GpPosterior(x, n, kinds, params, cov, alpha);
  }

  /** Posterior mean and variance of the latent function at `point` (length D, NaN = inactive). */
  predict(point: ArrayLike<number>): { mean: number; variance: number } {
    this.kernelRow(point);
    return { mean: this.meanOfRow(), variance: this.varianceOfRow() };
  }

  /**
   * Mean, variance and their gradients in the numeric dimensions listed in `dims` (active ones only:
   * the caller passes those), written into gradMean/gradVar at the same positions as `dims`.
   */
  predictWithGradient(
    point: ArrayLike<number>,
    dims: readonly number[],
    gradMean: Float64Array,
    gradVar: Float64Array,
  ): { mean: number; variance: number } {
    const prediction = this.predict(point);
    this.gradientOfLastPrediction(point, dims, gradMean, gradVar);
    return prediction;
  }

  /**
   * The gradients of mean and variance at the point of the last `predict` (which must be `point`),
   * from the kernel row and forward solve it left behind: a local search pays for a gradient only
   * at the points it accepts, not again at each one it scores.
   */
  gradientOfLastPrediction(point: ArrayLike<number>, dims: readonly number[], gradMean: Float64Array, gradVar: Float64Array): void {
    const r2 = this.r2Scratch!;
    // beta = K^-1 k*: the variance's gradient is -2 beta . dk*/dx.
    backSolve(this.l, this.n, this.v, this.beta);
    const D = this.kinds.length;
    const inv = this.params.inverseSquaredLengthScales;
    const s = this.params.scale;
    for (let i = 0; i < this.n; i++) this.dk[i] = s * matern52Grad(r2[i]!);
    for (let q = 0; q < dims.length; q++) {
      const d = dims[q]!;
      const a = point[d]!;
      let gm = 0;
      let gv = 0;
      for (let i = 0; i < this.n; i++) {
        const g = this.dk[i]! * inv[d]! * squaredDistanceGrad(a, this.x[i * D + d]!);
        gm += this.alpha[i]! * g;
        gv += this.beta[i]! * g;
      }
      gradMean[q] = gm;
      gradVar[q] = -2 * gv;
    }
  }

  private r2Scratch: Float64Array | null = null;

  /** Fills kStar with k(point, X_i); returns the scaled squared distances. */
  private kernelRow(point: ArrayLike<number>): Float64Array {
    const { n } = this;
    const D = this.kinds.length;
    const inv = this.params.inverseSquaredLengthScales;
    const r2s = (this.r2Scratch ??= new Float64Array(n));
    if (this.dense && isDense(point, D)) {
      // Every dimension numeric and active (continuous spaces): the squared distance inline, without
      // the per-element kind and NaN branches of squaredDistance.
      const x = this.x;
      const s = this.params.scale;
      for (let i = 0; i < n; i++) {
        let r2 = 0;
        const base = i * D;
        for (let d = 0; d < D; d++) {
          const diff = point[d]! - x[base + d]!;
          r2 += inv[d]! * (diff * diff);
        }
        r2s[i] = r2;
        this.kStar[i] = s * matern52(r2);
      }
      return r2s;
    }
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      const base = i * D;
      for (let d = 0; d < D; d++) r2 += inv[d]! * squaredDistance(this.kinds[d]!, point[d]!, this.x[base + d]!);
      r2s[i] = r2;
      this.kStar[i] = this.params.scale * matern52(r2);
    }
    return r2s;
  }

  private meanOfRow(): number {
    let m = 0;
    for (let i = 0; i < this.n; i++) m += this.kStar[i]! * this.alpha[i]!;
    return m;
  }

  private varianceOfRow(): number {
    forwardSolve(this.l, this.n, this.kStar, this.v);
    let vv = 0;
    for (let i = 0; i < this.n; i++) vv += this.v[i]! * this.v[i]!;
    return Math.max(this.params.scale - vv, 0);
  }
}

/**
 * Raw (unconstrained) coordinates of the hyperparameters: log inverse squared length scales, log
 * signal variance, log(noise - MINIMUM_NOISE).
 */
export function toRaw(params: KernelParams): Float64Array {
  const D = params.inverseSquaredLengthScales.length;
  const raw = new Float64Array(D + 2);
  for (let d = 0; d < D; d++) raw[d] = Math.log(params.inverseSquaredLengthScales[d]!);
  raw[D] = Math.log(params.scale);
  raw[D + 1] = Math.log(Math.max(params.noise - MINIMUM_NOISE, 1e-12));
  return raw;
}

export function fromRaw(raw: Float64Array): KernelParams {
  const D = raw.length - 2;
  const inv = new Float64Array(D);
  for (let d = 0; d < D; d++) inv[d] = Math.exp(clampRaw(raw[d]!));
  return { inverseSquaredLengthScales: inv, scale: Math.exp(clampRaw(raw[D]!)), noise: MINIMUM_NOISE + Math.exp(clampRaw(raw[D + 1]!)) };
}

/** Keeps exp() finite and the covariance well conditioned whatever a line search tries. */
function clampRaw(v: number): number {
  return Math.min(RAW_BOUND, Math.max(-RAW_BOUND, v));
}

/**
 * Negative log posterior of the hyperparameters (the marginal likelihood with Optuna's priors: a
 * penalty pulling each inverse squared length scale towards 1, Gamma(2, 1) on the signal variance,
 * Gamma(1.1, 30) on the noise variance) and its gradient in raw coordinates. Infinity when the
 * covariance has no Cholesky factor.
 */
export class MarginalLikelihood {
  private readonly cov: Float64Array;
  private readonly r2: Float64Array;
  private readonly inv: Float64Array;
  private readonly alpha: Float64Array;

  constructor(readonly data: GpData) {
    const n = data.n;
    this.cov = new Float64Array(n * n);
    this.r2 = new Float64Array(n * n);
    this.inv = new Float64Array(n * n);
    this.alpha = new Float64Array(n);
  }

  /** The parameters of the last finite `value` call (its factor is in `cov`), until its gradient is taken. */
  private last: KernelParams | null = null;

  /** The loss at `raw`, and its gradient into `grad`. */
  evaluate(raw: Float64Array, grad: Float64Array): number {
    const loss = this.value(raw);
    if (Number.isFinite(loss)) this.gradientOfLast(grad);
    return loss;
  }

  /**
   * The loss at `raw` alone (one Cholesky factorisation: a third of `evaluate`'s work), keeping the
   * factor for `gradientOfLast`. A line search's rejected steps need no gradient.
   */
  value(raw: Float64Array): number {
    const { data } = this;
    const n = data.n;
    const D = data.dims;
    const params = fromRaw(raw);
    this.last = null;
    trainCovariance(data, params, 0, this.cov, this.r2);
    const l = this.cov;
    if (!choleskyInPlace(l, n)) return Infinity;
    let logDet = 0;
    for (let i = 0; i < n; i++) logDet += Math.log(l[i * n + i]!);
    const z = this.alpha;
    forwardSolve(l, n, data.y, z);
    let quad = 0;
    for (let i = 0; i < n; i++) quad += z[i]! * z[i]!;
    backSolve(l, n, z, z);
    this.last = params;
    const inv = params.inverseSquaredLengthScales;
    let prior = 0;
    for (let d = 0; d < D; d++) prior -= 0.1 / inv[d]! + 0.1 * inv[d]!;
    prior += Math.log(params.scale) - params.scale;
    prior += 0.1 * Math.log(params.noise) - 30 * params.noise;
    return 0.5 * quad + logDet - prior;
  }

  /**
   * The process conditioned on the data with the hyperparameters at `raw`, from the factor `value`
   * computes (bit for bit GpPosterior.fit's when no jitter is needed); null when it needs jitter.
   */
  posterior(raw: Float64Array): GpPosterior | null {
    if (!Number.isFinite(this.value(raw))) return null;
    const params = this.last!;
    this.last = null;
    return GpPosterior.fromFactor(this.data.x, this.data.n, this.data.kinds, params, this.cov, this.alpha);
  }

  /** The gradient at the point of the last finite `value` call, into `grad` (uses up its factor). */
  gradientOfLast(grad: Float64Array): void {
    const params = this.last;
    if (params === null) throw new Error('gradientOfLast needs a finite value() first');
    this.last = null;
    const { data } = this;
    const n = data.n;
    const D = data.dims;
    const l = this.cov;
    const z = this.alpha;
    // K^-1 = U U^T with U = L^-T: row j of U is the solution of L u = e_j (forward substitution,
    // row access only), so both the inversion and the product run along rows.
    const u = this.inv;
    for (let j = 0; j < n; j++) {
      const rj = j * n;
      for (let i = 0; i < j; i++) u[rj + i] = 0;
      u[rj + j] = 1 / l[rj + j]!;
      for (let i = j + 1; i < n; i++) {
        const ri = i * n;
        let v = 0;
        v -= rowDot(l, ri + j, u, rj + j, i - j);
        u[rj + i] = v / l[ri + i]!;
      }
    }
    // W = alpha alpha^T - K^-1 (upper triangle and diagonal), with (K^-1)_ij = sum_k>=max(i,j) u_ik u_jk.
    const w = l; // reuse: the factor is no longer needed
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      for (let j = i; j < n; j++) {
        const rj = j * n;
        let kinv = 0;
        kinv += rowDot(u, ri + j, u, rj + j, n - j);
        w[ri + j] = z[i]! * z[j]! - kinv;
      }
    }
    grad.fill(0);
    const inv = params.inverseSquaredLengthScales;
    let gScale = 0;
    let trace = 0;
    let p = 0;
    for (let i = 0; i < n; i++) {
      trace += w[i * n + i]!;
      gScale += 0.5 * w[i * n + i]! * params.scale;
      for (let j = i + 1; j < n; j++) {
        const wij = w[i * n + j]!; // counted twice: symmetric
        const r2 = this.r2[i * n + j]!;
        gScale += wij * params.scale * matern52(r2);
        const c = wij * params.scale * matern52Grad(r2);
        for (let d = 0; d < D; d++) grad[d] = grad[d]! + c * inv[d]! * data.pairSqd[p++]!;
      }
    }
    // d loss / d raw = -(1/2) tr(W dK/draw) - d log prior / d raw.
    for (let d = 0; d < D; d++) grad[d] = -grad[d]! - (0.1 / inv[d]! - 0.1 * inv[d]!);
    grad[D] = -gScale - (1 - params.scale);
    const e = params.noise - MINIMUM_NOISE;
    grad[D + 1] = -0.5 * trace * e - (0.1 / params.noise - 30) * e;
  }
}

/**
 * Minimises the negative log posterior from `start` with at most `iterations` L-BFGS steps (memory
 * 6, backtracking Armijo line search). Deterministic: the same data and start give the same result.
 */
export function fitKernelParams(data: GpData, start: KernelParams, iterations: number): KernelParams {
  return fitRaw(data, start, iterations).params;
}

/**
 * fitKernelParams, and the process conditioned with the fitted hyperparameters (from the marginal
 * likelihood's own factor: the proposal needs no second covariance and factorisation).
 */
export function fitProcess(data: GpData, start: KernelParams, iterations: number): { params: KernelParams; posterior: GpPosterior } {
  const { params, raw, objective } = fitRaw(data, start, iterations);
  const posterior = (raw && objective.posterior(raw)) ?? GpPosterior.fit(data.x, data.n, data.kinds, data.y, params);
  return { params, posterior };
}

/** The L-BFGS fit: the fitted params, their raw coordinates (null: the defaults, unfitted) and the objective. */
function fitRaw(data: GpData, start: KernelParams, iterations: number): { params: KernelParams; raw: Float64Array | null; objective: MarginalLikelihood } {
  const D = data.dims;
  const m = D + 2;
  const objective = new MarginalLikelihood(data);
  let x = clampAll(toRaw(start));
  let g = new Float64Array(m);
  let f = objective.evaluate(x, g);
  if (!Number.isFinite(f)) {
    x = toRaw(defaultKernelParams(D));
    f = objective.evaluate(x, g);
    if (!Number.isFinite(f)) return { params: defaultKernelParams(D), raw: null, objective };
  }
  const memory = 6;
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  const dir = new Float64Array(m);
  const xn = new Float64Array(m);
  const gn = new Float64Array(m);
  const pg = new Float64Array(m);
  const alphas = new Float64Array(memory);
  for (let it = 0; it < iterations; it++) {
    // Coordinates held at a bound by their gradient do not move (the noise of a deterministic
    // objective sits at its floor): without this, every line search would fail on them.
    projectedGradient(x, g, pg);
    if (norm(pg) < 1e-6) break;
    // Two-loop recursion: dir = -H pg.
    dir.set(pg);
    for (let k = ss.length - 1; k >= 0; k--) {
      const a = dot(ss[k]!, dir) / dot(ys[k]!, ss[k]!);
      alphas[k] = a;
      axpy(-a, ys[k]!, dir);
    }
    const last = ss.length - 1;
    const gamma = last >= 0 ? dot(ss[last]!, ys[last]!) / dot(ys[last]!, ys[last]!) : 1 / Math.max(1, norm(pg));
    for (let i = 0; i < m; i++) dir[i] = dir[i]! * gamma;
    for (let k = 0; k < ss.length; k++) {
      const b = dot(ys[k]!, dir) / dot(ys[k]!, ss[k]!);
      axpy(alphas[k]! - b, ss[k]!, dir);
    }
    for (let i = 0; i < m; i++) dir[i] = pg[i] === 0 ? 0 : -dir[i]!;
    let slope = dot(pg, dir);
    if (!(slope < 0)) {
      // Not a descent direction: restart from steepest descent.
      ss.length = 0;
      ys.length = 0;
      for (let i = 0; i < m; i++) dir[i] = -pg[i]! / Math.max(1, norm(pg));
      slope = dot(pg, dir);
    }
    // Steps in raw (log) coordinates of more than 3 are never useful: cap the step length.
    let longest = 0;
    for (let i = 0; i < m; i++) longest = Math.max(longest, Math.abs(dir[i]!));
    let step = longest > 3 ? 3 / longest : 1;
    let fn = Infinity;
    let accepted = false;
    for (let ls = 0; ls < 10; ls++) {
      for (let i = 0; i < m; i++) xn[i] = clampRaw(x[i]! + step * dir[i]!);
      fn = objective.value(xn);
      if (fn <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.3;
    }
    if (!accepted) break;
    objective.gradientOfLast(gn);
    const s = new Float64Array(m);
    const y = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      s[i] = xn[i]! - x[i]!;
      y[i] = gn[i]! - g[i]!;
    }
    if (dot(s, y) > 1e-12) {
      ss.push(s);
      ys.push(y);
      if (ss.length > memory) {
        ss.shift();
        ys.shift();
      }
    }
    x = Float64Array.from(xn);
    g = Float64Array.from(gn);
    const converged = f - fn < 1e-7 * Math.max(1, Math.abs(f));
    f = fn;
    if (converged) break;
  }
  return { params: fromRaw(x), raw: x, objective };
}

const RAW_BOUND = 12;

function clampAll(raw: Float64Array): Float64Array {
  for (let i = 0; i < raw.length; i++) raw[i] = clampRaw(raw[i]!);
  return raw;
}

/** The gradient with the components that push a coordinate out of [-RAW_BOUND, RAW_BOUND] zeroed. */
function projectedGradient(x: Float64Array, g: Float64Array, out: Float64Array): void {
  for (let i = 0; i < x.length; i++) {
    const atLow = x[i]! <= -RAW_BOUND && g[i]! > 0;
    const atHigh = x[i]! >= RAW_BOUND && g[i]! < 0;
    out[i] = atLow || atHigh ? 0 : g[i]!;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + a * x[i]!;
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

// --- log expected improvement -----------------------------------------------------------------

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_HALF_PI = Math.sqrt(0.5 * Math.PI);

/**
 * log E[max(0, Z + z)] for a standard normal Z, i.e. log(z Phi(z) + phi(z)), stable for very
 * negative z (Ament et al., "Unexpected improvements to expected improvement", 2023).
 */
export function standardLogEi(z: number): number {
  if (z > -1) return Math.log(z * normalCdf(z) + Math.exp(-0.5 * z * z) * INV_SQRT_2PI);
  if (z > -20) return -0.5 * z * z - LOG_SQRT_2PI + Math.log1p(SQRT_HALF_PI * z * erfcx(-z * Math.SQRT1_2));
  const w = 1 / (z * z);
  return -0.5 * z * z - LOG_SQRT_2PI + Math.log(w) + Math.log1p(w * (-3 + w * (15 - 105 * w)));
}

/** d standardLogEi / dz = Phi(z) / (z Phi(z) + phi(z)). */
export function standardLogEiGrad(z: number): number {
  if (z > -1) return normalCdf(z) / (z * normalCdf(z) + Math.exp(-0.5 * z * z) * INV_SQRT_2PI);
  // Phi(z) = phi(z) erfcx(-z/sqrt2) sqrt(pi/2); the phi factors cancel.
  const c = SQRT_HALF_PI * erfcx(-z * Math.SQRT1_2);
  if (z > -20) return c / (1 + z * c);
  // Asymptotically Phi/EI -> -z - ...: use the expansion's derivative (d/dz of the series above).
  return -z * (1 + 2 / (z * z));
}
