// The linear surrogate of transfer gain on source-inclusion indicators (after Li, Nguyen and Zhang 2023,
// "Identification of negative transfers in multitask learning using surrogate models"): per unit,
//   gain = intercept[target] + sum_s beta_s * [s in subset] + gamma . recipe covariates + noise,
// fitted by ridge (intercepts unpenalised). Trials are the resampling clusters of the bootstrap, so each
// trial's contribution to X'X and X'y is kept apart. Main thread; pure.
import { gram, matrix, solveSpd, transposeTimes } from '../metrics/linalg.js';
import type { ParamValue } from '../search/types.js';
import type { TrialRow } from './trial-table.js';

export interface SurrogateDesign {
  /** Intercept columns, one per target present (in `targets` order). */
  readonly targets: readonly string[];
  /** Indicator columns, one per source (after the intercepts). */
  readonly sources: readonly string[];
  /** Recipe covariates after the indicators: `name` or `name=value` (one-hot), standardised. */
  readonly covariates: readonly string[];
  /** Total columns. */
  readonly width: number;
  /** Per trial: sum over its units of x x^T (width^2) and of x y (width), and its unit count. */
  readonly clusters: readonly { readonly xtx: Float64Array; readonly xty: Float64Array; readonly units: number }[];
}

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
): SurrogateDesign {
  const used = trials.map((t) => ({ trial: t, units: t.units.filter((u) => onlyTarget === null || u.target === onlyTarget) }));
  const present = targets.filter((t) => used.some((u) => u.units.some((x) => x.target === t)));
  const encoders = recipeEncoders(used.filter((u) => u.units.length > 0).map((u) => u.trial));
  const covariates = encoders.map((e) => e.name);
  const width = present.length + sources.length + covariates.length;
  const clusters = used.map(({ trial, units }) => {
    const x = new Float64Array(width);
    const chosen = new Set(trial.sources);
    sources.forEach((s, i) => (x[present.length + i] = chosen.has(s) ? 1 : 0));
    encoders.forEach((e, i) => (x[present.length + sources.length + i] = e.encode(trial.recipe[e.param])));
    const rows = matrix(units.length, width);
    const y = new Float64Array(units.length);
    units.forEach((u, r) => {
      rows.data.set(x, r * width);
      rows.data[r * width + present.indexOf(u.target)] = 1;
      y[r] = u.gain;
    });
    return { xtx: gram(rows).data, xty: transposeTimes(rows, y), units: units.length };
  });
  return { targets: present, sources, covariates, width, clusters };
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
  /** Per target in design.targets order. */
  readonly intercepts: Float64Array;
  /** Per source in design.sources order. */
  readonly effects: Float64Array;
  readonly covariates: Float64Array;
}

/**
 * Ridge fit with cluster weights (how many times each trial is in the resample; all ones for the
 * data as observed). `lambda` penalises indicators and covariates, never the intercepts.
 */
export function fitSurrogate(design: SurrogateDesign, lambda: number, weights?: ArrayLike<number>): SurrogateFit {
  const p = design.width;
  const xtx = new Float64Array(p * p);
  const xty = new Float64Array(p);
  design.clusters.forEach((c, i) => {
    const w = weights === undefined ? 1 : weights[i]!;
    if (w === 0) return;
    for (let k = 0; k < p * p; k++) xtx[k]! += w * c.xtx[k]!;
    for (let k = 0; k < p; k++) xty[k]! += w * c.xty[k]!;
  });
  const t = design.targets.length;
  for (let k = t; k < p; k++) xtx[k * p + k]! += lambda;
  // An intercept whose target has no unit in this resample: pin it to 0 instead of failing.
  for (let k = 0; k < t; k++) if (xtx[k * p + k] === 0) xtx[k * p + k] = 1;
  const beta = solveSpd(matrix(p, p, xtx), xty);
  return {
    intercepts: beta.slice(0, t),
    effects: beta.slice(t, t + design.sources.length),
    covariates: beta.slice(t + design.sources.length),
  };
}

/** Predicted gain of `subset` with an average recipe, averaged over the design's targets. */
export function predictGain(design: SurrogateDesign, fit: SurrogateFit, subset: readonly string[]): number {
  const chosen = new Set(subset);
  let value = 0;
  for (const b of fit.intercepts) value += b / Math.max(1, fit.intercepts.length);
  design.sources.forEach((s, i) => {
    if (chosen.has(s)) value += fit.effects[i]!;
  });
  return value;
}
