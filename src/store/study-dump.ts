// A whole study as plain records (trials with their units, stored models and intermediates, baselines,
// the screen table), read from any Store in one snapshot: what `tasksieve migrate` copies. Main thread only; no
// driver imports.
import { StoreError } from '../errors.js';
import type { ArtifactRecord, BaselineRecord, IntermediateRecord, ScreenRecord, StudyRecord, TrialRecord, UnitRecord } from '../spec/records.js';
import type { Store } from './types.js';

export interface TrialDump {
  readonly trial: TrialRecord;
  readonly units: readonly UnitRecord[];
  /** The units' stored models (artifacts: best | all), with their bytes. */
  readonly artifacts: readonly ArtifactRecord[];
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
    const withModels = new Set(store.getStudyArtifacts(study.id).map((a) => a.trialId));
    const trials = store.getTrials(study.id).map((trial) => {
      const units = store.getUnits(trial.id);
      const artifacts = withModels.has(trial.id)
        ? units.flatMap((u) => store.getArtifact(trial.id, u.target, u.seed) ?? [])
        : [];
      return { trial, units, artifacts, intermediates: store.getIntermediates(trial.id) };
    });
    return { study, trials, baselines: store.getBaselines(study.id), screen: store.getScreenRecord(study.id) };
  });
}

export function dumpCounts(dump: StudyDump): {
  trials: number;
  units: number;
  artifacts: number;
  intermediates: number;
  baselines: number;
  screen: boolean;
} {
  return {
    trials: dump.trials.length,
    units: dump.trials.reduce((n, t) => n + t.units.length, 0),
    artifacts: dump.trials.reduce((n, t) => n + t.artifacts.length, 0),
    intermediates: dump.trials.reduce((n, t) => n + t.intermediates.length, 0),
    baselines: dump.baselines.length,
    screen: dump.screen !== null,
  };
}
