// Source subsets ranked by a robust score of all their units (targets x seeds, over every trial that
// used the subset), with bootstrap intervals and their support; the recommended selection is the best
// subset with enough support on every target. Main thread; pure (the caller loads the table).
import type { Aggregate } from '../spec/study.js';
import { aggregate } from '../metrics/aggregate.js';
import { Rng, hashString, mixSeed } from '../util/rng.js';
import { percentileInterval, resampleCounts, type Interval } from './bootstrap.js';
import { mergeRepeats, subsetKey, type TrialTable, type UnitRow } from './trial-table.js';

export interface SubsetScore {
  readonly rank: number;
  /** The subset in the study's source order (empty: target only). */
  readonly sources: readonly string[];
  /** Distinct trials that used the subset (any recipe; repeats of a subset and recipe count once). */
  readonly trials: number;
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
 * could be a lucky split or initialisation. The recommendation is the best-scoring supported subset.
 */
export function rankSubsets(table: TrialTable, options: RankOptions = {}): SubsetRanking {
  const by = options.by ?? table.objective.aggregate;
  const min = options.minUnitsPerTarget ?? RANK_DEFAULTS.minUnitsPerTarget;
  const level = options.level ?? RANK_DEFAULTS.level;
  const resamples = options.resamples ?? RANK_DEFAULTS.resamples;
  const direction = table.objective.direction;
  const params = { alpha: table.objective.alpha, lambda: table.objective.lambda };
  const groups = new Map<string, { sources: readonly string[]; trials: number; units: UnitRow[] }>();
  // Repeats of one subset and recipe are one observation, not two: support counts distinct units.
  for (const trial of mergeRepeats(table.trials, table.sources)) {
    const key = subsetKey(trial.sources, table.sources);
    const group = groups.get(key) ?? { sources: trial.sources, trials: 0, units: [] };
    group.trials++;
    group.units.push(...trial.units);
    groups.set(key, group);
  }
  const sign = direction === 'maximize' ? -1 : 1;
  const scored = [...groups.entries()].map(([key, g]) => {
    const values = g.units.map((u) => u.value);
    const score = aggregate(values, by, direction, params);
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
    const perTarget = table.targets.map((t) => g.units.filter((u) => u.target === t).length);
    const minUnits = Math.min(...perTarget);
    return {
      sources: g.sources,
      trials: g.trials,
      units: g.units.length,
      minUnitsPerTarget: minUnits,
      score,
      interval: percentileInterval(boot, level),
      meanGain: g.units.reduce((a, u) => a + u.gain, 0) / g.units.length,
      supported: minUnits >= min,
    };
  });
  scored.sort((a, b) => sign * (a.score - b.score) || b.units - a.units || a.sources.length - b.sources.length);
  const subsets = scored.map((s, i): SubsetScore => ({ rank: i + 1, ...s }));
  return {
    by,
    direction,
    level,
    minUnitsPerTarget: min,
    subsets,
    recommended: subsets.find((s) => s.supported) ?? null,
    rule: `best ${by} score among subsets with >= ${min} unit(s) on every target`,
  };
}

