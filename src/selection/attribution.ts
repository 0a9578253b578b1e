// Source attribution from a study's finished trials: per-source effect on the transfer gain from the
// ridge surrogate (surrogate.ts) with cluster-bootstrap intervals (trials resampled, seeded), plus
// leave-one-out differences where two trials share a recipe and differ by one source; overall and per
// target. Each source is flagged helpful / neutral / harmful by whether its interval excludes zero.
// Main thread; pure (the caller loads the table).
import { mean } from '../metrics/aggregate.js';
import { Rng, mixSeed } from '../util/rng.js';
import { percentileInterval, resampleCounts, type Interval } from './bootstrap.js';
import { MAX_PAIRWISE_SOURCES, buildDesign, fitSurrogate, predictGain, type SurrogateDesign, type SurrogateFit } from './surrogate.js';
import { canonicalParams, mergeRepeats, subsetKey, type TrialRow, type TrialTable } from './trial-table.js';

/** `untested`: no trial varies the source (it is in none of them, or in all). */
export type EffectFlag = 'helpful' | 'neutral' | 'harmful' | 'untested';

export interface LooEffect {
  /** Pairs of trials with the same recipe whose subsets differ by this source only. */
  readonly pairs: number;
  /** Mean over pairs of (gain with the source - gain without it), on paired units. */
  readonly effect: number;
  /** Bootstrap interval over pairs; null with fewer than two pairs. */
  readonly interval: Interval | null;
}

export interface SourceEffect {
  readonly source: string;
  /**
   * Expected change of the gain when the source is added to a subset of the others drawn uniformly at
   * random, under the surrogate (its main effect plus half its pairwise terms).
   */
  readonly effect: number;
  readonly interval: Interval;
  readonly flag: EffectFlag;
  /** Distinct trials (in this scope) that include the source (repeats of a subset and recipe count once). */
  readonly includedIn: number;
  readonly loo: LooEffect | null;
}

export interface AttributionScope {
  /** null: every target together (one intercept per target and seed). */
  readonly target: string | null;
  readonly trials: number;
  readonly units: number;
  /** Predicted gain of the empty subset (the intercepts averaged; ~0 for a good fit). */
  readonly intercept: number;
  readonly effects: readonly SourceEffect[];
}

export interface Attribution {
  readonly direction: 'maximize' | 'minimize';
  readonly level: number;
  readonly resamples: number;
  readonly lambda: number;
  readonly lambdaPairs: number;
  /** Whether pairwise source interactions were modelled. */
  readonly interactions: boolean;
  readonly overall: AttributionScope;
  readonly targets: readonly AttributionScope[];
}

export interface AttributionOptions {
  /** Ridge penalty of the indicators and recipe covariates (default 1). */
  readonly lambda?: number;
  /**
   * Ridge penalty of the pairwise interaction terms (default 2). A heavier one shrinks a real
   * interaction (a source that helps alone but hurts next to the best others) into the source's
   * average effect; a model-guided study, which mostly tries good subsets, then reads that as harm.
   * On `npm run bench -- selection` replays, 16 flagged the synthetic family's anti-related source
   * (average effect -0.002) harmful in 11 of 20 studies, 2 in 4 of 20; 1 loses power on digits.
   * Choosing it by cross-validated prediction error does not help: noise dominates the error, so
   * cross-validation picks 16 to 64.
   */
  readonly lambdaPairs?: number;
  /** Model pairwise interactions (default: when there are at most 12 sources). */
  readonly interactions?: boolean;
  /** Interval coverage (default 0.95). */
  readonly level?: number;
  /** Bootstrap resamples (default 500). */
  readonly resamples?: number;
  readonly seed?: number;
}

export const ATTRIBUTION_DEFAULTS = { lambda: 1, lambdaPairs: 2, level: 0.95, resamples: 500, seed: 0 } as const;

/**
 * Attributes the transfer gain to sources. Throws RangeError when the table has no trial. An effect
 * is `helpful` when its whole interval is on the improving side of zero (above it when maximising),
 * `harmful` when it is wholly on the other side, `neutral` otherwise.
 */
