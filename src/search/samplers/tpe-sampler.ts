// The "bayes" sampler: a Tree-structured Parzen Estimator. After a few random startup trials it splits
// the observations into good and bad by a quantile, fits a Parzen estimator l to the good ones and g
// to the bad ones (jointly over parameters that are active together, or one parameter at a time),
// draws candidates from l and proposes the one with the largest l/g. Main thread; no store access.
import { BAYES_DEFAULTS } from '../../spec/study.js';
import { Rng, mixSeed } from '../../util/rng.js';
import { isActive } from '../space.js';
import type { Condition, ParamSpec, ParamValue, Params, SearchSpace } from '../../spec/space.js';
import { decode, decodeSubset, dimOf, encode, encodeSubset, snap, type ScalarDistribution } from './param-coding.js';
import { ParzenEstimator, type Dim, type ParzenOptions } from './parzen-estimator.js';
import { RandomSampler } from './random-sampler.js';
import { SourceDesigns } from './source-design.js';
import { subsetModel, type SubsetOptions } from './subset-estimator.js';
import { AGREEMENT_MIN_OWN, priorAgreement } from './warm-start.js';
import { drawInBox, inBox, warmBox, type Box, type BoxOptions } from './warm-box.js';
import type { SourcePrior } from '../source-prior.js';
import type { PriorTrial, SampleContext, Sampler, TrialSnapshot, WarmStart } from './types.js';

export interface TpeSettings {
  /** Observations (COMPLETE or PRUNED with a value) before the model is used; random until then. */
  readonly startupTrials: number;
  /** Candidates drawn from l per proposal; more candidates exploit harder. */
  readonly candidates: number;
  /** One joint estimator over the parameters active together (true) or one per parameter (false). */
  readonly multivariate: boolean;
  /** Good group size: ceil(gamma * n), capped at gammaMax. */
  readonly gamma: number;
  readonly gammaMax: number;
  /** Bad observations used for g at most (the most recent): bounds the cost of a proposal. */
  readonly maxBad: number;
  /** Weight of the worst good observation relative to the best (linear in rank between them). */
  readonly goodWeightFloor: number;
  /** Treat RUNNING and WAITING trials as bad observations, so parallel asks spread out. */
  readonly constantLiar: boolean;
  /** Start a source subset with a balanced fractional factorial design (source-design.ts). */
  readonly sourceDesign: boolean;
  /** The study's trial budget, if known: the design is used only when it fills at most a quarter of it. */
  readonly budgetTrials: number | null;
  readonly parzen: ParzenOptions;
  readonly subset: SubsetOptions;
  /**
   * Warm starts: an earlier study's observation weighs `warmWeight` x warmFade / (warmFade + n) of
   * one of the study's own, n being the study's own observations so far: below them from the start,
   * and half as much again once n reaches warmFade.
   */
  readonly warmWeight: number;
  readonly warmFade: number;
  /**
   * Warm starts: the share of candidates drawn uniformly from the box of the earlier studies' best
   * trials (warm-box.ts; 0: none). The box is used from the AGREEMENT_MIN_OWN-th own trial, while
   * the earlier studies' agreement is at least warmBoxGate and this study's own best lies inside it.
   */
  readonly warmBoxShare: number;
  readonly warmBox: BoxOptions;
  readonly warmBoxGate: number;
}

/**
 * Defaults measured on `npm run bench -- samplers` and `-- subsets` (see README). The study-file
 * settings come from BAYES_DEFAULTS; the rest are internal.
 */
