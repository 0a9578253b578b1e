// The "gp" sampler: Bayesian optimisation with a Gaussian process. After a few random trials it fits
// a Matérn-5/2 ARD process to the standardised values over the encoded space (gp-encoding.ts), with
// kernel hyperparameters by marginal likelihood (warm-started from a cached fit; values warped first so
// that a far tail of poor trials does not dominate, value-warp.ts), and proposes the
// point of largest log expected improvement found by random candidates plus type-respecting local
// search. Running trials enter the model with a lie for a value (the mean of the observed values, or
// the model's prediction where that is lower), so parallel workers spread out. Past `tpeAfter` finished trials, or in spaces of many dimensions, it hands over
// to the bayes (TPE) sampler, whose cost does not grow with the history. Main thread; no store.
import { GP_DEFAULTS } from '../../spec/study.js';
import { Rng, mixSeed } from '../../util/rng.js';
import { GpSpace } from './gp-encoding.js';
import {
  GpData,
  GpPosterior,
  defaultKernelParams,
  fitKernelParams,
  fitProcess,
  standardLogEi,
  standardLogEiGrad,
  type KernelParams,
} from './gp-regressor.js';
import { RandomSampler } from './random-sampler.js';
import { SourceDesigns } from './source-design.js';
import { TpeSampler } from './tpe-sampler.js';
import { compressTail } from './value-warp.js';
import type { Params, SearchSpace } from '../../spec/space.js';
import type { SampleContext, Sampler, TrialSnapshot } from './types.js';

export interface GpSettings {
  /** Finished trials with a value before the model is used; random until then. */
  readonly startupTrials: number;
  /** From this many finished trials on, proposals come from the bayes (TPE) sampler. */
  readonly tpeAfter: number;
  /** Spaces with more encoded dimensions than this use TPE from the start (the GP needs too many trials there). */
  readonly maxDims: number;
  /**
   * Running and waiting trials enter the model as if they had the mean observed value (or the
   * prediction where lower): a constant liar. The model's own prediction (Kriging believer) left
   * the asks of parallel workers 1e-4 to 1e-2 apart near an optimum; the mean lie spreads them by
   * a length scale, and a lie at the worst value pushes them to the far ends of the space.
   */
  readonly constantLiar: boolean;
  /**
   * Observed values are warped by -log(best - y + delta) before they are standardised, delta this many
   * times the median gap to the best (value-warp.ts); null: not warped. 10 against none, our gp alone
   * on 79 problems x 6 seeds (BBOB at 2, 5 and 10-D, the classics, mixed, subset): wins-losses 254-186
   * at 50 trials and 272-174 at 100. 0.1 lost badly on Hartmann6; 1 and 3 were each ahead of 10 on a
   * few smooth problems and behind on others, and 3 was level with 10 over the 5-D problems.
   */
  readonly tailSoftness: number | null;
  /** Random candidates scored per proposal before the local searches. */
  readonly candidates: number;
  /** Local searches per proposal (from the best candidates and the best observed points). */
  readonly localSearches: number;
  /** L-BFGS iterations of the per-proposal hyperparameter fit, warm-started from the last checkpoint. */
  readonly fitIterations: number;
  /** L-BFGS iterations of a checkpoint fit (cached; see `hyperparameters`). */
  readonly checkpointIterations: number;
  /**
   * Start a source subset with the balanced fractional factorial design bayes uses (source-design.ts),
   * so the per-source effects the study reports are measured evenly whichever sampler proposes.
   */
  readonly sourceDesign: boolean;
  /** The study's trial budget: the design is used only when it fills at most a quarter of it. */
  readonly budgetTrials: number | null;
}

export const DEFAULT_GP_SETTINGS: GpSettings = Object.freeze({
  startupTrials: GP_DEFAULTS.startup_trials,
  tpeAfter: GP_DEFAULTS.tpe_after,
  maxDims: 40,
  constantLiar: GP_DEFAULTS.constant_liar,
  tailSoftness: 10,
  // 128 candidates and 3 fit steps, against 256 and 6 before: level in quality over 79 problems x 5
  // seeds (2-, 5- and 10-D; docs/benchmarks.md, 2026-12-07) at 0.65 of the cost per trial.
  candidates: 128,
  localSearches: 5,
  fitIterations: 3,
  checkpointIterations: 25,
  sourceDesign: GP_DEFAULTS.source_design,
  budgetTrials: null,
});