export function attributeSources(table: TrialTable, options: AttributionOptions = {}): Attribution {
  if (table.trials.length === 0) throw new RangeError('no COMPLETE trial to attribute from');
  const o = {
    ...ATTRIBUTION_DEFAULTS,
    interactions: table.sources.length <= MAX_PAIRWISE_SOURCES,
    ...options,
  };
  const direction = table.objective.direction;
  const scope = (target: string | null, index: number) =>
    attributeScope(table, target, o, direction, mixSeed(o.seed, 0xa771b, index));
  return {
    direction,
    level: o.level,
    resamples: o.resamples,
    lambda: o.lambda,
    lambdaPairs: o.lambdaPairs,
    interactions: o.interactions,
    overall: scope(null, 0),
    targets: table.targets.map((t, i) => scope(t, i + 1)),
  };
}

/** How every leaderboard (CLI and report) marks a source flagged harmful. */
export const HARMFUL_MARK = '!';

/**
 * The sources flagged harmful over all targets, with the defaults of `tasksieve sources` (so every
 * view that marks them agrees with it). Empty when the study cannot tell: no sources, no trial, or
 * every trial used one subset.
 */
export function harmfulSources(table: TrialTable, attribution?: Attribution): SourceEffect[] {
  if (table.trials.length === 0 || table.sources.length === 0) return [];
  if (new Set(table.trials.map((t) => t.sources.join('\u0000'))).size < 2) return [];
  return (attribution ?? attributeSources(table)).overall.effects.filter((e) => e.flag === 'harmful');
}

function attributeScope(
  table: TrialTable,
  target: string | null,
  o: Required<AttributionOptions>,
  direction: 'maximize' | 'minimize',
  seed: number,
): AttributionScope {
  const trials = mergeRepeats(table.trials, table.sources).filter((t) => target === null || t.units.some((u) => u.target === target));
  const design = buildDesign(trials, table.sources, table.targets, target, { interactions: o.interactions });
  const penalties = { lambda: o.lambda, lambdaPairs: o.lambdaPairs };
  const fit = fitSurrogate(design, penalties);
  const rng = new Rng(seed);
  const inclusion = table.sources.map((s) => trials.map((t) => t.sources.includes(s)));
  const conditional = inclusion.map(replicatedBothWays);
  const samples: number[][] = table.sources.map(() => []);
  for (let b = 0; b < o.resamples; b++) {
    const counts = resampleCounts(rng, trials.length);
    const refit = fitSurrogate(design, penalties, counts);
    refit.effects.forEach((e, i) => {
      if (!conditional[i] || variesIn(inclusion[i]!, counts)) samples[i]!.push(e);
    });
  }
  const loo = looEffects(trials, table.sources, target, o.level, new Rng(mixSeed(seed, 1)), o.resamples);
  const sign = direction === 'maximize' ? 1 : -1;
  const effects = table.sources.map((source, i): SourceEffect => {
    const includedIn = trials.filter((t) => t.sources.includes(source)).length;
    const interval = trials.length > 1 ? percentileInterval(samples[i]!, o.level) : { low: fit.effects[i]!, high: fit.effects[i]! };
    const varied = includedIn > 0 && includedIn < trials.length;
    const flag: EffectFlag = !varied
      ? 'untested'
      : sign * interval.low > 0 && sign * interval.high > 0
        ? 'helpful'
        : sign * interval.low < 0 && sign * interval.high < 0
          ? 'harmful'
          : 'neutral';
    return { source, effect: fit.effects[i]!, interval, flag, includedIn, loo: loo.get(source) ?? null };
  });
  const units = trials.reduce((n, t) => n + t.units.filter((u) => target === null || u.target === target).length, 0);
  return { target, trials: trials.length, units, intercept: mean([...fit.intercepts]), effects };
}