export const DEFAULT_TPE_SETTINGS: TpeSettings = Object.freeze({
  startupTrials: BAYES_DEFAULTS.startup_trials,
  candidates: BAYES_DEFAULTS.candidates,
  multivariate: BAYES_DEFAULTS.multivariate,
  gamma: BAYES_DEFAULTS.gamma,
  gammaMax: 25,
  maxBad: 100,
  goodWeightFloor: 0.1,
  constantLiar: BAYES_DEFAULTS.constant_liar,
  sourceDesign: BAYES_DEFAULTS.source_design,
  budgetTrials: null,
  // Univariate TPE's neighbour bandwidths, per dimension, narrowed by 0.8: they shrink as the good
  // points cluster, which Scott's rule (Optuna's multivariate default) does not.
  parzen: Object.freeze({ priorWeight: 1, bandwidth: 'neighbour', bandwidthFactor: 0.8, magicClip: 100 }),
  warmWeight: 0.5,
  warmFade: 20,
  // Off: on the warmstart benchmark, seed by seed against no box (80 seeds), the box was faster as
  // often as slower on every related pair (docs/benchmarks.md, 2026-12-07). The shape below is the
  // best measured one, for `--warm-box-share` and for whoever tries again.
  warmBoxShare: 0,
  warmBox: Object.freeze({ top: 0.2, margin: 0.5 }),
  warmBoxGate: 0.2,
  // Half factored (per-source odds and size), half Hamming kernels around observed subsets (their
  // interactions); the pairwise co-occurrence term did not pay on the subsets benchmark, so it is off.
  subset: Object.freeze({ priorWeight: 1, pairwise: 0, sizeBandwidth: 1, kernelShare: 0.5, flip: 0.1 }),
} as const);

/** A set of parameters sampled jointly: they share one `when` (multivariate) or are one parameter. */
interface Group {
  readonly condition: Condition | undefined;
  readonly scalars: readonly ParamSpec[];
  readonly subset: ParamSpec | null;
}

interface Observation {
  readonly params: Params;
  readonly number: number;
}

/** The observations a proposal models: good ones (for l) and bad ones (for g), with their weights. */
export interface Split {
  readonly good: WeightedSet;
  readonly bad: WeightedSet;
  /** Observations so far (random proposals until startupTrials). */
  readonly observed: number;
}

export class TpeSampler implements Sampler {
  readonly name = 'bayes';
  readonly settings: TpeSettings;
  private readonly random: RandomSampler;
  private readonly designs: SourceDesigns | null;

  constructor(
    private readonly seed: number,
    settings: Partial<TpeSettings> = {},
  ) {
    this.settings = { ...DEFAULT_TPE_SETTINGS, ...settings };
    this.random = new RandomSampler(seed);
    this.designs = this.settings.sourceDesign ? new SourceDesigns(seed, this.settings.budgetTrials) : null;
  }

  sample(context: SampleContext): Params {
    // The other params of a design trial are random, as in any startup trial.
    const designed = this.designs?.trial(context, () => this.random.sample(context)) ?? null;
    if (designed !== null) return designed;
    const own = this.split(context);
    const { observed } = own;
    // Earlier studies stand in for the random start and the balanced design: the model is used at once.
    const warm = this.warmSets(context, observed);
    if (observed < this.settings.startupTrials && warm === null) return this.random.sampleUnseen(context);
    const good = warm === null ? own.good : joinSets(own.good, warm.good);
    const bad = warm === null ? own.bad : joinSets(own.bad, warm.bad);
    const rng = new Rng(mixSeed(this.seed, 0x7be5, context.trialNumber));
    const params: Record<string, ParamValue> = {};
    const groups = groupsOf(context.space, this.settings.multivariate);
    // In a discrete space searched as one group, a candidate is a whole trial: skip the ones already
    // tried or running. Subsets above all would otherwise spend trials re-running their best point.
    const only = groups.length === 1 ? groups[0]! : null;
    const seen =
      only !== null && only.scalars.every((p) => p.distribution.type !== 'float')
        ? new Set(context.history.map((t) => groupKey(only, t.params)))
        : null;
    for (const group of groups) {
      if (!isActive(group.condition, params)) continue;
      Object.assign(params, this.sampleGroup(rng, group, good, bad, seen, context.sourcePrior, warm?.box ?? null));
    }
    return params;
  }

