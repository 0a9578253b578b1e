// Hyperband over ASHA: brackets with growing min_epochs (min_epochs x eta^b), each trial assigned to
// one by a hash of its number, weighted as Hyperband budgets them (the most aggressive bracket gets the
// most trials); a trial competes only with trials of its own bracket. Main thread; reads the store only.
import { hashString, mixSeed } from '../../util/rng.js';
import { rungValues, type AshaOptions, type SchedulerContext } from './asha.js';
import { promotable, rungLadder } from './successive-halving.js';
import type { RungValue, Scheduler } from './types.js';

export interface HyperbandOptions extends AshaOptions {
  /** The most fine-tuning epochs a trial can have (budget.epochs): bounds the brackets. */
  readonly maxEpochs: number;
  /** Seeds the bracket assignment (the study seed): the same study assigns the same brackets. */
  readonly seed: number;
}

export class HyperbandScheduler implements Scheduler {
  readonly name = 'hyperband';
  /** Trials per bracket, relative: bracket b gets weights[b] out of their sum. */
  private readonly weights: readonly number[];
  private readonly totalWeight: number;

  constructor(
    private readonly context: SchedulerContext,
    private readonly options: HyperbandOptions,
  ) {
    const { minEpochs, eta, maxEpochs } = options;
    let brackets = 0;
    for (let r = minEpochs; r <= maxEpochs; r *= eta) brackets++;
    brackets = Math.max(brackets, 1);
    // Hyperband's allocation: bracket s (counted from the least aggressive) starts n * eta^s / (s + 1)
    // configurations; Optuna's HyperbandPruner uses the same weights.
    this.weights = Array.from({ length: brackets }, (_, b) => {
      const s = brackets - 1 - b;
      return Math.ceil((brackets * eta ** s) / (s + 1));
    });
    this.totalWeight = this.weights.reduce((a, b) => a + b, 0);
  }

  get brackets(): number {
    return this.weights.length;
  }

  /** The bracket of a trial: 0 is the most aggressive (first rung at min_epochs). Pure. */
  bracketOf(trialNumber: number): number {
    let ticket = mixSeed(this.options.seed, hashString('hyperband'), trialNumber) % this.totalWeight;
    for (let b = 0; b < this.weights.length; b++) {
      ticket -= this.weights[b]!;
      if (ticket < 0) return b;
    }
    return this.weights.length - 1;
  }

  rungs(trialNumber: number, epochs: number): readonly number[] {
    const { minEpochs, eta } = this.options;
    return rungLadder(minEpochs * eta ** this.bracketOf(trialNumber), eta, epochs);
  }

  shouldStop(rung: RungValue): boolean {
    const bracket = this.bracketOf(rung.trialNumber);
    const values = rungValues(this.context, rung, (number) => this.bracketOf(number) === bracket);
    const { eta, minReports } = this.options;
    return !promotable(rung.value, values, eta, minReports, this.context.direction);
  }
}
