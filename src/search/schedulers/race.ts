// Racing over units: a trial trains a first slice of seeds on every target, and its next slice only
// while it is in the top 1/eta of the values recorded at that rung so far (asynchronous, as ASHA);
// optionally also stopped once a paired Wilcoxon test against the best trial says it is worse
// (Optuna's WilcoxonPruner, with problem instances as our units). Main thread; reads the store only.
import { signedRankTest } from '../../metrics/wilcoxon.js';
import { rungValues, type SchedulerContext } from './asha.js';
import { promotable, rungLadder } from './successive-halving.js';
import type { PairedUnits, RungValue, Scheduler, UnitRace } from './types.js';

export interface RaceOptions {
  readonly firstSeeds: number;
  readonly eta: number;
  readonly minReports: number;
  /** The paired test's p-value threshold; null: no paired rule. */
  readonly wilcoxon: number | null;
}

/** Fewest shared units the paired test judges on (Optuna's floor of 2 steps). */
const MIN_PAIRS = 2;

const mean = (values: readonly number[]) => values.reduce((a, v) => a + v, 0) / values.length;

export class RaceScheduler implements Scheduler, UnitRace {
  readonly name = 'race';

  constructor(
    private readonly context: SchedulerContext,
    private readonly options: RaceOptions,
  ) {}

  get race(): UnitRace {
    return this;
  }

  get paired(): boolean {
    return this.options.wilcoxon !== null;
  }

  /** Racing stops between units, never inside one: no epoch rungs. */
  rungs(): readonly number[] {
    return [];
  }

  shouldStop(): boolean {
    return false;
  }

  slices(seeds: number): readonly number[] {
    return rungLadder(this.options.firstSeeds, this.options.eta, seeds);
  }

  shouldStopAtSlice(rung: RungValue): boolean {
    const { eta, minReports } = this.options;
    return !promotable(rung.value, rungValues(this.context, rung, () => true), eta, minReports, this.context.direction);
  }

  /**
   * One-sided signed-rank test of own - best over the shared units; stop when p is below the
   * threshold, unless the trial's mean over all its units is still at least the best trial's (the
   * test can find a trial worse on the shared units while its own average is better: Optuna's safety).
   */
  pairedWorse(pairs: PairedUnits): boolean {
    const threshold = this.options.wilcoxon;
    if (threshold === null || pairs.own.length < MIN_PAIRS || pairs.ownAll.length === 0 || pairs.bestAll.length === 0) return false;
    const maximize = this.context.direction === 'maximize';
    const differences = pairs.own.map((v, i) => v - pairs.best[i]!);
    const p = signedRankTest(differences, maximize ? 'less' : 'greater');
    const averageIsBest = maximize ? mean(pairs.bestAll) <= mean(pairs.ownAll) : mean(pairs.bestAll) >= mean(pairs.ownAll);
    return p < threshold && !averageIsBest;
  }
}