  /**
   * The earlier studies' good and bad observations, each study split by its own ranking as this
   * study's trials are (gamma, gammaMax, the rank weights of the good ones), every weight scaled by
   * the fade. Null without a warm start, or when the earlier studies hold fewer trials than the
   * random start would have run.
   */
  private warmSets(context: SampleContext, observed: number): { good: WeightedSet; bad: WeightedSet; box: Box | null } | null {
    const { warmStart } = context;
    if (warmStart === undefined) return null;
    const total = warmStart.studies.reduce((n, st) => n + st.trials.length, 0);
    if (total < this.settings.startupTrials) return null;
    const fade = (this.settings.warmWeight * this.settings.warmFade) / (this.settings.warmFade + observed);
    const sign = context.direction === 'maximize' ? -1 : 1;
    const own = context.history.filter(isObservation).map((t) => ({ params: t.params, loss: sign * (t.value as number) }));
    const good: Observation[] = [];
    const bad: Observation[] = [];
    const goodWeights: number[] = [];
    const badWeights: number[] = [];
    const floor = this.settings.goodWeightFloor;
    const boxed: (readonly PriorTrial[])[] = [];
    for (const st of warmStart.studies) {
      // An earlier study whose ranking disagrees with this study's own trials stops counting.
      const agreement = Math.max(0, priorAgreement(context.space, own, st.trials));
      if (agreement === 0) continue;
      // The box only once the agreement is measured: used blind, it cost the unrelated pairs (docs/benchmarks.md).
      if (own.length >= AGREEMENT_MIN_OWN && agreement >= this.settings.warmBoxGate) boxed.push(st.trials);
      const weight = fade * agreement;
      const ranked = st.trials.map((t, i) => ({ t, i })).sort((a, b) => a.t.loss - b.t.loss || a.i - b.i);
      const nGood = Math.min(Math.ceil(this.settings.gamma * ranked.length), this.settings.gammaMax);
      ranked.forEach(({ t, i }, r) => {
        if (r < nGood) {
          good.push({ params: t.params, number: -1 - i });
          goodWeights.push(weight * (nGood === 1 ? 1 : 1 - ((1 - floor) * r) / (nGood - 1)));
        } else if (r < nGood + this.settings.maxBad) {
          bad.push({ params: t.params, number: -1 - i });
          badWeights.push(weight);
        }
      });
    }
    if (good.length === 0) return null;
    const box = this.settings.warmBoxShare > 0 && boxed.length > 0 ? warmBox(context.space, boxed, this.settings.warmBox) : null;
    const bestOwn = own.reduce<(typeof own)[number] | null>((a, b) => (a === null || b.loss < a.loss ? b : a), null);
    return {
      good: { observations: good, weights: Float64Array.from(goodWeights) },
      bad: { observations: bad, weights: Float64Array.from(badWeights) },
      box: box !== null && (bestOwn === null || inBox(context.space, box, bestOwn.params)) ? box : null,
    };
  }

  /**
   * Good: the best ceil(gamma * n) observations (ties by trial number). Bad: the most recent `maxBad`
   * of the rest with recency weights, plus the constant liars (unfinished trials, pruned without value).
   * One pass plus a small insertion list, so a long history costs little and allocates little.
   */
  protected split(context: SampleContext): Split {
    const { history, direction } = context;
    const sign = direction === 'maximize' ? -1 : 1;
    const liars: TrialSnapshot[] = [];
    let n = 0;
    for (const trial of history) if (isObservation(trial)) n++;
    const nGood = Math.min(Math.ceil(this.settings.gamma * n), this.settings.gammaMax);
    // The nGood best so far, sorted by (loss, number); history is in number order, so a later trial
    // with an equal loss ranks after.
    const best: TrialSnapshot[] = [];
    const bestLoss: number[] = [];
    for (const trial of history) {
      if (trial.state === 'FAIL') continue;
      if (!isObservation(trial)) {
        if (trial.state === 'PRUNED' || this.settings.constantLiar) liars.push(trial);
        continue;
      }
      const loss = sign * (trial.value as number);
      if (best.length === nGood && !(loss < (bestLoss[nGood - 1] as number))) continue;
      let at = best.length;
      while (at > 0 && loss < (bestLoss[at - 1] as number)) at--;
      best.splice(at, 0, trial);
      bestLoss.splice(at, 0, loss);
      if (best.length > nGood) {
        best.pop();
        bestLoss.pop();
      }
    }
    const goodSet = new Set(best);
    // The most recent maxBad observations outside the good group, oldest first.
    const rest: TrialSnapshot[] = [];
    for (let i = history.length - 1; i >= 0 && rest.length < this.settings.maxBad; i--) {
      const trial = history[i] as TrialSnapshot;
      if (isObservation(trial) && !goodSet.has(trial)) rest.push(trial);
    }
    rest.reverse();
    const floor = this.settings.goodWeightFloor;
    const goodWeights = new Float64Array(nGood);
    for (let r = 0; r < nGood; r++) goodWeights[r] = nGood === 1 ? 1 : 1 - ((1 - floor) * r) / (nGood - 1);
    const badWeights = new Float64Array(rest.length + liars.length).fill(1);
    badWeights.set(recencyWeights(rest.length));
    return {
      good: { observations: best, weights: goodWeights },
      bad: { observations: [...rest, ...liars], weights: badWeights },
      observed: n,
    };
  }

