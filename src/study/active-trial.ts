// A trial this runner holds while its units train: its planned units (target x seed), the results
// in, the rung values its units reached, their stop switches, and whether the scheduler pruned it.
// Built from an asked trial, reusing every unit a previous attempt already recorded. Main thread.
import { chosenSources, modelFor, recipeFor } from '../search/space.js';
import type { Scheduler } from '../search/schedulers/index.js';
import type { ClassificationMetrics } from '../spec/metrics.js';
import type { StoredUnit } from '../spec/units.js';
import { decodeStoredUnit } from './decoders.js';
import type { AskedTrial, StudyHandle } from './study-handle.js';
import { planUnits, type UnitPlan } from './units.js';

export interface ActiveTrial {
  readonly asked: AskedTrial;
  /** Units not started yet, in plan order. */
  readonly pending: UnitPlan[];
  readonly results: StoredUnit[];
  readonly unitCount: number;
  inflight: number;
  failed: boolean;
  readonly abort: AbortController;
  /** The trial's rungs (fine-tuning epochs); empty without a scheduler. */
  readonly rungs: readonly number[];
  /** Per rung, the metrics of each unit (by key) that reached it: judged as they come. */
  readonly atRung: Map<number, Map<string, ClassificationMetrics>>;
  /** Stop switches of the units in flight, by unit key. */
  readonly stops: Map<string, AbortController>;
  /** Set when the scheduler stopped the trial: it ends PRUNED with this value once its units are back. */
  pruned: { readonly epoch: number; readonly value: number } | null;
}

export const unitKey = (target: string, seedIndex: number): string => `${target}:${seedIndex}`;

/** The trial's units, with those a previous attempt recorded already in (and their rungs counted). */
export function activeTrial(handle: StudyHandle, asked: AskedTrial, scheduler: Scheduler): ActiveTrial {
  const { study, store } = handle;
  const recipe = recipeFor(study, asked.params);
  const rungs = scheduler.rungs(asked.number, recipe.epochs);
  const plans = planUnits(study, asked.number, recipe, chosenSources(study, asked.params), rungs, modelFor(study, asked.params));
  const done = new Map(
    store.getUnits(asked.id).map((u) => [unitKey(u.target, u.seed), decodeStoredUnit(u.result, `trial #${asked.number}: unit ${u.target}/${u.seed}`)]),
  );
  const trial: ActiveTrial = {
    asked,
    pending: [],
    results: [],
    unitCount: plans.length,
    inflight: 0,
    failed: false,
    abort: new AbortController(),
    rungs,
    atRung: new Map(),
    stops: new Map(),
    pruned: null,
  };
  for (const plan of plans) {
    const key = unitKey(plan.target.name, plan.seedIndex);
    const previous = done.get(key);
    if (!previous) {
      trial.pending.push(plan);
      continue;
    }
    trial.results.push(previous);
    for (const rung of previous.rungs ?? []) {
      if (!trial.atRung.has(rung.epoch)) trial.atRung.set(rung.epoch, new Map());
      trial.atRung.get(rung.epoch)!.set(key, rung.metrics);
    }
  }
  return trial;
}
