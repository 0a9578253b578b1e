// Scheduler registry: the study's `scheduler:` setting to a Scheduler over the store's rung values. Main thread.
import type { ResolvedStudy } from '../../spec/study.js';
import { AshaScheduler } from './asha.js';
import { HyperbandScheduler } from './hyperband.js';
import { RaceScheduler } from './race.js';
import type { RungHistory, Scheduler } from './types.js';

export { AshaScheduler, rungValues } from './asha.js';
export type { AshaOptions, SchedulerContext } from './asha.js';
export { HyperbandScheduler } from './hyperband.js';
export type { HyperbandOptions } from './hyperband.js';
export { RaceScheduler } from './race.js';
export type { RaceOptions } from './race.js';
export { promotable, rungLadder } from './successive-halving.js';
export type { PairedUnits, RungHistory, RungValue, Scheduler, UnitRace } from './types.js';

/** No scheduler: no rungs, never stops anything (units then train without evaluating early). */
export const NO_SCHEDULER: Scheduler = {
  name: 'none',
  rungs: () => [],
  shouldStop: () => false,
};

export function createScheduler(study: ResolvedStudy, store: RungHistory, studyId: number): Scheduler {
  const spec = study.scheduler;
  if (spec === undefined) return NO_SCHEDULER;
  const context = { store, studyId, direction: study.objective.direction };
  if (spec.kind === 'race') {
    const { first_seeds, eta, min_reports, wilcoxon } = spec;
    return new RaceScheduler(context, { firstSeeds: first_seeds, eta, minReports: min_reports, wilcoxon: wilcoxon ?? null });
  }
  const options = { minEpochs: spec.min_epochs, eta: spec.eta, minReports: spec.min_reports };
  switch (spec.kind) {
    case 'asha':
      return new AshaScheduler(context, options);
    case 'hyperband':
      return new HyperbandScheduler(context, { ...options, maxEpochs: study.budget.epochs, seed: study.seed });
  }
}
