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

/**
 * The per-unit values of a trial and of the best COMPLETE trial: `own` and `best` pair the units
 * they share (same target and seed, same order); `ownAll` and `bestAll` are every unit of each.
 */
export interface PairedUnits {
  readonly own: readonly number[];
  readonly best: readonly number[];
  readonly ownAll: readonly number[];
  readonly bestAll: readonly number[];
}

/**
 * Racing over units: a trial's units (targets x seeds) go out in slices of seeds, and between two
 * slices the trial is judged at a rung whose step is the number of units it has. Pure but for
 * shouldStopAtSlice, which reads the store's rung values.
 */
export interface UnitRace {
  /** Seeds per target after each slice but the last, for `seeds` seeds: ascending, each < seeds. */
  slices(seeds: number): readonly number[];
  /** True: the trial stops at this rung (it ends PRUNED with the rung's value). */
  shouldStopAtSlice(rung: RungValue): boolean;
  /** Whether the paired rule is on (off: pairedWorse is always false, nothing needs pairing). */
  readonly paired: boolean;
  /** True: the paired rule says the trial is worse than the best one (always false when it is off). */
  pairedWorse(pairs: PairedUnits): boolean;
}

export interface Scheduler {
  readonly name: string;
  /** Present for a scheduler that races trials over their units (kind race). */
  readonly race?: UnitRace;
  /**
   * The rungs of trial `trialNumber` when its fine-tuning runs `epochs` epochs: ascending, each
   * < `epochs` (a rung at the last epoch could save nothing). Pure: the same answer every time.
   */
  rungs(trialNumber: number, epochs: number): readonly number[];
  /** True: the trial must stop now (it ends PRUNED). Reads the store only. */
  shouldStop(rung: RungValue): boolean;
}
