// The Parzen estimator of the bayes sampler: a weighted mixture with one product kernel per
// observation plus a broad prior kernel, over numeric (truncated Gaussian, optionally on a grid) and
// categorical dimensions. Main thread; pure numbers (no store, no config, no params by name).
import type { Rng } from '../../util/rng.js';
import { logGaussMass, logSumExp, truncNormSample } from './gauss.js';

/** One dimension in the estimator's internal coordinates (log-scaled parameters are already logged). */
export type Dim =
  | {
      readonly kind: 'numeric';
      /** Bounds of the kernels (grid parameters: widened by half a step on each side). */
      readonly low: number;
      readonly high: number;
      /** Grid step: the density of a value is the kernel mass of its cell. Null: continuous. */
      readonly q: number | null;
    }
  | { readonly kind: 'categorical'; readonly size: number };

export interface ParzenOptions {
  /** Weight of the prior kernel relative to one observation of weight 1. */
  readonly priorWeight: number;
  /**
   * Bandwidths: 'scott' = factor * range * n^(-1/(d+4)) per numeric dimension (one shared rule,
   * as in multivariate TPE); 'neighbour' = distance to the farther sorted neighbour (univariate TPE).
   */
  readonly bandwidth: 'scott' | 'neighbour';
  readonly bandwidthFactor: number;
  /** Smallest bandwidth as a fraction of the range is 1 / min(magicClip, n + 1). */
  readonly magicClip: number;
}

export class ParzenEstimator {
  /** Components: the n observations, then the prior. */
  private readonly n: number;
  private readonly logWeights: Float64Array;
  private readonly cumWeights: Float64Array;
  /** Per numeric dim: centres and bandwidths of the n + 1 components (null for categorical dims). */
  private readonly mus: (Float64Array | null)[];
  private readonly sigmas: (Float64Array | null)[];
  /** Per numeric dim and component: log of the kernel's mass inside [low, high]. */
  private readonly logNorms: (Float64Array | null)[];
  /** Per continuous dim and component: 1 / sigma, and log(sigma * sqrt(2 pi) * mass) (the density's normaliser). */
  private readonly invSigmas: (Float64Array | null)[];
  private readonly logConsts: (Float64Array | null)[];
  /** Per categorical dim: (n + 1) x size log-probabilities, row per component. */
  private readonly logCats: (Float64Array | null)[];
  private readonly cats: (Float64Array | null)[];
  private readonly scratch: Float64Array;

  /**
   * @param points n x dims.length values, row-major, in internal coordinates (categoricals: index).
   * @param weights n non-negative observation weights.
   */
  constructor(
    readonly dims: readonly Dim[],
    points: Float64Array,
    weights: Float64Array,
    options: ParzenOptions,
  ) {
    const D = dims.length;
    const n = weights.length;
    this.n = n;
    const total = n + 1;
    // Every per-component array is a view into one buffer: a proposal builds two estimators, and
    // separate typed arrays (each with its own backing store) made allocation and GC its main cost.
    let numeric = 0;
    for (const dim of dims) if (dim.kind === 'numeric') numeric++;
    const buffer = new ArrayBuffer(8 * total * (4 + 5 * numeric));
    let offset = 0;
    const view = (): Float64Array => {
      const out = new Float64Array(buffer, offset, total);
      offset += 8 * total;
      return out;
    };
    const raw = view();
    raw.set(weights);
    raw[n] = options.priorWeight;
    let sum = 0;
    for (let j = 0; j < total; j++) sum += raw[j] as number;
    this.logWeights = view();
    this.cumWeights = view();
    let acc = 0;
    for (let j = 0; j < total; j++) {
      const w = (raw[j] as number) / sum;
      this.logWeights[j] = Math.log(w);
      acc += w;
      this.cumWeights[j] = acc;
    }
    const numericDims = numeric;
    this.mus = [];
    this.sigmas = [];
    this.logNorms = [];
    this.logCats = [];
    this.cats = [];
    this.invSigmas = [];
    this.logConsts = [];
    for (let d = 0; d < D; d++) {
      const dim = dims[d] as Dim;
      if (dim.kind === 'categorical') {
        // Each observation's kernel puts its own choice first and spreads the prior weight evenly,
        // as Optuna's TPE does: rare choices keep some mass, so they can still be proposed.
        const K = dim.size;
        const table = new Float64Array(total * K);
        const spread = options.priorWeight / total;
        for (let j = 0; j < total; j++) {
          let rowSum = 0;
          for (let c = 0; c < K; c++) {
            const v = spread + (j < n && points[j * D + d] === c ? 1 : 0);
            table[j * K + c] = v;
            rowSum += v;
          }
          for (let c = 0; c < K; c++) table[j * K + c] = (table[j * K + c] as number) / rowSum;
        }
        const logs = new Float64Array(table.length);
        for (let i = 0; i < table.length; i++) logs[i] = Math.log(table[i] as number);
        this.cats.push(table);
        this.logCats.push(logs);
        this.mus.push(null);
        this.sigmas.push(null);
        this.logNorms.push(null);
        this.invSigmas.push(null);
        this.logConsts.push(null);
        continue;
      }
      const range = dim.high - dim.low;
      const mus = view();
      for (let j = 0; j < n; j++) mus[j] = clamp(points[j * D + d] as number, dim.low, dim.high);
      mus[n] = 0.5 * (dim.low + dim.high);
      const sigmas = view();
      if (options.bandwidth === 'scott') {
        const s = options.bandwidthFactor * range * Math.max(n, 1) ** (-1 / (numericDims + 4));
        sigmas.fill(s);
      } else {
        neighbourBandwidths(mus, n, dim.low, dim.high, sigmas);
        if (options.bandwidthFactor !== 1) for (let j = 0; j < n; j++) sigmas[j] = (sigmas[j] as number) * options.bandwidthFactor;
      }
      const minSigma = range / Math.min(options.magicClip, n + 1);
      for (let j = 0; j < n; j++) sigmas[j] = clamp(sigmas[j] as number, minSigma, range);
      sigmas[n] = range;
      const norms = view();
      const inv = view();
      const consts = view();
      for (let j = 0; j < total; j++) {
        const m = mus[j] as number;
        const s = sigmas[j] as number;
        norms[j] = logGaussMass((dim.low - m) / s, (dim.high - m) / s);
        inv[j] = 1 / s;
        consts[j] = Math.log(s) + HALF_LOG_2PI + (norms[j] as number);
      }
      this.invSigmas.push(inv);
      this.logConsts.push(consts);
      this.mus.push(mus);
      this.sigmas.push(sigmas);
      this.logNorms.push(norms);
      this.logCats.push(null);
      this.cats.push(null);
    }
    this.scratch = view();
  }

