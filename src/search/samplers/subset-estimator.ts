// The bayes sampler's native model of a source subset: per-source inclusion odds (Laplace-smoothed,
// weighted), a smoothed distribution of the subset size, and a pairwise co-occurrence term, giving
// l(S) and g(S) for the good and bad groups. Main thread; pure numbers (no store, no config).
import type { Rng } from '../../util/rng.js';

export interface SubsetOptions {
  /** Pseudo-observations of the prior (inclusion 1/2 for every source, sizes uniform in [min, max]). */
  readonly priorWeight: number;
  /** Strength of the pairwise term (0: independent sources given the size). */
  readonly pairwise: number;
  /** Width (in sources) of the kernel that spreads each observed size over its neighbours. */
  readonly sizeBandwidth: number;
  /** Share of the Hamming-kernel mixture in l and g (0: factored model only, 1: kernels only). */
  readonly kernelShare: number;
  /** Per-source flip probability of a Hamming kernel around an observed subset. */
  readonly flip: number;
}

export interface SubsetModel {
  sample(rng: Rng, out: Uint8Array): void;
  logPdf(s: Uint8Array): number;
}

/** A subset estimator: the factored model, Hamming kernels around the observations, or a mixture. */
export function subsetModel(
  m: number,
  min: number,
  max: number,
  subsets: Uint8Array,
  weights: Float64Array,
  options: SubsetOptions,
  prior: Float64Array | null = null,
): SubsetModel {
  const share = options.kernelShare;
  const factored = share < 1 ? new SubsetEstimator(m, min, max, subsets, weights, options, prior) : null;
  const kernel = share > 0 ? new SubsetKernels(m, min, max, subsets, weights, options, prior) : null;
  if (kernel === null) return factored!;
  if (factored === null) return kernel;
  const logA = Math.log(1 - share);
  const logB = Math.log(share);
  return {
    sample(rng, out) {
      if (rng.next() < share) kernel.sample(rng, out);
      else factored.sample(rng, out);
    },
    logPdf(s) {
      const a = logA + factored.logPdf(s);
      const b = logB + kernel.logPdf(s);
      const hi = Math.max(a, b);
      return hi === -Infinity ? -Infinity : hi + Math.log(Math.exp(a - hi) + Math.exp(b - hi));
    },
  };
}

/**
 * P(S) = P(|S|) * P(S | |S|), where P(S | k) is the conditional Bernoulli law of the smoothed
 * inclusion odds times exp(pairwise * sum of pointwise mutual information over the pairs in S).
 * The pairwise factor is left unnormalised: it changes every candidate's score by its own amount,
 * which is what scoring needs, and the normaliser is constant across candidates.
 */
export class SubsetEstimator implements SubsetModel {
  private readonly logOdds: Float64Array;
  private readonly odds: Float64Array;
  /** m x m pointwise mutual information of inclusion (symmetric, zero diagonal), times `pairwise`. */
  private readonly pmi: Float64Array;
  /** log P(k) - log e_k(odds) for k in [min, max], indexed by k - min. */
  private readonly logSizeTerm: Float64Array;
  private readonly sizeCum: Float64Array;
  private readonly weights: Float64Array;