/**
 * Observation counts whose hyperparameters are cached and chained: each checkpoint's fit starts from
 * the previous one's, and a proposal's fit starts from the last checkpoint below its count. The fit
 * is a function of the history alone (the first c observations in trial-number order), so a resumed
 * process, which starts with an empty cache, proposes exactly what the uninterrupted one would have.
 */
const CHECKPOINTS: readonly number[] = (() => {
  const out: number[] = [];
  for (let c = 8; c < 100_000; c = Math.ceil(c * 1.25)) out.push(c);
  return out;
})();

interface Observation {
  readonly number: number;
  readonly row: Float64Array;
  /** To maximise. */
  readonly y: number;
}

export class GpSampler implements Sampler {
  readonly name = 'gp';
  readonly settings: GpSettings;
  private readonly random: RandomSampler;
  private readonly tpe: TpeSampler;
  private readonly designs: SourceDesigns | null;
  private readonly spaces = new WeakMap<SearchSpace, GpSpace>();
  /** Checkpoint fits by the identity of their observations (a pure cache: see CHECKPOINTS). */
  private readonly fits = new Map<string, KernelParams>();

  constructor(
    private readonly seed: number,
    settings: Partial<GpSettings> = {},
  ) {
    this.settings = { ...DEFAULT_GP_SETTINGS, ...settings };
    this.random = new RandomSampler(seed);
    this.tpe = new TpeSampler(seed, { budgetTrials: this.settings.budgetTrials, sourceDesign: this.settings.sourceDesign });
    this.designs = this.settings.sourceDesign ? new SourceDesigns(seed, this.settings.budgetTrials) : null;
  }

  sample(context: SampleContext): Params {
    // The other params of a design trial are random, as in any startup trial.
    const designed = this.designs?.trial(context, () => this.random.sample(context)) ?? null;
    if (designed !== null) return designed;
    const space = this.spaceOf(context.space);
    const sign = context.direction === 'maximize' ? 1 : -1;
    const observations: Observation[] = [];
    const pending: Float64Array[] = [];
    let observed = 0;
    const sorted = [...context.history].sort((a, b) => a.number - b.number);
    for (const trial of sorted) {
      if (isObservation(trial)) observed++;
      else if (trial.state === 'FAIL' || trial.state === 'PRUNED') continue;
      const row = new Float64Array(space.dims);
      if (!space.encode(trial.params, row)) continue;
      if (isObservation(trial)) observations.push({ number: trial.number, row, y: sign * (trial.value as number) });
      else pending.push(row);
    }
    if (observed >= this.settings.tpeAfter || space.dims > this.settings.maxDims || space.dims === 0) return this.tpe.sample(context);
    if (observed < this.settings.startupTrials || observations.length < 2) return this.random.sampleUnseen(context);

    const rng = new Rng(mixSeed(this.seed, 0x69e2, context.trialNumber));
    const n = observations.length;
    const D = space.dims;
    const ys = standardise(compressTail(observations.map((o) => o.y), this.settings.tailSoftness));
    const x = new Float64Array(n * D);
    observations.forEach((o, i) => x.set(o.row, i * D));
    const fitted = this.fitted(space, observations, ys, x);
    const params = fitted.params;
    let posterior = fitted.posterior;
    let best = -Infinity;
    for (const v of ys) best = Math.max(best, v);
    if (this.settings.constantLiar && pending.length > 0) {
      // 0 is the mean of the standardised values.
      const believed = pending.map((row) => Math.min(0, posterior.predict(row).mean));
      const xa = new Float64Array((n + pending.length) * D);
      xa.set(x);
      pending.forEach((row, i) => xa.set(row, (n + i) * D));
      const ya = Float64Array.from([...ys, ...believed]);
      for (const v of believed) best = Math.max(best, v);
      posterior = GpPosterior.fit(xa, n + pending.length, space.kinds, ya, params);
    }
    const seen = space.hasFloat ? null : new Set([...observations.map((o) => key(o.row)), ...pending.map(key)]);
    const latent = new Acquisition(space, posterior, best).optimise(rng, observations, ys, this.settings, seen);
    return latent === null ? this.random.sample(context) : space.decode(latent);
  }

  private spaceOf(space: SearchSpace): GpSpace {
    let encoded = this.spaces.get(space);
    if (encoded === undefined) {
      encoded = new GpSpace(space);
      this.spaces.set(space, encoded);
    }
    return encoded;
  }

