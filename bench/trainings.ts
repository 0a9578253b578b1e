// What a finished study trained, as the halving benchmark counts it: one event per training (a unit, a
// shared baseline, or the short baseline a stopped unit trained with it), when it was recorded and
// its epochs. Read from the store after the run. Main thread.
import { chosenSourceNames } from '../src/spec/space.js';
import type { ResolvedStudy } from '../src/spec/study.js';
import { modelFor, recipeFor } from '../src/search/space.js';
import { decodeBaseline, decodeParams, decodeStoredUnit } from '../src/study/decoders.js';
import { planUnits } from '../src/study/units.js';
import type { Store } from '../src/store/types.js';

export interface TrainingEvent {
  /** When its record was written (ms since the epoch). */
  readonly at: number;
  readonly epochs: number;
}

/**
 * Every training of the study, in record order. A unit without sources trains its recipe's baseline
 * itself (the runner stores that result as the baseline too), so such a baseline is not counted
 * again; once stored, later units without sources are answered from it (workerMs 0) and are not
 * trainings. A baseline two units trained at the same moment (before either had stored it) counts
 * once: the store holds one record per key.
 */
export function trainingEvents(store: Store, study: ResolvedStudy): TrainingEvent[] {
  const record = store.getStudy(study.name);
  if (record === null) throw new Error(`study ${study.name}: not in the store`);
  const events: TrainingEvent[] = [];
  const trainedAsUnits = new Set<string>();
  for (const trial of store.getTrials(record.id)) {
    const params = decodeParams(trial.params, `study ${study.name}: trial #${trial.number}`);
    const withSources = chosenSourceNames(params).length > 0;
    // The runner's own plan of the trial says which baseline each of its units shares.
    const keys = new Map(planUnits(study, trial.number, recipeFor(study, params), [], [], modelFor(study, params)).map((p) => [`${p.target.name}:${p.seedIndex}`, p.baselineKey]));
    for (const unit of store.getUnits(trial.id)) {
      const stored = decodeStoredUnit(unit.result, `study ${study.name}: unit ${unit.target}/${unit.seed}`);
      if (stored.workerMs === 0) continue;
      const stopped = stored.stoppedAt ?? null;
      const key = keys.get(`${unit.target}:${stored.seedIndex}`);
      if (!withSources && stopped === null && key !== undefined) trainedAsUnits.add(key);
      // A stopped unit with sources trained a baseline as short as itself next to it.
      events.push({ at: unit.createdAt, epochs: stored.cost.epochs + (stopped !== null && withSources ? stopped : 0) });
    }
  }
  for (const baseline of store.getBaselines(record.id)) {
    if (trainedAsUnits.has(baseline.key)) continue;
    events.push({ at: baseline.createdAt, epochs: decodeBaseline(baseline.result, `study ${study.name}: a baseline`).cost.epochs });
  }
  return events.sort((a, b) => a.at - b.at);
}
