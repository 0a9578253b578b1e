// The finished trials of a study as the selection statistics see them: per trial its source subset,
// its recipe params and its units (target x seed) with the objective's per-unit value and the gain
// over the paired target-only baseline. Main thread; reads the store only.
import type { Objective, ResolvedStudy } from '../config/types.js';
import { unitValue } from '../search/objective.js';
import { chosenSourceNames, recipeParams } from '../search/space.js';
import type { Params } from '../search/types.js';
import type { StoredUnit } from '../search/units.js';
import type { Store, StudyRecord } from '../store/types.js';

export interface UnitRow {
  readonly target: string;
  readonly seedIndex: number;
  /** What the objective aggregates for this unit: the metric, or its gain (objective.on). */
  readonly value: number;
  /** The objective metric minus the paired target-only baseline's (same recipe, target, seed). */
  readonly gain: number;
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
}

/** A subset's canonical key: its names in the given source order, joined by commas ('' = target only). */
export function subsetKey(subset: readonly string[], order: readonly string[]): string {
  const chosen = new Set(subset);
  return order.filter((s) => chosen.has(s)).join(',');
}

/** The table of a stored study: COMPLETE trials only (pruned trials stopped early and are not comparable). */
export function loadTrialTable(store: Store, record: StudyRecord): TrialTable {
  const study = record.spec as unknown as ResolvedStudy;
  const sources = study.sources.map((s) => s.name);
  const unitsByTrial = new Map<number, UnitRow[]>();
  for (const unit of store.getStudyUnits(record.id)) {
    const stored = unit.result as unknown as StoredUnit;
    const list = unitsByTrial.get(unit.trialId) ?? [];
    list.push({
      target: unit.target,
      seedIndex: unit.seed,
      value: unitValue(study.objective, stored),
      gain: stored.gain[study.objective.metric],
    });
    unitsByTrial.set(unit.trialId, list);
  }
  const trials: TrialRow[] = [];
  for (const trial of store.getTrials(record.id, ['COMPLETE'])) {
    const units = unitsByTrial.get(trial.id) ?? [];
    if (units.length === 0) continue;
    const params = trial.params as Params;
    const chosen = new Set(chosenSourceNames(params));
    trials.push({ number: trial.number, sources: sources.filter((s) => chosen.has(s)), recipe: recipeParams(params), units });
  }
  return { sources, targets: study.targets.map((t) => t.name), objective: study.objective, trials };
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
