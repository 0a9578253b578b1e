// The finished trials of a study as the selection statistics see them: per trial its source subset,
// its recipe params and its units (target x seed) with the objective's per-unit value and the gain
// over the paired target-only baseline. Main thread; pure (src/study/trial-table.ts reads it from a store).
import type { Params } from '../spec/space.js';
import type { Objective } from '../spec/study.js';

export interface UnitRow {
  readonly target: string;
  readonly seedIndex: number;
  /** What the objective aggregates for this unit: the metric, or its gain (objective.on). */
  readonly value: number;
  /** The objective metric minus the paired target-only baseline's (same recipe, target, seed). */
  readonly gain: number;
  /** The objective metric on the target's test rows (absent: the target has none). */
  readonly test?: number;
}

export interface TrialRow {
  readonly number: number;
  /** Chosen sources, in the study's source order. */
  readonly sources: readonly string[];
  /** Recipe params of the trial (the subset removed). */
  readonly recipe: Params;
  readonly units: readonly UnitRow[];
}

export interface TrialTable {
  /** Every candidate source, in the study's order. */
  readonly sources: readonly string[];
  readonly targets: readonly string[];
  readonly objective: Objective;
  /** COMPLETE trials with at least one unit, in number order. */
  readonly trials: readonly TrialRow[];
  /** Per target with test rows, how many (the same rows for every unit of the study); absent: none known. */
  readonly testRows?: Readonly<Record<string, number>>;
}

/** A subset's canonical key: its names in the given source order, joined by commas ('' = target only). */
export function subsetKey(subset: readonly string[], order: readonly string[]): string {
  const chosen = new Set(subset);
  return order.filter((s) => chosen.has(s)).join(',');
}

/**
 * Trials with the same subset and recipe params merged into one row: their units with the same target
 * and seed average into one (the same configuration on the same split is not new evidence; on one
 * backend the values are identical). The row keeps the first trial's number. Statistics that resample
 * or count trials use this, so a sampler that proposes a subset twice does not double its weight.
 */
export function mergeRepeats(trials: readonly TrialRow[], order: readonly string[]): TrialRow[] {
  const groups = new Map<string, TrialRow[]>();
  for (const trial of trials) {
    const key = `${subsetKey(trial.sources, order)}\u0000${canonicalParams(trial.recipe)}`;
    groups.set(key, [...(groups.get(key) ?? []), trial]);
  }
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0]!;
    const cells = new Map<string, UnitRow[]>();
    for (const u of group.flatMap((t) => t.units)) {
      const key = `${u.target}\u0000${u.seedIndex}`;
      cells.set(key, [...(cells.get(key) ?? []), u]);
    }
    const units = [...cells.values()].map((list) => ({
      target: list[0]!.target,
      seedIndex: list[0]!.seedIndex,
      value: list.reduce((a, u) => a + u.value, 0) / list.length,
      gain: list.reduce((a, u) => a + u.gain, 0) / list.length,
    }));
    return { ...group[0]!, units };
  });
}

/** Params as a canonical string (keys sorted). */
export function canonicalParams(params: object): string {
  return JSON.stringify(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
