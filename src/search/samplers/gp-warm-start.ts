// Warm starts for the gp sampler: the earlier studies' trials become a prior process, and the study's
// own process models what that prior gets wrong (stacked Gaussian processes, as in Google Vizier's
// transfer learning: Golovin et al. 2017, section 3.3). The own process is fitted to the residuals
// y - (a * priorMean(x) + b), a and b by least squares over the study's own trials, so an earlier
// study whose ranking does not hold here is scaled away (a -> 0) instead of steering the search: the
// warm start fades as the study's own trials arrive, without a fixed schedule. Main thread; pure.
import { GpData, GpPosterior, defaultKernelParams, fitProcess } from './gp-regressor.js';
import type { GpSpace } from './gp-encoding.js';
import type { WarmStart } from './types.js';

/** What the acquisition needs of a fitted model: the posterior at a point, and its gradient there. */
export interface Surrogate {
  predict(point: ArrayLike<number>): { mean: number; variance: number };
  /** Gradients at the point of the last `predict` in the numeric dimensions `dims`. */
  gradientOfLastPrediction(point: ArrayLike<number>, dims: readonly number[], gradMean: Float64Array, gradVar: Float64Array): void;
}

/** L-BFGS iterations of the prior process's fit (once per sampler and warm start). */
const PRIOR_FIT_ITERATIONS = 25;
/** Own trials before a and b are fitted; until then the prior is taken as it is (a = 1). */
export const MIN_OWN_FOR_WEIGHT = 5;
/** The prior's weight a is kept in [0, MAX_WEIGHT]: a negative one would follow an anti-related study. */
const MAX_WEIGHT = 2;

/** The earlier studies' trials as one process, each study's values warped and standardised on its own. */
export class PriorProcess {
  private constructor(
    readonly posterior: GpPosterior,
    /** The largest standardised prior value: the bar of the prior's own expected improvement. */
    readonly best: number,
  ) {}

  /**
   * Null when a trial of an earlier study cannot be placed in this space (it lacks a parameter this
   * space has: the bayes sampler's warm start handles partial matches), or there are fewer than 2.
   * `transform` is the sampler's own treatment of values (warp, then standardise), applied per study.
   */
  static of(space: GpSpace, warmStart: WarmStart, transform: (values: readonly number[]) => Float64Array): PriorProcess | null {
    const rows: Float64Array[] = [];
    const ys: number[] = [];
    for (const study of warmStart.studies) {
      const own: Float64Array[] = [];
      for (const trial of study.trials) {
        const row = new Float64Array(space.dims);
        if (!space.encode(trial.params, row)) return null;
        own.push(row);
      }
      // Lower loss is better; the process maximises.
      const values = transform(study.trials.map((t) => -t.loss));
      rows.push(...own);
      ys.push(...values);
    }
    const n = rows.length;
    if (n < 2) return null;
    const x = new Float64Array(n * space.dims);
    rows.forEach((row, i) => x.set(row, i * space.dims));
    const y = Float64Array.from(ys);
    const { posterior } = fitProcess(new GpData(x, n, space.kinds, y), defaultKernelParams(space.dims), PRIOR_FIT_ITERATIONS);
    return new PriorProcess(posterior, Math.max(...ys));
  }
}

/**
 * The prior's weight a and offset b for the study's own values `ys` at prior means `priorMeans`:
 * least squares of ys on a * prior + b, a clamped to [0, MAX_WEIGHT]; before MIN_OWN_FOR_WEIGHT own
 * trials a = 1 and b = the mean offset (the prior as it is, shifted to the own values' level).
 */
export function priorWeight(ys: ArrayLike<number>, priorMeans: ArrayLike<number>): { a: number; b: number } {
  const n = ys.length;
  if (n === 0) return { a: 1, b: 0 };
  let my = 0;
  let mp = 0;
  for (let i = 0; i < n; i++) {
    my += ys[i]! / n;
    mp += priorMeans[i]! / n;
  }
  if (n < MIN_OWN_FOR_WEIGHT) return { a: 1, b: my - mp };
  let cov = 0;
  let varP = 0;
  for (let i = 0; i < n; i++) {
    cov += (ys[i]! - my) * (priorMeans[i]! - mp);
    varP += (priorMeans[i]! - mp) ** 2;
  }
  const a = varP > 1e-12 ? Math.min(MAX_WEIGHT, Math.max(0, cov / varP)) : 0;
  return { a, b: my - a * mp };
}

/** a * prior + b + residual: the mean of both, the residual process's variance. */
export class StackedPosterior implements Surrogate {
  private readonly priorGradMean: Float64Array;
  private readonly priorGradVar: Float64Array;

  constructor(
    private readonly prior: GpPosterior,
    private readonly residual: GpPosterior,
    private readonly a: number,
    private readonly b: number,
    dims: number,
  ) {
    this.priorGradMean = new Float64Array(dims);
    this.priorGradVar = new Float64Array(dims);
  }

  predict(point: ArrayLike<number>): { mean: number; variance: number } {
    const p = this.prior.predict(point);
    const r = this.residual.predict(point);
    return { mean: this.a * p.mean + this.b + r.mean, variance: r.variance };
  }

  gradientOfLastPrediction(point: ArrayLike<number>, dims: readonly number[], gradMean: Float64Array, gradVar: Float64Array): void {
    this.prior.gradientOfLastPrediction(point, dims, this.priorGradMean, this.priorGradVar);
    this.residual.gradientOfLastPrediction(point, dims, gradMean, gradVar);
    for (let q = 0; q < dims.length; q++) gradMean[q] = gradMean[q]! + this.a * this.priorGradMean[q]!;
  }
}