  /**
   * Kernel hyperparameters for the observations, and the process they give: a few L-BFGS steps from
   * the fit of the largest checkpoint below their count (chained checkpoint fits, each cached), or
   * from the defaults.
   */
  private fitted(space: GpSpace, observations: readonly Observation[], ys: Float64Array, x: Float64Array): { params: KernelParams; posterior: GpPosterior } {
    const n = observations.length;
    const below = CHECKPOINTS.filter((c) => c < n);
    const start = below.length > 0 ? this.checkpoint(space, observations, below.length - 1) : defaultKernelParams(space.dims);
    const iterations = below.length > 0 ? this.settings.fitIterations : this.settings.checkpointIterations;
    return fitProcess(new GpData(x, n, space.kinds, ys), start, iterations);
  }

  private checkpoint(space: GpSpace, observations: readonly Observation[], index: number): KernelParams {
    const c = CHECKPOINTS[index]!;
    const prefix = observations.slice(0, c);
    const id = `${space.dims}|${prefix.map((o) => `${o.number}:${o.y}`).join(',')}`;
    const cached = this.fits.get(id);
    if (cached !== undefined) return cached;
    const start = index > 0 ? this.checkpoint(space, observations, index - 1) : defaultKernelParams(space.dims);
    const ys = standardise(compressTail(prefix.map((o) => o.y), this.settings.tailSoftness));
    const x = new Float64Array(c * space.dims);
    prefix.forEach((o, i) => x.set(o.row, i * space.dims));
    const fitted = fitKernelParams(new GpData(x, c, space.kinds, ys), start, this.settings.checkpointIterations);
    if (this.fits.size >= 256) this.fits.delete(this.fits.keys().next().value as string);
    this.fits.set(id, fitted);
    return fitted;
  }
}

/** Log expected improvement over `best` and its maximisation over the encoded space. */
class Acquisition {
  private readonly row: Float64Array;
  private readonly active: Uint8Array;
  private readonly gradMean: Float64Array;
  private readonly gradVar: Float64Array;

  constructor(
    private readonly space: GpSpace,
    private readonly posterior: GpPosterior,
    private readonly best: number,
  ) {
    this.row = new Float64Array(space.dims);
    this.active = new Uint8Array(space.params.length).fill(1);
    this.gradMean = new Float64Array(space.dims);
    this.gradVar = new Float64Array(space.dims);
  }

  /** The posterior at the point of the last `score` (for `gradientOfLastScore`). */
  private lastMean = 0;
  private lastVariance = 0;

  /** log EI of a latent point. */
  score(latent: Float64Array): number {
    this.space.effective(latent, this.active, this.row);
    const { mean, variance } = this.posterior.predict(this.row);
    this.lastMean = mean;
    this.lastVariance = variance;
    const sigma = Math.sqrt(Math.max(variance, 1e-18));
    return Math.log(sigma) + standardLogEi((mean - this.best) / sigma);
  }

  /**
   * The best latent point found: `candidates` random points and the best observed points, then a
   * local search from the `localSearches` best of them. In a discrete space (`seen` given), points
   * already tried or running are skipped; null when every point found was.
   */
  optimise(rng: Rng, observations: readonly Observation[], ys: Float64Array, settings: GpSettings, seen: Set<string> | null): Float64Array | null {
    const D = this.space.dims;
    const pool: { x: Float64Array; s: number }[] = [];
    for (let c = 0; c < settings.candidates; c++) {
      const x = new Float64Array(D);
      this.space.randomLatent(rng, x);
      pool.push({ x, s: this.score(x) });
    }
    // The best observed points start local searches too: EI is often largest next to them.
    const order = Array.from(ys.keys()).sort((a, b) => ys[b]! - ys[a]! || a - b);
    const starts = Math.min(2, order.length, settings.localSearches);
    const seeds: { x: Float64Array; s: number }[] = [];
    for (let k = 0; k < starts; k++) {
      const fill = new Float64Array(D);
      this.space.randomLatent(rng, fill);
      const x = new Float64Array(D);
      this.space.latentOfRow(observations[order[k]!]!.row, fill, x);
      seeds.push({ x, s: this.score(x) });
    }
    pool.sort((a, b) => b.s - a.s);
    const unseen = seen === null ? null : new UnseenBest(this.space, seen);
    const results = [...seeds, ...pool.slice(0, settings.localSearches - starts)].map((start) => this.localSearch(start.x, start.s, 12, unseen));
    results.push(...pool);
    if (unseen === null) {
      results.sort((a, b) => b.s - a.s);
      return results[0]?.x ?? null;
    }
    for (const r of results) unseen.offer(r.x, r.s);
    return unseen.x;
  }