  private sampleGroup(
    rng: Rng,
    group: Group,
    good: WeightedSet,
    bad: WeightedSet,
    seen: Set<string> | null,
    sourcePrior: SourcePrior | undefined,
    box: Box | null,
  ): Params {
    const dists = group.scalars.map((p) => p.distribution as ScalarDistribution);
    const dims: Dim[] = dists.map(dimOf);
    // A screen prior (screen_prior) replaces the 1/2 prior inclusion odds of each source.
    const items = (group.subset?.distribution as { items: readonly string[] } | undefined)?.items;
    const prior = items !== undefined && sourcePrior !== undefined ? Float64Array.from(items, (i) => sourcePrior[i] ?? 0.5) : null;
    const l = this.fit(group, dims, good, prior);
    const g = this.fit(group, dims, bad, prior);
    const D = dims.length;
    const m = group.subset === null ? 0 : (group.subset.distribution as { items: readonly string[] }).items.length;
    const x = new Float64Array(D);
    const s = new Uint8Array(m);
    const bestX = new Float64Array(D);
    const bestS = new Uint8Array(m);
    let best = -Infinity;
    let found = 0;
    const attempts = seen === null ? this.settings.candidates : this.settings.candidates * 4;
    // The box's sides for this group's numeric params (null: a dim the box leaves free).
    const sides = box === null ? null : group.scalars.map((p) => box.get(p.name) ?? null);
    const boxed = sides === null ? 0 : Math.round(this.settings.warmBoxShare * this.settings.candidates);
    for (let c = 0; c < attempts && found < this.settings.candidates; c++) {
      let score = 0;
      if (D > 0) {
        l.scalars!.sample(rng, x);
        if (c < boxed) {
          sides!.forEach((side, d) => {
            if (side !== null) x[d] = drawInBox(rng, side);
          });
        }
        for (let d = 0; d < D; d++) x[d] = snap(dists[d] as ScalarDistribution, x[d] as number);
        score += l.scalars!.logPdf(x) - g.scalars!.logPdf(x);
      }
      if (m > 0) {
        l.subset!.sample(rng, s);
        score += l.subset!.logPdf(s) - g.subset!.logPdf(s);
      }
      if (seen !== null && seen.has(candidateKey(dists, x, s))) {
        if (c === 0) {
          bestX.set(x);
          bestS.set(s);
        }
        continue;
      }
      if (found++ === 0 || score > best) {
        best = score;
        bestX.set(x);
        bestS.set(s);
      }
    }
    const out: Record<string, ParamValue> = {};
    group.scalars.forEach((p, d) => {
      out[p.name] = decode(dists[d] as ScalarDistribution, bestX[d] as number);
    });
    if (group.subset !== null) {
      out[group.subset.name] = decodeSubset((group.subset.distribution as { items: readonly string[] }).items, bestS);
    }
    return out;
  }

