// The scheduler contract: which fine-tuning epochs a trial reports at (rungs), and whether a trial
// that just reported must stop. Main thread. Schedulers keep no state in memory: every decision reads
// the rung values from the store, so a restarted process continues the same brackets.
import type { StudyIntermediateRecord } from '../../spec/records.js';

/** What a scheduler reads of the store: the values every trial of a study recorded at a step. */
export interface RungHistory {
  getStudyIntermediates(studyId: number, step: number): readonly StudyIntermediateRecord[];
}

/**
 * A trial's value at one rung: the value it recorded there (store.recordIntermediate), or, before all
 * its units reached the rung, the best value it could still have there (not recorded). Either way it
 * stands in for whatever the store holds for this trial at this step.
 */
export interface RungValue {
  readonly trialId: number;
  readonly trialNumber: number;
  /** The rung: fine-tuning epochs done. */
  readonly step: number;
  readonly value: number;
}

export interface Scheduler {
  readonly name: string;
  /**
   * The rungs of trial `trialNumber` when its fine-tuning runs `epochs` epochs: ascending, each
   * < `epochs` (a rung at the last epoch could save nothing). Pure: the same answer every time.
   */
  rungs(trialNumber: number, epochs: number): readonly number[];
  /** True: the trial must stop now (it ends PRUNED). Reads the store only. */
  shouldStop(rung: RungValue): boolean;
}
