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
  /**
   * Trials of earlier studies (`warm_start`), matched to this space by the runtime: prior evidence,
   * weighted below the study's own trials and fading as they arrive. Absent: a cold start.
   */
  readonly warmStart?: WarmStart | undefined;
}

/** A finished trial of an earlier study, its params restricted to the ones this space shares. */
export interface PriorTrial {
  readonly params: Params;
  /** Lower is better, in the earlier study's own direction (so studies of either direction mix). */
  readonly loss: number;
}

export interface WarmStart {
  /** Per earlier study, its COMPLETE trials with a finite value; each study is ranked on its own. */
  readonly studies: readonly { readonly name: string; readonly trials: readonly PriorTrial[] }[];
}

export interface Sampler {
  readonly name: string;
  /** Proposes the params of a new trial. Must be synchronous: it runs inside a store transaction. */
  sample(context: SampleContext): Params;
}