  /** The estimators of one group from the observations where the group was active. */
  private fit(group: Group, dims: readonly Dim[], set: WeightedSet, prior: Float64Array | null) {
    const D = dims.length;
    const subsetDist = group.subset?.distribution as { items: readonly string[]; min: number; max: number } | undefined;
    const m = subsetDist?.items.length ?? 0;
    const points: number[] = [];
    const flags: number[] = [];
    const weights: number[] = [];
    const row = new Float64Array(D);
    const srow = new Uint8Array(m);
    set.observations.forEach((obs, j) => {
      for (let d = 0; d < D; d++) {
        const p = group.scalars[d] as ParamSpec;
        const v = encode(p.distribution as ScalarDistribution, obs.params[p.name]);
        if (v === null) return;
        row[d] = v;
      }
      if (group.subset !== null) {
        srow.fill(0);
        if (!encodeSubset(subsetDist!.items, obs.params[group.subset.name], srow, 0)) return;
      }
      for (let d = 0; d < D; d++) points.push(row[d] as number);
      for (let i = 0; i < m; i++) flags.push(srow[i] as number);
      weights.push(set.weights === null ? 1 : (set.weights[j] as number));
    });
    const w = Float64Array.from(weights);
    return {
      scalars: D > 0 ? new ParzenEstimator(dims, Float64Array.from(points), w, this.settings.parzen) : null,
      subset:
        subsetDist !== undefined
          ? subsetModel(m, subsetDist.min, subsetDist.max, Uint8Array.from(flags), w, this.settings.subset, prior)
          : null,
    };
  }
}

export interface WeightedSet {
  readonly observations: readonly Observation[];
  /** Null: all 1. */
  readonly weights: Float64Array | null;
}

function joinSets(a: WeightedSet, b: WeightedSet): WeightedSet {
  const weights = new Float64Array(a.observations.length + b.observations.length);
  weights.set(a.weights ?? new Float64Array(a.observations.length).fill(1));
  weights.set(b.weights ?? new Float64Array(b.observations.length).fill(1), a.observations.length);
  return { observations: [...a.observations, ...b.observations], weights };
}

/** COMPLETE or PRUNED with a finite value: a trial the model learns from. */
function isObservation(trial: TrialSnapshot): boolean {
  return (trial.state === 'COMPLETE' || trial.state === 'PRUNED') && trial.value !== null && Number.isFinite(trial.value);
}

/** Optuna's TPE weights: the 25 most recent count fully, older ones ramp down linearly to 1/n. */
export function recencyWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  const flat = 25;
  if (n <= flat) return w;
  const ramp = n - flat;
  for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  return w;
}

/** Groups in space order. Multivariate: parameters with the same condition; else one per parameter. */
function groupsOf(space: SearchSpace, multivariate: boolean): Group[] {
  const groups: { key: string; condition: Condition | undefined; scalars: ParamSpec[]; subset: ParamSpec | null }[] = [];
  for (const param of space) {
    const key = multivariate ? conditionKey(param.when) : param.name;
    let group = groups.find((g) => g.key === key);
    if (group === undefined) {
      group = { key, condition: param.when, scalars: [], subset: null };
      groups.push(group);
    }
    if (param.distribution.type === 'subset') group.subset = param;
    else group.scalars.push(param);
  }
  return groups;
}

function conditionKey(when: Condition | undefined): string {
  if (when === undefined) return '';
  return JSON.stringify(Object.keys(when).sort().map((k) => [k, when[k]]));
}

/** The identity of a group's values in a trial (decoded values, subset as flags). */
function groupKey(group: Group, params: Params): string {
  const parts: string[] = group.scalars.map((p) => JSON.stringify(params[p.name] ?? null));
  if (group.subset !== null) {
    const items = (group.subset.distribution as { items: readonly string[] }).items;
    const flags = new Uint8Array(items.length);
    encodeSubset(items, params[group.subset.name], flags, 0);
    parts.push(flags.join(''));
  }
  return parts.join('|');
}

function candidateKey(dists: readonly ScalarDistribution[], x: Float64Array, s: Uint8Array): string {
  const parts: string[] = dists.map((dist, d) => JSON.stringify(decode(dist, x[d] as number)));
  if (s.length > 0) parts.push(s.join(''));
  return parts.join('|');
}