/**
 * Whether a source's interval leaves out the resamples in which it does not vary: when it is in at
 * least two of the trials and absent from at least two. A resample in which every drawn trial has
 * the source, or none does, says nothing about it: the ridge puts its effect at exactly 0 there, so a
 * source in 3 or 4 of 16 trials (what a model-guided study gives a harmful one) had 1-4% of its draws
 * pinned at 0 and an interval ending at 0 however consistent its trials were. Below two trials on
 * either side those draws stay in: one trial never flags a source. (`npm run bench -- agreement`,
 * 16-trial replays, 4 seeds: the clearly harmful source flagged in 23 of 40 studies against 17; the
 * selection benchmark's replays unchanged, docs/benchmarks.md 2026-12-07.)
 */
function replicatedBothWays(included: readonly boolean[]): boolean {
  const inside = included.filter(Boolean).length;
  return inside >= 2 && included.length - inside >= 2;
}

/** Whether a resample (trial draw counts) holds trials both with and without the source. */
function variesIn(included: readonly boolean[], counts: ArrayLike<number>): boolean {
  let inside = false;
  let outside = false;
  for (let k = 0; k < included.length; k++) {
    if (counts[k] === 0) continue;
    if (included[k]) inside = true;
    else outside = true;
  }
  return inside && outside;
}

/**
 * Leave-one-out differences: for trials a and b with equal recipe params where b's subset is a's plus
 * one source s, the mean over their paired units (same target and seed) of gain_b - gain_a.
 */
function looEffects(
  trials: readonly TrialRow[],
  sources: readonly string[],
  target: string | null,
  level: number,
  rng: Rng,
  resamples: number,
): Map<string, LooEffect> {
  const byRecipe = new Map<string, Map<string, TrialRow>>();
  for (const trial of trials) {
    const recipe = canonicalParams(trial.recipe);
    const subsets = byRecipe.get(recipe) ?? new Map<string, TrialRow>();
    const key = subsetKey(trial.sources, sources);
    if (!subsets.has(key)) subsets.set(key, trial);
    byRecipe.set(recipe, subsets);
  }
  const diffs = new Map<string, number[]>();
  for (const subsets of byRecipe.values()) {
    for (const without of subsets.values()) {
      for (const s of sources) {
        if (without.sources.includes(s)) continue;
        const withIt = subsets.get(subsetKey([...without.sources, s], sources));
        if (withIt === undefined) continue;
        const d = pairedDifference(withIt, without, target);
        if (d !== null) diffs.set(s, [...(diffs.get(s) ?? []), d]);
      }
    }
  }
  const out = new Map<string, LooEffect>();
  for (const [s, list] of diffs) {
    let interval: Interval | null = null;
    if (list.length >= 2) {
      const boot: number[] = [];
      for (let b = 0; b < resamples; b++) {
        const counts = resampleCounts(rng, list.length);
        let sum = 0;
        counts.forEach((c, i) => (sum += c * list[i]!));
        boot.push(sum / list.length);
      }
      interval = percentileInterval(boot, level);
    }
    out.set(s, { pairs: list.length, effect: mean(list), interval });
  }
  return out;
}

function pairedDifference(a: TrialRow, b: TrialRow, target: string | null): number | null {
  const other = new Map(b.units.map((u) => [`${u.target}\u0000${u.seedIndex}`, u.gain]));
  const d: number[] = [];
  for (const u of a.units) {
    if (target !== null && u.target !== target) continue;
    const g = other.get(`${u.target}\u0000${u.seedIndex}`);
    if (g !== undefined) d.push(u.gain - g);
  }
  return d.length > 0 ? mean(d) : null;
}

/** The overall surrogate, for predicting subsets not yet evaluated (see suggestSubsets). */
export function fitOverallSurrogate(table: TrialTable, options: AttributionOptions = {}): {
  design: SurrogateDesign;
  fit: SurrogateFit;
} {
  const interactions = options.interactions ?? table.sources.length <= MAX_PAIRWISE_SOURCES;
  const design = buildDesign(mergeRepeats(table.trials, table.sources), table.sources, table.targets, null, { interactions });
  const penalties = { lambda: options.lambda ?? ATTRIBUTION_DEFAULTS.lambda, lambdaPairs: options.lambdaPairs ?? ATTRIBUTION_DEFAULTS.lambdaPairs };
  return { design, fit: fitSurrogate(design, penalties) };
}

export { predictGain };
