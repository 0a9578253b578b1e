// The sampler contract. Main thread. Samplers see read-only trial snapshots and own their RNG.
import type { SourcePrior } from '../source-prior.js';
import type { Params, SearchSpace } from '../../spec/space.js';

export interface TrialSnapshot {
  readonly number: number;
  readonly state: 'WAITING' | 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL';
  readonly params: Params;
  readonly value: number | null;
  /** Multi-objective studies: the trial's value per objective (in the study's order), once COMPLETE. */
  readonly values?: readonly number[];
  /**
   * Multi-objective studies with constraints: per constraint, how far the trial is off (<= 0:
   * satisfied, Optuna's convention), once COMPLETE.
   */
  readonly constraints?: readonly number[];
}

export interface SampleContext {
  readonly space: SearchSpace;
  readonly direction: 'maximize' | 'minimize';
  /** Multi-objective studies: the direction of each objective (`direction` is the first one's). */
  readonly directions?: readonly ('maximize' | 'minimize')[];
  /** Every trial of the study so far, from every process (read-only snapshots). */
  readonly history: readonly TrialSnapshot[];
  /** The number the new trial will get: seeded samplers derive their stream from it. */
  readonly trialNumber: number;
  /**
   * Per-source inclusion probabilities from the study's transferability screen (`screen_prior`), or
   * undefined. A sampler should use them as its prior belief that a source belongs in a good subset.
   */
  readonly sourcePrior?: SourcePrior | undefined;
}

export interface Sampler {
  readonly name: string;
  /** Proposes the params of a new trial. Must be synchronous: it runs inside a store transaction. */
  sample(context: SampleContext): Params;
}
