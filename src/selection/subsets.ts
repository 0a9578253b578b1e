// Source subsets ranked by a robust score of their units (targets x seeds), with bootstrap intervals
// and their support; the recommended selection is the best subset with enough support on every
// target. A subset tried with several recipes is scored on its best recipe that has support by
// itself (on every recipe pooled only when none has): pooled, a subset tried once with a poor learning
// rate ranked below one that never met a poor one (docs/source-selection.md). Main thread; pure (the
// caller loads the table).
import type { Params } from '../spec/space.js';
import type { Aggregate } from '../spec/study.js';
import { aggregate } from '../metrics/aggregate.js';
import { Rng, hashString, mixSeed } from '../util/rng.js';
import { percentileInterval, resampleCounts, type Interval } from './bootstrap.js';
import { canonicalParams, mergeRepeats, subsetKey, type TrialTable, type UnitRow } from './trial-table.js';

export interface SubsetScore {
  readonly rank: number;
  /** The subset in the study's source order (empty: target only). */
  readonly sources: readonly string[];
  /** Distinct trials whose units are scored (repeats of a subset and recipe count once). */
  readonly trials: number;
  /** Distinct trials that used the subset, with any recipe. */
  readonly trialsAnyRecipe: number;
  /**
   * The recipe params whose units are scored: the subset's best recipe with support of its own; null
   * when the score pools several recipes because none has that support alone.
   */
  readonly recipe: Params | null;
  /** Numbers of the trials whose units are scored (the first of each set of repeats), ascending. */
  readonly trialNumbers: readonly number[];
  /** Mean test metric of the scored units; null when a unit has none (the targets hold out no test rows). */
  readonly test: number | null;
  readonly units: number;
  /** Fewest units the subset has on any target (0 when a target was never evaluated). */
  readonly minUnitsPerTarget: number;
  /** The robust aggregate (`by`) of the objective's per-unit values. */
  readonly score: number;
  /** Bootstrap interval of the score, units resampled. */
  readonly interval: Interval;
  /** Mean gain over the paired target-only baseline. */
  readonly meanGain: number;
  /** Whether the support rule holds (see rankSubsets). */
  readonly supported: boolean;
}

export interface SubsetRanking {
  readonly by: Aggregate;
  readonly direction: 'maximize' | 'minimize';
  readonly level: number;
  readonly minUnitsPerTarget: number;
  /** Best first (ties: more units first, then fewer sources). */
  readonly subsets: readonly SubsetScore[];
  /** The best supported subset, or null when none has enough support. */
  readonly recommended: SubsetScore | null;
  /** The rule in words, for reports. */
  readonly rule: string;
}

export interface RankOptions {
  /** Aggregate of the per-unit values (default: the objective's). */
  readonly by?: Aggregate;
  /** Units a subset needs on every target to be recommended (default 2). */
  readonly minUnitsPerTarget?: number;
  readonly level?: number;
  readonly resamples?: number;
  readonly seed?: number;
}

export const RANK_DEFAULTS = { minUnitsPerTarget: 2, level: 0.95, resamples: 500, seed: 0 } as const;

/**
 * Ranks every evaluated subset. Support rule: a subset is `supported` when each target has at least
 * `minUnitsPerTarget` of its units (different seeds, or different recipes); a single unit per target
 * could be a lucky split or initialisation. Its units are those of its best-scoring recipe that is
 * supported alone, or of all its recipes together when none is. The recommendation is the
 * best-scoring supported subset.
 */
