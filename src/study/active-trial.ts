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
import { racePlan, releasedSlices } from './race.js';

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
  /** Every unit in (this attempt's and earlier ones'), by unit key: what the paired rule compares. */
  readonly byKey: Map<string, StoredUnit>;
  /**
   * Racing over units: the slices not yet released (each one's units not recorded yet), and the rung
   * steps still ahead; both empty without racing. `raced` is set when the race stopped the trial: it
   * ends PRUNED, with the rung value it stopped at (recorded with it), once its units are back.
   */
  readonly held: UnitPlan[][];
  readonly raceSteps: number[];
  raced: { readonly rule: 'rung' | 'wilcoxon'; readonly step: number; readonly value: number } | null;
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
  const race = scheduler.race === undefined ? null : racePlan(study, scheduler.race, plans);
  const released = race === null ? 1 : releasedSlices(race, store.getIntermediates(asked.id));
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
    byKey: new Map(),
    held: [],
    raceSteps: race === null ? [] : race.steps.slice(released - 1),
    raced: null,
  };
  const slices = race === null ? [plans] : race.slices;
  for (const [k, slice] of slices.entries()) {
    const missing = slice.filter((plan) => !done.has(unitKey(plan.target.name, plan.seedIndex)));
    if (k < released) trial.pending.push(...missing);
    else trial.held.push(missing);
  }
  for (const plan of plans) {
    const key = unitKey(plan.target.name, plan.seedIndex);
    const previous = done.get(key);
    if (!previous) continue;
    trial.results.push(previous);
    trial.byKey.set(key, previous);
    for (const rung of previous.rungs ?? []) {
      if (!trial.atRung.has(rung.epoch)) trial.atRung.set(rung.epoch, new Map());
      trial.atRung.get(rung.epoch)!.set(key, rung.metrics);
    }
  }
  return trial;
}