  /** Draws one point (internal coordinates) into `out`. */
  sample(rng: Rng, out: Float64Array): void {
    const j = this.pickComponent(rng.next());
    for (let d = 0; d < this.dims.length; d++) {
      const dim = this.dims[d] as Dim;
      if (dim.kind === 'categorical') {
        const table = this.cats[d] as Float64Array;
        const K = dim.size;
        let u = rng.next();
        let c = 0;
        for (; c < K - 1; c++) {
          u -= table[j * K + c] as number;
          if (u < 0) break;
        }
        out[d] = c;
      } else {
        const mu = (this.mus[d] as Float64Array)[j] as number;
        const sigma = (this.sigmas[d] as Float64Array)[j] as number;
        out[d] = truncNormSample(rng, mu, sigma, dim.low, dim.high);
      }
    }
  }

  /**
   * Log density of a point. Grid dimensions must already be snapped to their grid value: their
   * density is the mass of the cell around it.
   */
  logPdf(x: Float64Array): number {
    const total = this.n + 1;
    const acc = this.scratch;
    acc.set(this.logWeights);
    for (let d = 0; d < this.dims.length; d++) {
      const dim = this.dims[d] as Dim;
      const v = x[d] as number;
      if (dim.kind === 'categorical') {
        const logs = this.logCats[d] as Float64Array;
        const K = dim.size;
        for (let j = 0; j < total; j++) acc[j] = (acc[j] as number) + (logs[j * K + v] as number);
        continue;
      }
      const mus = this.mus[d] as Float64Array;
      const sigmas = this.sigmas[d] as Float64Array;
      const norms = this.logNorms[d] as Float64Array;
      if (dim.q === null) {
        const inv = this.invSigmas[d] as Float64Array;
        const consts = this.logConsts[d] as Float64Array;
        for (let j = 0; j < total; j++) {
          const z = (v - (mus[j] as number)) * (inv[j] as number);
          acc[j] = (acc[j] as number) - 0.5 * z * z - (consts[j] as number);
        }
      } else {
        const lo = Math.max(v - dim.q / 2, dim.low);
        const hi = Math.min(v + dim.q / 2, dim.high);
        for (let j = 0; j < total; j++) {
          const m = mus[j] as number;
          const s = sigmas[j] as number;
          acc[j] = (acc[j] as number) + logGaussMass((lo - m) / s, (hi - m) / s) - (norms[j] as number);
        }
      }
    }
    return logSumExp(acc, total);
  }

  private pickComponent(u: number): number {
    // Binary search in the cumulative weights.
    let lo = 0;
    let hi = this.cumWeights.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (u < (this.cumWeights[mid] as number)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

function clamp(x: number, low: number, high: number): number {
  return x < low ? low : x > high ? high : x;
}

/**
 * Univariate TPE's bandwidths: each centre's distance to its farther sorted neighbour, with the
 * range ends as neighbours only for interior points (so the extreme observations are not inflated).
 * Equal centres share the sort position of the first of them. A plain numeric sort and a binary
 * search per centre: a comparator sort of indices cost more than the rest of the estimator.
 */
function neighbourBandwidths(mus: Float64Array, n: number, low: number, high: number, out: Float64Array): void {
  const m = n + 1;
  const sorted = mus.slice(0, m).sort();
  const at = (k: number): number => (k < 0 ? low : k >= m ? high : (sorted[k] as number));
  for (let j = 0; j < m; j++) {
    const v = mus[j] as number;
    let lo = 0;
    let hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    const k = lo;
    let s = Math.max(v - at(k - 1), at(k + 1) - v);
    if (m >= 2 && k === 0) s = at(1) - at(0);
    if (m >= 2 && k === m - 1) s = at(m - 1) - at(m - 2);
    out[j] = s;
  }
}
