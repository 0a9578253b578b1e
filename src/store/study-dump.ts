// A whole study as plain records (trials with their units and intermediates, baselines, the screen
// table), read from any Store in one snapshot: what `tasksieve migrate` copies. Main thread only; no
// driver imports.
import { StoreError } from '../errors.js';
import type { BaselineRecord, IntermediateRecord, ScreenRecord, StudyRecord, TrialRecord, UnitRecord } from '../spec/records.js';
import type { Store } from './types.js';

export interface TrialDump {
  readonly trial: TrialRecord;
  readonly units: readonly UnitRecord[];
  readonly intermediates: readonly IntermediateRecord[];
}

export interface StudyDump {
  readonly study: StudyRecord;
  readonly trials: readonly TrialDump[];
  readonly baselines: readonly BaselineRecord[];
  /** The screen table of a study with `screen_prior:` once it has been screened; null otherwise. */
  readonly screen: ScreenRecord | null;
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
    return { study, trials, baselines: store.getBaselines(study.id), screen: store.getScreenRecord(study.id) };
  });
}

export function dumpCounts(dump: StudyDump): {
  trials: number;
  units: number;
  intermediates: number;
  baselines: number;
  screen: boolean;
} {
  return {
    trials: dump.trials.length,
    units: dump.trials.reduce((n, t) => n + t.units.length, 0),
    intermediates: dump.trials.reduce((n, t) => n + t.intermediates.length, 0),
    baselines: dump.baselines.length,
    screen: dump.screen !== null,
  };
}