  /**
   * @param subsets n x m inclusion flags (0/1), row-major.
   * @param weights n observation weights.
   * @param prior per-source prior inclusion probabilities (a screen's), or null for 1/2 each.
   */
  constructor(
    readonly m: number,
    readonly min: number,
    readonly max: number,
    subsets: Uint8Array,
    weights: Float64Array,
    options: SubsetOptions,
    prior: Float64Array | null = null,
  ) {
    const n = weights.length;
    const alpha = options.priorWeight;
    let total = 0;
    for (let j = 0; j < n; j++) total += weights[j] as number;
    const p = new Float64Array(m);
    const co = new Float64Array(m * m);
    const sizes = max - min + 1;
    const sizeMass = new Float64Array(sizes).fill(alpha / sizes);
    const h = options.sizeBandwidth;
    const kernel = new Float64Array(sizes);
    for (let j = 0; j < n; j++) {
      const w = weights[j] as number;
      const row = j * m;
      let k = 0;
      for (let i = 0; i < m; i++) {
        if (subsets[row + i] === 0) continue;
        k++;
        p[i] = (p[i] as number) + w;
        for (let i2 = i + 1; i2 < m; i2++) if (subsets[row + i2] !== 0) co[i * m + i2] = (co[i * m + i2] as number) + w;
      }
      // A discrete Gaussian over the allowed sizes around k: sizes are ordinal, so a good size says
      // something about its neighbours too.
      let ksum = 0;
      for (let s = 0; s < sizes; s++) {
        const d = (s + min - k) / h;
        kernel[s] = Math.exp(-0.5 * d * d);
        ksum += kernel[s] as number;
      }
      for (let s = 0; s < sizes; s++) sizeMass[s] = (sizeMass[s] as number) + (w * (kernel[s] as number)) / ksum;
    }
    this.weights = weights;
    this.logOdds = new Float64Array(m);
    this.odds = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const pi = ((p[i] as number) + alpha * (prior === null ? 0.5 : (prior[i] as number))) / (total + alpha);
      p[i] = pi;
      this.odds[i] = pi / (1 - pi);
      this.logOdds[i] = Math.log(pi / (1 - pi));
    }
    this.pmi = new Float64Array(m * m);
    if (options.pairwise !== 0) {
      for (let i = 0; i < m; i++) {
        for (let i2 = i + 1; i2 < m; i2++) {
          const both = prior === null ? 0.25 : (prior[i] as number) * (prior[i2] as number);
          const q = ((co[i * m + i2] as number) + alpha * both) / (total + alpha);
          const v = options.pairwise * (Math.log(q) - Math.log(p[i] as number) - Math.log(p[i2] as number));
          this.pmi[i * m + i2] = v;
          this.pmi[i2 * m + i] = v;
        }
      }
    }
    // Elementary symmetric polynomials e_0..e_m of the odds: the normaliser of P(S | k).
    const e = new Float64Array(m + 1);
    e[0] = 1;
    for (let i = 0; i < m; i++) {
      const o = this.odds[i] as number;
      for (let k = i + 1; k >= 1; k--) e[k] = (e[k] as number) + o * (e[k - 1] as number);
    }
    let massSum = 0;
    for (let s = 0; s < sizes; s++) massSum += sizeMass[s] as number;
    this.logSizeTerm = new Float64Array(sizes);
    this.sizeCum = new Float64Array(sizes);
    let acc = 0;
    for (let s = 0; s < sizes; s++) {
      const ps = (sizeMass[s] as number) / massSum;
      acc += ps;
      this.sizeCum[s] = acc;
      this.logSizeTerm[s] = Math.log(ps) - Math.log(e[s + min] as number);
    }
  }

  get observations(): number {
    return this.weights.length;
  }

  /** Draws a subset into `out` (0/1 flags): a size from P(k), then sources one by one by odds x pairwise. */
  sample(rng: Rng, out: Uint8Array): void {
    out.fill(0);
    const u = rng.next();
    let s = 0;
    while (s < this.sizeCum.length - 1 && u >= (this.sizeCum[s] as number)) s++;
    const k = s + this.min;
    const m = this.m;
    const bonus = new Float64Array(m);
    for (let step = 0; step < k; step++) {
      let sum = 0;
      const w = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        if (out[i] !== 0) continue;
        const v = (this.odds[i] as number) * Math.exp(bonus[i] as number);
        w[i] = v;
        sum += v;
      }
      let r = rng.next() * sum;
      let pick = -1;
      for (let i = 0; i < m; i++) {
        if (out[i] !== 0) continue;
        pick = i;
        r -= w[i] as number;
        if (r < 0) break;
      }
      out[pick] = 1;
      for (let i = 0; i < m; i++) bonus[i] = (bonus[i] as number) + (this.pmi[pick * m + i] as number);
    }
  }

  logPdf(s: Uint8Array): number {
    const m = this.m;
    let k = 0;
    let v = 0;
    for (let i = 0; i < m; i++) {
      if (s[i] === 0) continue;
      k++;
      v += this.logOdds[i] as number;
      for (let i2 = i + 1; i2 < m; i2++) if (s[i2] !== 0) v += this.pmi[i * m + i2] as number;
    }
    if (k < this.min || k > this.max) return -Infinity;
    return v + (this.logSizeTerm[k - this.min] as number);
  }
}

/**
 * A mixture of Hamming kernels, one per observation (each source flipped with probability `flip`,
 * restricted to the allowed sizes), plus the random sampler's law as the prior component. It keeps
 * the interactions inside each observed subset, which the factored model averages away.
 */
export class SubsetKernels implements SubsetModel {
  private readonly logW: Float64Array;
  private readonly cum: Float64Array;
  /** log of each kernel's mass on the allowed sizes, by the size of its centre. */
  private readonly logZ: Float64Array;
  private readonly logFlip: number;
  private readonly logKeep: number;
  private readonly logPrior: Float64Array;
  /** With a screen prior: log P(min <= |S| <= max) under independent inclusions. */
  private readonly logInRange: number = 0;
  private readonly scratch: Float64Array;
  private readonly sizes: Int32Array;

