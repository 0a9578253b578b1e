// A whole study as plain records (trials with their units and intermediates, baselines), read from
// any Store in one snapshot: what `tasksieve migrate` copies. Main thread only; no driver imports.
import { StoreError } from '../errors.js';
import type { BaselineRecord, IntermediateRecord, Store, StudyRecord, TrialRecord, UnitRecord } from './types.js';

export interface TrialDump {
  readonly trial: TrialRecord;
  readonly units: readonly UnitRecord[];
  readonly intermediates: readonly IntermediateRecord[];
}

export interface StudyDump {
  readonly study: StudyRecord;
  readonly trials: readonly TrialDump[];
  readonly baselines: readonly BaselineRecord[];
}

/** Reads the study `name` in one read transaction, so a study being run elsewhere is copied consistently. */
export function dumpStudy(store: Store, name: string): StudyDump {
  return store.snapshot(() => {
    const study = store.getStudy(name);
    if (study === null) throw new StoreError(`study "${name}" not found`);
    const trials = store.getTrials(study.id).map((trial) => ({
      trial,
      units: store.getUnits(trial.id),
      intermediates: store.getIntermediates(trial.id),
    }));
    return { study, trials, baselines: store.getBaselines(study.id) };
  });
}

export function dumpCounts(dump: StudyDump): { trials: number; units: number; intermediates: number; baselines: number } {
  return {
    trials: dump.trials.length,
    units: dump.trials.reduce((n, t) => n + t.units.length, 0),
    intermediates: dump.trials.reduce((n, t) => n + t.intermediates.length, 0),
    baselines: dump.baselines.length,
  };
}
