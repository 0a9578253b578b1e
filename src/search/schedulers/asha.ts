// ASHA: asynchronous successive halving. A trial that reports at a rung goes on while it is in the top
// 1/eta of the values recorded at that rung so far, else it stops. Main thread; reads the store only.
import { promotable, rungLadder, type Direction } from './successive-halving.js';
import type { RungHistory, RungValue, Scheduler } from './types.js';

export interface AshaOptions {
  readonly minEpochs: number;
  readonly eta: number;
  readonly minReports: number;
}

export interface SchedulerContext {
  readonly store: RungHistory;
  readonly studyId: number;
  readonly direction: Direction;
}

/** The values trials recorded at `step` that count for `rung`'s trial (FAIL trials do not). */
export function rungValues(context: SchedulerContext, rung: RungValue, peer: (trialNumber: number) => boolean): number[] {
  const values: number[] = [];
  let own = false;
  for (const record of context.store.getStudyIntermediates(context.studyId, rung.step)) {
    if (record.trialId === rung.trialId) {
      own = true;
      values.push(rung.value);
    } else if (record.state !== 'FAIL' && peer(record.trialNumber)) {
      values.push(record.value);
    }
  }
  // Not recorded (yet): a bound judged before all the trial's units reached the rung.
  if (!own) values.push(rung.value);
  return values;
}

export class AshaScheduler implements Scheduler {
  readonly name = 'asha';

  constructor(
    private readonly context: SchedulerContext,
    private readonly options: AshaOptions,
  ) {}

  rungs(_trialNumber: number, epochs: number): readonly number[] {
    return rungLadder(this.options.minEpochs, this.options.eta, epochs);
  }

  shouldStop(rung: RungValue): boolean {
    const { eta, minReports } = this.options;
    const values = rungValues(this.context, rung, () => true);
    return !promotable(rung.value, values, eta, minReports, this.context.direction);
  }
}