  constructor(
    readonly m: number,
    readonly min: number,
    readonly max: number,
    private readonly subsets: Uint8Array,
    weights: Float64Array,
    options: SubsetOptions,
    private readonly prior: Float64Array | null = null,
  ) {
    const n = weights.length;
    const raw = new Float64Array(n + 1);
    raw.set(weights);
    raw[n] = options.priorWeight;
    let total = 0;
    for (const w of raw) total += w;
    this.logW = new Float64Array(n + 1);
    this.cum = new Float64Array(n + 1);
    let acc = 0;
    for (let j = 0; j <= n; j++) {
      this.logW[j] = Math.log((raw[j] as number) / total);
      acc += (raw[j] as number) / total;
      this.cum[j] = acc;
    }
    const e = options.flip;
    this.logFlip = Math.log(e);
    this.logKeep = Math.log(1 - e);
    // Z(c) = sum over a removals of c chosen and b additions of m - c others that land in [min, max].
    const logChoose = logBinomials(m);
    this.logZ = new Float64Array(m + 1);
    for (let c = 0; c <= m; c++) {
      let z = 0;
      for (let a = 0; a <= c; a++) {
        for (let b = 0; b <= m - c; b++) {
          const size = c - a + b;
          if (size < min || size > max) continue;
          z += Math.exp(logChoose(c, a) + logChoose(m - c, b) + (a + b) * this.logFlip + (m - a - b) * this.logKeep);
        }
      }
      this.logZ[c] = Math.log(z);
    }
    // The prior: the random sampler's law (size uniform in [min, max], then a uniform subset of it),
    // or with a screen prior, independent inclusions with its probabilities, given a size in range.
    this.logPrior = new Float64Array(m + 1).fill(-Infinity);
    if (prior === null) {
      for (let k = min; k <= max; k++) this.logPrior[k] = -Math.log(max - min + 1) - logChoose(m, k);
    } else {
      const size = new Float64Array(m + 1);
      size[0] = 1;
      for (let i = 0; i < m; i++) {
        const q = prior[i] as number;
        for (let k = i + 1; k >= 1; k--) size[k] = (size[k] as number) * (1 - q) + (size[k - 1] as number) * q;
        size[0] = (size[0] as number) * (1 - q);
      }
      let inRange = 0;
      for (let k = min; k <= max; k++) inRange += size[k] as number;
      this.logInRange = Math.log(inRange);
    }
    this.sizes = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      let c = 0;
      for (let i = 0; i < m; i++) c += subsets[j * m + i] as number;
      this.sizes[j] = c;
    }
    this.scratch = new Float64Array(n + 1);
  }

  sample(rng: Rng, out: Uint8Array): void {
    const u = rng.next();
    let j = 0;
    while (j < this.cum.length - 1 && u >= (this.cum[j] as number)) j++;
    const m = this.m;
    const n = this.sizes.length;
    if (j === n) {
      if (this.prior !== null) {
        for (let attempt = 0; attempt < 1000; attempt++) {
          let size = 0;
          for (let i = 0; i < m; i++) {
            out[i] = rng.next() < (this.prior[i] as number) ? 1 : 0;
            size += out[i] as number;
          }
          if (size >= this.min && size <= this.max) return;
        }
      }
      // The prior component: the random sampler's law.
      const k = rng.int(this.min, this.max);
      const order = rng.permutation(m);
      out.fill(0);
      for (let i = 0; i < k; i++) out[order[i] as number] = 1;
      return;
    }
    for (let attempt = 0; attempt < 64; attempt++) {
      let size = 0;
      for (let i = 0; i < m; i++) {
        const v = this.subsets[j * m + i] as number;
        out[i] = rng.next() < Math.exp(this.logFlip) ? 1 - v : v;
        size += out[i] as number;
      }
      if (size >= this.min && size <= this.max) return;
    }
    for (let i = 0; i < m; i++) out[i] = this.subsets[j * m + i] as number;
  }

  logPdf(s: Uint8Array): number {
    const m = this.m;
    const n = this.sizes.length;
    let k = 0;
    for (let i = 0; i < m; i++) k += s[i] as number;
    if (k < this.min || k > this.max) return -Infinity;
    const acc = this.scratch;
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let i = 0; i < m; i++) if (s[i] !== this.subsets[j * m + i]) d++;
      acc[j] = (this.logW[j] as number) + d * this.logFlip + (m - d) * this.logKeep - (this.logZ[this.sizes[j] as number] as number);
    }
    acc[n] = (this.logW[n] as number) + this.logPriorOf(s, k);
    let hi = -Infinity;
    for (let j = 0; j <= n; j++) if ((acc[j] as number) > hi) hi = acc[j] as number;
    let sum = 0;
    for (let j = 0; j <= n; j++) sum += Math.exp((acc[j] as number) - hi);
    return hi + Math.log(sum);
  }

  private logPriorOf(s: Uint8Array, k: number): number {
    if (this.prior === null) return this.logPrior[k] as number;
    let v = -this.logInRange;
    for (let i = 0; i < this.m; i++) {
      const q = this.prior[i] as number;
      v += Math.log(s[i] !== 0 ? q : 1 - q);
    }
    return v;
  }
}

/** log C(n, k) for n <= m, from a table of log factorials. */
function logBinomials(m: number): (n: number, k: number) => number {
  const lf = new Float64Array(m + 1);
  for (let i = 1; i <= m; i++) lf[i] = (lf[i - 1] as number) + Math.log(i);
  return (n, k) => (lf[n] as number) - (lf[k] as number) - (lf[n - k] as number);
}
