// The "bayes" sampler of a multi-objective study: a multi-objective TPE (MOTPE, Ozaki et al. 2020, as
// in Optuna's TPESampler with several directions). Only the good/bad split differs from the TPE:
// good observations are whole non-domination fronts, the boundary front cut by greedy hypervolume
// subset selection, and weighted by their hypervolume contribution; with constraints, feasible trials
// come first (Optuna's rule). The Parzen estimators, candidates and subsets are the TPE's own.
// Main thread; no store access.
import { hypervolume } from '../../metrics/hypervolume.js';
import { nondominatedRanks } from '../../metrics/pareto.js';
import { TpeSampler, recencyWeights, type Split, type TpeSettings } from './tpe-sampler.js';
import type { SampleContext, TrialSnapshot } from './types.js';

/** Weight of a good observation that adds (almost) no hypervolume, relative to the largest contribution. */
const MIN_WEIGHT = 1e-12;

export class MotpeSampler extends TpeSampler {
  constructor(seed: number, settings: Partial<TpeSettings> = {}) {
    super(seed, settings);
  }

  protected override split(context: SampleContext): Split {
    const directions = context.directions ?? [context.direction];
    const observations: TrialSnapshot[] = [];
    const liars: TrialSnapshot[] = [];
    for (const trial of context.history) {
      if (trial.state === 'FAIL') continue;
      if (isVectorObservation(trial, directions.length)) observations.push(trial);
      else if (trial.state === 'PRUNED' || this.settings.constantLiar) liars.push(trial);
    }
    const n = observations.length;
    const nGood = Math.min(Math.ceil(this.settings.gamma * n), this.settings.gammaMax);
    const losses = observations.map((t) => t.values!.map((v, k) => (directions[k] === 'maximize' ? -v : v)));
    const violation = observations.map((t) => (t.constraints ?? []).reduce((a, c) => a + Math.max(0, c), 0));
    const good = goodIndices(losses, violation, nGood);
    const goodSet = new Set(good);
    const rest: TrialSnapshot[] = [];
    for (let i = n - 1; i >= 0 && rest.length < this.settings.maxBad; i--) if (!goodSet.has(i)) rest.push(observations[i]!);
    rest.reverse();
    const badWeights = new Float64Array(rest.length + liars.length).fill(1);
    badWeights.set(recencyWeights(rest.length));
    return {
      good: { observations: good.map((i) => observations[i]!), weights: contributionWeights(good, losses, violation) },
      bad: { observations: [...rest, ...liars], weights: badWeights },
      observed: n,
    };
  }
}

/** COMPLETE with a finite value per objective. */
function isVectorObservation(trial: TrialSnapshot, objectives: number): boolean {
  return trial.state === 'COMPLETE' && trial.values !== undefined && trial.values.length === objectives && trial.values.every(Number.isFinite);
}

/**
 * The nGood best observations, feasible first: with fewer feasible ones than nGood, the least
 * violating fill the group; otherwise the feasible ones are split by fronts (below).
 */
function goodIndices(losses: readonly number[][], violation: readonly number[], nGood: number): number[] {
  const feasible = violation.flatMap((v, i) => (v === 0 ? [i] : []));
  if (feasible.length < nGood) {
    const order = violation.map((_, i) => i).sort((a, b) => violation[a]! - violation[b]! || a - b);
    return order.slice(0, nGood);
  }
  return frontSplit(feasible.map((i) => losses[i]!), nGood).map((j) => feasible[j]!);
}

/** Whole non-domination fronts while they fit, then greedy hypervolume subset selection on the next. */
export function frontSplit(losses: readonly number[][], nGood: number): number[] {
  const ranks = nondominatedRanks(losses);
  const chosen: number[] = [];
  for (let r = 0; chosen.length < nGood; r++) {
    const front = losses.flatMap((_, i) => (ranks[i] === r ? [i] : []));
    if (chosen.length + front.length <= nGood) {
      chosen.push(...front);
      continue;
    }
    chosen.push(...greedySubset(front.map((i) => losses[i]!), nGood - chosen.length).map((j) => front[j]!));
  }
  return chosen;
}

/** Optuna's reference point from a set's worst point: 1.1x it (0.9x where negative), 0 made tiny. */
function referenceOf(points: readonly number[][]): number[] {
  const worst = points[0]!.map((_, k) => Math.max(...points.map((p) => p[k]!)));
  return worst.map((w) => (w === 0 ? 1e-12 : Math.max(1.1 * w, 0.9 * w)));
}

/** Greedy hypervolume subset selection (a 1 - 1/e approximation): `size` points of one front. */
function greedySubset(points: readonly number[][], size: number): number[] {
  const reference = referenceOf(points);
  const selected: number[] = [];
  let base = 0;
  while (selected.length < size) {
    let bestIndex = -1;
    let bestGain = -Infinity;
    for (let i = 0; i < points.length; i++) {
      if (selected.includes(i)) continue;
      const gain = hypervolume([...selected.map((j) => points[j]!), points[i]!], reference) - base;
      if (gain > bestGain) {
        bestGain = gain;
        bestIndex = i;
      }
    }
    selected.push(bestIndex);
    base += bestGain;
  }
  return selected;
}

/**
 * Weights of the good observations: each one's hypervolume contribution within the group, over the
 * largest; infeasible ones (only when too few are feasible) count next to nothing, as in Optuna.
 */
function contributionWeights(good: readonly number[], losses: readonly number[][], violation: readonly number[]): Float64Array {
  const weights = new Float64Array(good.length).fill(MIN_WEIGHT);
  const feasible = good.flatMap((i, at) => (violation[i] === 0 ? [at] : []));
  if (feasible.length === 1) weights[feasible[0]!] = 1;
  if (feasible.length < 2) return weights;
  const points = feasible.map((at) => losses[good[at]!]!);
  const reference = referenceOf(points);
  const total = hypervolume(points, reference);
  const contributions = points.map((_, j) => total - hypervolume(points.filter((__, k) => k !== j), reference) + MIN_WEIGHT);
  const largest = Math.max(...contributions);
  feasible.forEach((at, j) => (weights[at] = Math.min(1, Math.max(0, contributions[j]! / largest))));
  return weights;
}