export function rankSubsets(table: TrialTable, options: RankOptions = {}): SubsetRanking {
  const by = options.by ?? table.objective.aggregate;
  const min = options.minUnitsPerTarget ?? RANK_DEFAULTS.minUnitsPerTarget;
  const level = options.level ?? RANK_DEFAULTS.level;
  const resamples = options.resamples ?? RANK_DEFAULTS.resamples;
  const direction = table.objective.direction;
  const params = { alpha: table.objective.alpha, lambda: table.objective.lambda };
  const sign = direction === 'maximize' ? -1 : 1;
  const score = (units: readonly UnitRow[]) => aggregate(units.map((u) => u.value), by, direction, params);
  const minUnits = (units: readonly UnitRow[]) => Math.min(...table.targets.map((t) => units.filter((u) => u.target === t).length));
  // Repeats of one subset and recipe are one observation, not two: support counts distinct units.
  const subsets = new Map<string, { sources: readonly string[]; recipes: Map<string, Scored> }>();
  for (const trial of mergeRepeats(table.trials, table.sources)) {
    const key = subsetKey(trial.sources, table.sources);
    const entry = subsets.get(key) ?? { sources: trial.sources, recipes: new Map<string, Scored>() };
    const recipeKey = canonicalParams(trial.recipe);
    const group = entry.recipes.get(recipeKey) ?? { recipe: trial.recipe, numbers: [], units: [] };
    group.numbers.push(trial.number);
    group.units.push(...trial.units);
    entry.recipes.set(recipeKey, group);
    subsets.set(key, entry);
  }
  const scored = [...subsets.entries()].map(([key, entry]) => {
    const groups = [...entry.recipes.values()];
    // Each supported recipe scored once, then the best (ties: more units, then the earlier trial).
    const alone = groups
      .filter((g) => minUnits(g.units) >= min)
      .map((g) => ({ g, s: score(g.units) }))
      .sort((a, b) => sign * (a.s - b.s) || b.g.units.length - a.g.units.length || a.g.numbers[0]! - b.g.numbers[0]!);
    const chosen: Scored = alone[0]?.g ?? {
      recipe: groups.length === 1 ? groups[0]!.recipe : null,
      numbers: groups.flatMap((g) => g.numbers),
      units: groups.flatMap((g) => g.units),
    };
    const values = chosen.units.map((u) => u.value);
    const rng = new Rng(mixSeed(options.seed ?? RANK_DEFAULTS.seed, hashString(key)));
    const boot: number[] = [];
    for (let b = 0; b < resamples; b++) {
      const counts = resampleCounts(rng, values.length);
      const sample: number[] = [];
      counts.forEach((c, i) => {
        for (let k = 0; k < c; k++) sample.push(values[i]!);
      });
      boot.push(aggregate(sample, by, direction, params));
    }
    const fewest = minUnits(chosen.units);
    return {
      sources: entry.sources,
      trials: chosen.numbers.length,
      trialsAnyRecipe: groups.reduce((n, g) => n + g.numbers.length, 0),
      recipe: chosen.recipe,
      trialNumbers: [...chosen.numbers].sort((a, b) => a - b),
      test: chosen.units.every((u) => u.test !== undefined) ? chosen.units.reduce((a, u) => a + u.test!, 0) / chosen.units.length : null,
      units: chosen.units.length,
      minUnitsPerTarget: fewest,
      score: score(chosen.units),
      interval: percentileInterval(boot, level),
      meanGain: chosen.units.reduce((a, u) => a + u.gain, 0) / chosen.units.length,
      supported: fewest >= min,
    };
  });
  scored.sort((a, b) => sign * (a.score - b.score) || b.units - a.units || a.sources.length - b.sources.length);
  const ranked = scored.map((s, i): SubsetScore => ({ rank: i + 1, ...s }));
  return {
    by,
    direction,
    level,
    minUnitsPerTarget: min,
    subsets: ranked,
    recommended: ranked.find((s) => s.supported) ?? null,
    rule: `best ${by} score among subsets with >= ${min} unit(s) on every target (each on its best recipe with that support)`,
  };
}

/** One recipe of a subset (or, when none has support alone, all of them): what a SubsetScore scores. */
interface Scored {
  readonly recipe: Params | null;
  readonly numbers: number[];
  readonly units: UnitRow[];
}
