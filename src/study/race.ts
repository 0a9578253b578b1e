// Racing over units, the runtime side: which slice each planned unit belongs to, which slices a
// trial may train (slice 0, and one more per "go" recorded at a rung), and the pairs the Wilcoxon
// rule compares. The decisions themselves are the scheduler's (src/search/schedulers/race.ts).
// Main thread; pure given the store's records. Must not import tfjs or the worker.
import type { PairedUnits, UnitRace } from '../search/schedulers/index.js';
import type { IntermediateRecord } from '../spec/records.js';
import type { ResolvedStudy } from '../spec/study.js';
import type { StoredUnit } from '../spec/units.js';
import { unitValue } from '../metrics/objective.js';
import type { UnitPlan } from './units.js';

/** A trial's units cut into slices, and the rungs between them. */
export interface RacePlan {
  /** Units per slice, in plan order; slice 0 first. */
  readonly slices: readonly (readonly UnitPlan[])[];
  /** The rung after slice k (k < slices.length - 1): the units a trial has there (its step). */
  readonly steps: readonly number[];
}

/**
 * Slice k holds the seeds below race.slices(seeds)[k] (and above the previous slice's) on every
 * target; the last slice holds the rest. All trials share the slices' (target, seed) pairs, so a
 * rung compares trials on the same units.
 */
export function racePlan(study: ResolvedStudy, race: UnitRace, plans: readonly UnitPlan[]): RacePlan {
  const bounds = race.slices(study.budget.seeds);
  const slices: UnitPlan[][] = Array.from({ length: bounds.length + 1 }, () => []);
  for (const plan of plans) {
    const k = bounds.findIndex((seeds) => plan.seedIndex < seeds);
    slices[k === -1 ? bounds.length : k]!.push(plan);
  }
  return { slices, steps: bounds.map((seeds) => seeds * study.targets.length) };
}

/**
 * How many slices the trial may train: the first, and one more for each rung a previous attempt
 * recorded. A rung value of an unfinished trial is a "go": a stop is recorded with the trial's
 * PRUNED state in one transaction, so a trial stopped at a rung is never resumed.
 */
export function releasedSlices(plan: RacePlan, intermediates: readonly IntermediateRecord[]): number {
  let released = 1;
  for (const step of plan.steps) {
    if (!intermediates.some((r) => r.step === step)) break;
    released++;
  }
  return released;
}

/** The trial's and the best trial's per-unit objective values, paired by unit key (target:seed). */
export function pairUnits(
  study: ResolvedStudy,
  own: ReadonlyMap<string, StoredUnit>,
  best: ReadonlyMap<string, StoredUnit>,
): PairedUnits {
  const value = (u: StoredUnit) => unitValue(study.objective, u);
  const shared = [...own.keys()].filter((key) => best.has(key));
  return {
    own: shared.map((key) => value(own.get(key)!)),
    best: shared.map((key) => value(best.get(key)!)),
    ownAll: [...own.values()].map(value),
    bestAll: [...best.values()].map(value),
  };
}
