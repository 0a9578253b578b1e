// The surrogate of transfer gain on source-inclusion indicators (after Li, Nguyen and Zhang 2023,
// "Identification of negative transfers in multitask learning using surrogate models"): per unit,
//   gain = intercept[target, seed] + sum_s beta_s [s in S] + sum_{s<r} gamma_sr [s, r in S]
//          + delta . recipe covariates + noise,
// fitted by ridge (intercepts unpenalised). One intercept per (target, seed) cell: every trial's unit
// in a cell is measured against the same baseline split and initialisation, so the cell's share of
// the noise is common to all of them and comes out of the effects. Trials are the resampling clusters of the bootstrap, so each
// trial's contribution to X'X and X'y is kept apart. Main thread; pure.
import { gram, matrix, solveSpd, transposeTimes } from '../metrics/linalg.js';
import type { ParamValue } from '../spec/space.js';
import type { TrialRow } from './trial-table.js';

export interface SurrogateDesign {
  /** Intercept columns, one per (target, seed) cell present: `target#seedIndex`. */
  readonly cells: readonly string[];
  /** Indicator columns, one per source (after the intercepts). */
  readonly sources: readonly string[];
  /** Pairwise interaction columns [i, j] (i < j, indices into sources), after the indicators. */
  readonly pairs: readonly (readonly [number, number])[];
  /** Recipe covariates after the interactions: `name` or `name=value` (one-hot), standardised. */
  readonly covariates: readonly string[];
  /** Total columns. */
  readonly width: number;
  /** Per trial: sum over its units of x x^T (width^2) and of x y (width), and its unit count. */
  readonly clusters: readonly { readonly xtx: Float64Array; readonly xty: Float64Array; readonly units: number }[];
}

export interface DesignOptions {
  /** Model pairwise source interactions (default true when there are at most MAX_PAIRWISE_SOURCES sources). */
  readonly interactions?: boolean;
}

/** Above this many sources the pairwise terms (n(n-1)/2 of them) cost more than they explain. */
export const MAX_PAIRWISE_SOURCES = 12;

/**
 * Builds the design of `trials` restricted to the units of `onlyTarget` (null: every target).
 * Numeric recipe params become z-scores (a param a trial lacks counts as the mean), categorical ones
 * one-hot columns; params that never vary are left out (they are confounded with the intercept).
 */
export function buildDesign(
  trials: readonly TrialRow[],
  sources: readonly string[],
  targets: readonly string[],
  onlyTarget: string | null,
  options: DesignOptions = {},
): SurrogateDesign {
  const used = trials.map((t) => ({ trial: t, units: t.units.filter((u) => onlyTarget === null || u.target === onlyTarget) }));
  const seen = new Set(used.flatMap((u) => u.units.map((x) => cellOf(x.target, x.seedIndex))));
  const seeds = [...new Set(used.flatMap((u) => u.units.map((x) => x.seedIndex)))].sort((a, b) => a - b);
  const present = targets.flatMap((t) => seeds.map((s) => cellOf(t, s))).filter((c) => seen.has(c));
  const encoders = recipeEncoders(used.filter((u) => u.units.length > 0).map((u) => u.trial));
  const covariates = encoders.map((e) => e.name);
  const interactions = options.interactions ?? sources.length <= MAX_PAIRWISE_SOURCES;
  const pairs: [number, number][] = [];
  if (interactions) for (let i = 0; i < sources.length; i++) for (let j = i + 1; j < sources.length; j++) pairs.push([i, j]);
  const main = present.length;
  const inter = main + sources.length;
  const cov = inter + pairs.length;
  const width = cov + covariates.length;
  const clusters = used.map(({ trial, units }) => {
    const x = new Float64Array(width);
    const chosen = new Set(trial.sources);
    sources.forEach((s, i) => (x[main + i] = chosen.has(s) ? 1 : 0));
    pairs.forEach(([a, b], k) => (x[inter + k] = x[main + a]! * x[main + b]!));
    encoders.forEach((e, i) => (x[cov + i] = e.encode(trial.recipe[e.param])));
    const rows = matrix(units.length, width);
    const y = new Float64Array(units.length);
    units.forEach((u, r) => {
      rows.data.set(x, r * width);
      rows.data[r * width + present.indexOf(cellOf(u.target, u.seedIndex))] = 1;
      y[r] = u.gain;
    });
    return { xtx: gram(rows).data, xty: transposeTimes(rows, y), units: units.length };
  });
  return { cells: present, sources, pairs, covariates, width, clusters };
}

function cellOf(target: string, seedIndex: number): string {
  return `${target}#${seedIndex}`;
}

interface Encoder {
  readonly name: string;
  readonly param: string;
  encode(value: ParamValue | undefined): number;
}

