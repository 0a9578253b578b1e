// The ask-and-tell API over a stored study: open or create it, ask for a trial, tell its outcome.
// Main thread. Every call is one store transaction; nothing is kept in memory between calls, so any
// number of handles in any number of processes can work on one study.
import { diffSpecs } from '../config/spec-diff.js';
import type { ResolvedStudy } from '../config/types.js';
import { SpecDriftError, StoreError } from '../errors.js';
import type { Json, Store, StudyRecord, TrialRecord } from '../store/types.js';
import { createSampler } from './samplers/index.js';
import type { Sampler, TrialSnapshot } from './samplers/types.js';
import { isStaleOwner, newOwnerId } from './owner.js';
import type { Params } from './types.js';
import { readSourcePrior } from './source-prior.js';

export interface AskedTrial {
  readonly id: number;
  readonly number: number;
  readonly params: Params;
  /** Times this trial was started, this one included (> 1 after a re-queue). */
  readonly attempts: number;
}

export type TellOutcome =
  | { readonly state: 'COMPLETE'; readonly value: number; readonly backend?: string | null }
  | { readonly state: 'PRUNED'; readonly value: number | null; readonly backend?: string | null }
  | { readonly state: 'FAIL'; readonly error: string; readonly backend?: string | null };

export interface OpenStudyOptions {
  readonly store: Store;
  readonly study: ResolvedStudy;
  readonly sampler?: Sampler;
  readonly owner?: string;
  /**
   * Continue a stored study whose spec differs from `study` (the stored spec wins for what was
   * already run). Off by default: a changed study file is refused with the fields that differ.
   */
  readonly allowDrift?: boolean;
}

export function snapshotOf(trial: TrialRecord): TrialSnapshot {
  return {
    number: trial.number,
    state: trial.state,
    params: trial.params as Params,
    value: trial.value,
  };
}

export class StudyHandle {
  readonly owner: string;

  private constructor(
    readonly store: Store,
    readonly study: ResolvedStudy,
    readonly record: StudyRecord,
    readonly created: boolean,
    private readonly sampler: Sampler,
    owner: string,
  ) {
    this.owner = owner;
  }

  /** Creates the study, or opens the stored one of that name when its spec is the same. */
  static open(options: OpenStudyOptions): StudyHandle {
    const { store, study } = options;
    const spec = study as unknown as Json;
    const { study: record, created } = store.getOrCreateStudy(study.name, spec, study.objective.direction);
    if (!created && !options.allowDrift) {
      const differences = diffSpecs(record.spec, spec);
      if (differences.length > 0) {
        const shown = differences.slice(0, 8).join(', ');
        const more = differences.length > 8 ? ` and ${differences.length - 8} more` : '';
        throw new SpecDriftError(
          `study "${study.name}" already exists with a different spec: ${shown}${more} differ ` +
            `(use a new study name, or another database)`,
        );
      }
    }
    return new StudyHandle(
      store,
      study,
      record,
      created,
      options.sampler ?? createSampler(study),
      options.owner ?? newOwnerId(),
    );
  }

  get id(): number {
    return this.record.id;
  }

  /** Trials that still count toward the budget of `budget.trials`, in every state. */
  get total(): number {
    return this.study.budget.trials;
  }

  /**
   * Claims a WAITING trial (enqueued or re-queued, same params) or, while the budget allows,
   * creates one with the sampler's proposal. Null when there is nothing left to run.
   */
  ask(): AskedTrial | null {
    const waiting = this.store.claimWaitingTrial(this.id, this.owner);
    if (waiting) return this.asked(waiting);
    const history = this.store.getTrials(this.id).map(snapshotOf);
    const direction = this.study.objective.direction;
    // screen_prior: per-source inclusion probabilities, stored with the study before its first trial.
    const sourcePrior = readSourcePrior(this.store, this.id, this.study);
    const created = this.store.createTrial(this.id, this.total, (trialNumber) => ({
      params: this.sampler.sample({ space: this.study.space, direction, history, trialNumber, sourcePrior }) as Json as {
        [k: string]: Json;
      },
      state: 'RUNNING',
      owner: this.owner,
    }));
    return created ? this.asked(created) : null;
  }

  /** Adds a trial with given params (e.g. the target-only baseline) for the next `ask` to run. */
  enqueue(params: Params): TrialRecord | null {
    return this.store.createTrial(this.id, this.total, () => ({
      params: params as Json as { [k: string]: Json },
      state: 'WAITING',
      owner: null,
    }));
  }

  tell(trialId: number, outcome: TellOutcome): TrialRecord {
    const backend = outcome.backend ?? null;
    switch (outcome.state) {
      case 'COMPLETE':
        if (!Number.isFinite(outcome.value)) {
          throw new StoreError(`trial value must be finite (got ${outcome.value})`);
        }
        return this.store.finishTrial(trialId, this.owner, { state: 'COMPLETE', value: outcome.value, error: null, backend });
      case 'PRUNED':
        return this.store.finishTrial(trialId, this.owner, { state: 'PRUNED', value: outcome.value, error: null, backend });
      case 'FAIL':
        return this.store.finishTrial(trialId, this.owner, { state: 'FAIL', value: null, error: outcome.error, backend });
    }
  }

  /** Re-queues RUNNING trials whose runner is gone (see isStaleOwner). Returns them. */
  requeueStale(staleAfterMs: number): TrialRecord[] {
    return this.store.requeueStale(this.id, (trial) => isStaleOwner(trial, this.owner, staleAfterMs));
  }

  /** Gives this handle's own RUNNING trials back (clean stop): they run again on resume. */
  releaseOwn(): TrialRecord[] {
    return this.store.requeueStale(this.id, (trial) => trial.owner === this.owner);
  }

  heartbeat(trialIds: readonly number[]): void {
    if (trialIds.length > 0) this.store.heartbeat(trialIds, this.owner);
  }

  trials(): TrialRecord[] {
    return this.store.getTrials(this.id);
  }

  private asked(trial: TrialRecord): AskedTrial {
    return { id: trial.id, number: trial.number, params: trial.params as Params, attempts: trial.attempts };
  }
}