  /** Hill climbing: gradient steps on the float coordinates, then the best discrete move, until neither helps. */
  private localSearch(start: Float64Array, startScore: number, steps: number, unseen: UnseenBest | null): { x: Float64Array; s: number } {
    const x = Float64Array.from(start);
    let s = startScore;
    const trial = new Float64Array(x.length);
    for (let round = 0; round < 3; round++) {
      let improved = false;
      this.space.activity(x, this.active);
      const dims = this.space.floatCoordinates(this.space.conditional ? this.active : null);
      if (dims.length > 0) {
        let step = 0.1;
        const g = new Float64Array(dims.length);
        // The gradient at x: computed once here, then again only where a step is accepted (a
        // rejected step leaves x, so its gradient stands).
        this.score(x);
        let hasGradient = this.gradientOfLastScore(dims, g);
        for (let it = 0; it < steps && step > 1e-6; it++) {
          if (!hasGradient) break;
          let norm = 0;
          for (const v of g) norm += v * v;
          norm = Math.sqrt(norm);
          if (!(norm > 1e-12)) break;
          trial.set(x);
          dims.forEach((d, q) => (trial[d] = Math.min(1, Math.max(0, x[d]! + (step * g[q]!) / norm))));
          const t = this.score(trial);
          if (t > s + 1e-12) {
            x.set(trial);
            s = t;
            improved = true;
            step = Math.min(step * 2, 0.5);
            hasGradient = this.gradientOfLastScore(dims, g);
          } else {
            step *= 0.25;
          }
        }
      }
      let bestMove = null as Float64Array | null;
      let bestScore = s;
      this.space.activity(x, this.active);
      const active = this.space.conditional ? Uint8Array.from(this.active) : null;
      this.space.discreteNeighbours(x, active, () => {
        const t = this.score(x);
        unseen?.offer(x, t);
        if (t > bestScore + 1e-12) {
          bestScore = t;
          bestMove = Float64Array.from(x);
        }
      });
      if (bestMove !== null) {
        x.set(bestMove);
        s = bestScore;
        improved = true;
      }
      if (!improved) break;
    }
    return { x, s };
  }

  /**
   * Gradient of log EI in the coordinates `dims` into g, at the point of the last `score` (whose
   * kernel row the posterior still holds); false where it is not defined (no variance).
   */
  private gradientOfLastScore(dims: readonly number[], g: Float64Array): boolean {
    const mean = this.lastMean;
    const variance = this.lastVariance;
    if (!(variance > 1e-18)) return false;
    this.posterior.gradientOfLastPrediction(this.row, dims, this.gradMean, this.gradVar);
    const sigma = Math.sqrt(variance);
    const z = (mean - this.best) / sigma;
    const h = standardLogEiGrad(z);
    for (let q = 0; q < dims.length; q++) {
      const dSigma = this.gradVar[q]! / (2 * sigma);
      g[q] = (h * this.gradMean[q]!) / sigma + (1 / sigma - (h * z) / sigma) * dSigma;
    }
    return true;
  }
}

/**
 * In a discrete space, the best-scoring point not yet tried or running among every point a proposal
 * scored. A climb often ends on a tried point (EI is large next to the best ones): the untried
 * neighbours it passed on the way (a source swapped, say) are better proposals than a random candidate.
 */
class UnseenBest {
  x: Float64Array | null = null;
  private s = -Infinity;
  private readonly row: Float64Array;
  private readonly active: Uint8Array;

  constructor(
    private readonly space: GpSpace,
    private readonly seen: Set<string>,
  ) {
    this.row = new Float64Array(space.dims);
    this.active = new Uint8Array(space.params.length);
  }

  offer(latent: Float64Array, score: number): void {
    if (!(score > this.s)) return;
    this.space.effective(latent, this.active, this.row);
    if (this.seen.has(key(this.row))) return;
    this.x = Float64Array.from(latent);
    this.s = score;
  }
}

/** COMPLETE or PRUNED with a finite value: a trial the model learns from. */
function isObservation(trial: TrialSnapshot): boolean {
  return (trial.state === 'COMPLETE' || trial.state === 'PRUNED') && trial.value !== null && Number.isFinite(trial.value);
}

/** Zero mean, unit variance (a constant history becomes all zeros). */
function standardise(values: readonly number[]): Float64Array {
  const n = values.length;
  let mean = 0;
  for (const v of values) mean += v / n;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2 / n;
  const sd = Math.sqrt(variance) > 1e-12 ? Math.sqrt(variance) : 1;
  return Float64Array.from(values, (v) => (v - mean) / sd);
}

function key(row: Float64Array): string {
  return Array.from(row, (v) => (v !== v ? 'x' : v.toFixed(9))).join(',');
}