function recipeEncoders(trials: readonly TrialRow[]): Encoder[] {
  const names = [...new Set(trials.flatMap((t) => Object.keys(t.recipe)))].sort();
  const encoders: Encoder[] = [];
  for (const param of names) {
    const values = trials.map((t) => t.recipe[param]);
    const numbers = values.filter((v): v is number => typeof v === 'number');
    if (numbers.length === values.filter((v) => v !== undefined).length && numbers.length > 0) {
      // Log scale for positive params spanning a decade or more (learning rates): closer to their effect.
      const log = numbers.every((v) => v > 0) && Math.max(...numbers) / Math.min(...numbers) >= 10;
      const t = (v: number) => (log ? Math.log(v) : v);
      const m = numbers.reduce((a, v) => a + t(v), 0) / numbers.length;
      const sd = Math.sqrt(numbers.reduce((a, v) => a + (t(v) - m) ** 2, 0) / numbers.length);
      if (sd === 0) continue;
      encoders.push({ name: param, param, encode: (v) => (typeof v === 'number' ? (t(v) - m) / sd : 0) });
      continue;
    }
    const levels = [...new Set(values.map((v) => JSON.stringify(v ?? null)))].sort();
    if (levels.length < 2) continue;
    // One column per level but the first (the reference level).
    for (const level of levels.slice(1)) {
      encoders.push({
        name: `${param}=${level}`,
        param,
        encode: (v) => (JSON.stringify(v ?? null) === level ? 1 : 0),
      });
    }
  }
  return encoders;
}

export interface SurrogateFit {
  /** Per (target, seed) cell in design.cells order. */
  readonly intercepts: Float64Array;
  /** Main-effect coefficients, per source in design.sources order. */
  readonly main: Float64Array;
  /** Interaction coefficients, per design.pairs entry. */
  readonly interactions: Float64Array;
  /**
   * Per source, its average marginal effect under the surrogate when every other source is in or out
   * with probability 1/2 (the Banzhaf value of the fitted model): main + half the sum of its pairwise
   * terms. With no interactions it is the main effect.
   */
  readonly effects: Float64Array;
  readonly covariates: Float64Array;
}

export interface Penalties {
  /** Ridge penalty of the main effects and recipe covariates. */
  readonly lambda: number;
  /** Ridge penalty of the interaction terms (larger: they are many and each is seen less often). */
  readonly lambdaPairs: number;
}

/**
 * Ridge fit with cluster weights (how many times each trial is in the resample; all ones for the
 * data as observed). The intercepts are never penalised.
 */
export function fitSurrogate(design: SurrogateDesign, penalties: Penalties, weights?: ArrayLike<number>): SurrogateFit {
  const p = design.width;
  const xtx = new Float64Array(p * p);
  const xty = new Float64Array(p);
  design.clusters.forEach((c, i) => {
    const w = weights === undefined ? 1 : weights[i]!;
    if (w === 0) return;
    for (let k = 0; k < p * p; k++) xtx[k]! += w * c.xtx[k]!;
    for (let k = 0; k < p; k++) xty[k]! += w * c.xty[k]!;
  });
  const t = design.cells.length;
  const n = design.sources.length;
  const inter = t + n;
  const cov = inter + design.pairs.length;
  for (let k = t; k < p; k++) xtx[k * p + k]! += k >= inter && k < cov ? penalties.lambdaPairs : penalties.lambda;
  // An intercept whose cell has no unit in this resample: pin it to 0 instead of failing.
  for (let k = 0; k < t; k++) if (xtx[k * p + k] === 0) xtx[k * p + k] = 1;
  const beta = solveSpd(matrix(p, p, xtx), xty);
  const main = beta.slice(t, inter);
  const interactions = beta.slice(inter, cov);
  const effects = Float64Array.from(main);
  design.pairs.forEach(([a, b], k) => {
    effects[a]! += interactions[k]! / 2;
    effects[b]! += interactions[k]! / 2;
  });
  return { intercepts: beta.slice(0, t), main, interactions, effects, covariates: beta.slice(cov) };
}

/** Predicted gain of `subset` with an average recipe, averaged over the design's (target, seed) cells. */
export function predictGain(design: SurrogateDesign, fit: SurrogateFit, subset: readonly string[]): number {
  const chosen = new Set(subset);
  let value = 0;
  for (const b of fit.intercepts) value += b / Math.max(1, fit.intercepts.length);
  design.sources.forEach((s, i) => {
    if (chosen.has(s)) value += fit.main[i]!;
  });
  design.pairs.forEach(([a, b], k) => {
    if (chosen.has(design.sources[a]!) && chosen.has(design.sources[b]!)) value += fit.interactions[k]!;
  });
  return value;
}
