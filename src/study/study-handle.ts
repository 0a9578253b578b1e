// The ask-and-tell API over a stored study: open or create it, ask for a trial, tell its outcome.
// Main thread. Every call is one store transaction; nothing is kept in memory between calls, so any
// number of handles in any number of processes can work on one study.
import { deepFreeze } from '../config/resolve.js';
import { isLegacyRaceDefault } from '../config/scheduler.js';
import { diffSpecs } from '../config/spec-diff.js';
import { OPERATIONAL_KEYS, type ResolvedStudy } from '../spec/study.js';
import { STUDY_DEFAULTS } from '../spec/recipe.js';
import { SpecDriftError, StoreError } from '../errors.js';
import type { Json, StudyRecord, TrialRecord } from '../spec/records.js';
import type { Store } from '../store/types.js';
import { createSampler } from '../search/samplers/index.js';
import type { Sampler, WarmStart } from '../search/samplers/types.js';
import { TrialHistory } from './trial-history.js';
import { isStaleOwner, newOwnerId } from './owner.js';
import type { Params } from '../spec/space.js';
import { studySpecOf } from './decoders.js';
import { readSourcePrior } from './screen-prior.js';
import { loadWarmStart } from './warm-start.js';
import { toJson } from '../util/json.js';

export interface AskedTrial {
  readonly id: number;
  readonly number: number;
  readonly params: Params;
  /** Times this trial was started, this one included (> 1 after a re-queue). */
  readonly attempts: number;
  /** Number of the failed trial this one retries with the same params (budget.retries), if it does. */
  readonly retryOf?: number;
}

/**
 * A trial's outcome. In a multi-objective study a COMPLETE trial carries `values` (one per objective,
 * in the study's order; `value`, if given, must be the first) and, with constraints, `constraints`
 * (one violation per constraint, <= 0: satisfied); a single-objective study takes neither.
 */
export type TellOutcome =
  | {
      readonly state: 'COMPLETE';
      readonly value: number;
      readonly values?: readonly number[];
      readonly constraints?: readonly number[];
      readonly backend?: string | null;
    }
  | {
      readonly state: 'COMPLETE';
      readonly values: readonly number[];
      readonly constraints?: readonly number[];
      readonly backend?: string | null;
    }
  | {
      readonly state: 'PRUNED';
      readonly value: number | null;
      readonly backend?: string | null;
      /** The rung value that stopped it, recorded in the same transaction (a race's stop). */
      readonly intermediate?: { readonly step: number; readonly value: number };
    }
  | { readonly state: 'FAIL'; readonly error: string; readonly backend?: string | null };

export interface OpenStudyOptions {
  readonly store: Store;
  readonly study: ResolvedStudy;
  readonly sampler?: Sampler;
  readonly owner?: string;
  /**
   * Continue a stored study whose spec differs from `study`. The STORED spec wins for everything that
   * defines the study (tasks, model, recipe, space, objective, seed): finished trials were run under
   * it, and mixing two definitions in one study would make its values incomparable. Only the
   * operational keys (OPERATIONAL_KEYS: file, storage, trials, workers, unit timeout, retries, worker
   * memory) come from `study`. `handle.drift` lists what differs, so a caller can say so.
   * Off by default: a changed study file is refused with the fields that differ.
   */
  readonly allowDrift?: boolean;
}

/** Params as a canonical string: two trials with equal params (any key order) give the same key. */
function paramsKey(params: Json): string {
  return JSON.stringify(params, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * The failed trial to retry next, if any: a FAIL trial is retried when no later trial has its params
 * and fewer than `retries` retries of those params have failed already (the FAIL trials with those
 * params, minus the first, are its failed retries). Derived from the stored trials alone, so a crash
 * between a failure and its retry loses nothing, and two processes cannot both retry one failure
 * (this runs inside the transaction that creates the retry). Params that two proposals happen to
 * share count as one chain: such a pair is retried less, never more.
 */
export function pendingRetry(trials: readonly TrialRecord[], retries: number): TrialRecord | null {
  if (retries <= 0) return null;
  const chains = new Map<string, TrialRecord[]>();
  for (const trial of [...trials].sort((a, b) => a.number - b.number)) {
    const key = paramsKey(trial.params);
    chains.set(key, [...(chains.get(key) ?? []), trial]);
  }
  let next: TrialRecord | null = null;
  for (const chain of chains.values()) {
    const last = chain[chain.length - 1]!;
    if (last.state !== 'FAIL') continue;
    const failures = chain.filter((t) => t.state === 'FAIL').length;
    if (failures > retries) continue;
    if (next === null || last.number < next.number) next = last;
  }
  return next;
}

/**
 * The recipe keys that a study file now resolves to their study default (STUDY_DEFAULTS) while the
 * stored spec, written before the key existed, leaves them out, and `scheduler` when a race scheduler
 * is stored with the defaults racing had before its own (isLegacyRaceDefault): not a change of the
 * file's meaning. The stored spec then runs.
 */
function legacyDefaults(stored: unknown, fresh: Json): string[] {
  const scheduler = (spec: unknown) => (typeof spec === 'object' && spec !== null ? (spec as { scheduler?: unknown }).scheduler : undefined);
  const race = isLegacyRaceDefault(scheduler(stored), scheduler(fresh)) ? [LEGACY_SCHEDULER] : [];
  const storedRecipe = recipeOf(stored);
  const freshRecipe = recipeOf(fresh);
  if (storedRecipe === null || freshRecipe === null) return race;
  return [...race, ...Object.entries(STUDY_DEFAULTS).filter(([key, value]) => !(key in storedRecipe) && freshRecipe[key] === value).map(([key]) => key)];
}

/** The legacyDefaults entry for a race scheduler resolved with the defaults racing had before (scheduler.ts). */
const LEGACY_SCHEDULER = 'scheduler';

function recipeOf(spec: unknown): Readonly<Record<string, unknown>> | null {
  if (typeof spec !== 'object' || spec === null || !('recipe' in spec)) return null;
  const recipe = (spec as { recipe: unknown }).recipe;
  return typeof recipe === 'object' && recipe !== null ? (recipe as Record<string, unknown>) : null;
}

/** `spec` without the given legacy entries (recipe keys, or the scheduler: `stored`'s instead); a copy. */
function withoutKeys(spec: Json, keys: readonly string[], stored: unknown): Json {
  if (keys.length === 0) return spec;
  const recipe = { ...(recipeOf(spec) ?? {}) };
  for (const key of keys) delete recipe[key];
  const copy: Record<string, Json> = { ...(spec as Record<string, Json>), recipe: recipe as Json };
  if (keys.includes(LEGACY_SCHEDULER)) copy['scheduler'] = (stored as { scheduler: Json }).scheduler;
  return copy;
}

/**
 * `stored` with the operational keys of `given` (file, storage, budget.trials, …): what a study runs
 * with when its file drifted and the caller allowed it.
 */
export function withOperationalKeys(stored: ResolvedStudy, given: ResolvedStudy): ResolvedStudy {
  // As plain JSON, key by key, then decoded back: the result is checked like any stored spec.
  const out: Record<string, Record<string, unknown>> = JSON.parse(JSON.stringify(stored));
  const from: Record<string, Record<string, unknown>> = JSON.parse(JSON.stringify(given));
  for (const key of OPERATIONAL_KEYS) {
    const [head, tail] = key.split('.') as [string, string | undefined];
    if (tail === undefined) {
      if (head in from) out[head] = from[head]!;
      else delete out[head];
      continue;
    }
    const value = from[head]?.[tail];
    out[head] = { ...out[head] };
    if (value === undefined) delete out[head]![tail];
    else out[head]![tail] = value;
  }
  return deepFreeze(studySpecOf({ name: stored.name, spec: JSON.parse(JSON.stringify(out)) }));
}

export { snapshotOf } from './trial-history.js';

export class StudyHandle {
  readonly owner: string;
  /** The study's trials for the sampler, read incrementally (finished trials are kept). */
  private readonly history: TrialHistory;

  private constructor(
    readonly store: Store,
    readonly study: ResolvedStudy,
    readonly record: StudyRecord,
    readonly created: boolean,
    private readonly sampler: Sampler,
    owner: string,
    /** Fields where the given study differs from the stored one (only with allowDrift; else empty). */
    readonly drift: readonly string[],
    /** The earlier studies' trials (`warm_start`), read once here; undefined: a cold start. */
    private readonly warmStart: WarmStart | undefined,
  ) {
    this.owner = owner;
    this.history = new TrialHistory(store, record.id, record.direction);
  }

  /** Creates the study, or opens the stored one of that name when its spec is the same. */
  static open(options: OpenStudyOptions): StudyHandle {
    const { store, study } = options;
    const spec = toJson(study, `study "${study.name}": its spec`);
    const { study: record, created } = store.getOrCreateStudy(study.name, spec, study.objective.direction);
    const legacy = created ? [] : legacyDefaults(record.spec, spec);
    const differences = created ? [] : diffSpecs(record.spec, withoutKeys(spec, legacy, record.spec));
    if (differences.length > 0 && !options.allowDrift) {
      const shown = differences.slice(0, 8).join(', ');
      const more = differences.length > 8 ? ` and ${differences.length - 8} more` : '';
      throw new SpecDriftError(
        `study "${study.name}" already exists with a different spec: ${shown}${more} differ ` +
          `(use a new study name, or another database, or --force to continue with the stored spec)`,
      );
    }
    // A study stored before a key with a new study default existed keeps what it meant (e.g. no
    // scaling): its stored spec runs, so a resume never mixes two protocols in one study.
    const effective = differences.length > 0 || legacy.length > 0 ? withOperationalKeys(studySpecOf(record), study) : study;
    const handle = new StudyHandle(
      store,
      effective,
      record,
      created,
      options.sampler ?? createSampler(effective),
      options.owner ?? newOwnerId(),
      differences,
      loadWarmStart(store, effective),
    );
    handle.enqueueStudyEntries();
    return handle;
  }

  /**
   * The study file's `enqueue` entries become trials 0, 1, … (WAITING), exactly once whatever the
   * number of processes opening the study at once and whatever crashed before: every handle runs
   * this before it can ask, and entry i is inserted only while the study has at most i trials (one
   * transaction each, the budget check of createTrial), so it lands at number i or not at all.
   */
  private enqueueStudyEntries(): void {
    const entries = this.study.enqueue ?? [];
    const count = Math.min(entries.length, this.total);
    if (count === 0 || this.store.countTrials(this.id) >= count) return;
    for (let i = 0; i < count; i++) {
      this.store.createTrial(this.id, i + 1, () => ({
        params: entries[i] as Json as { [k: string]: Json },
        state: 'WAITING',
        owner: null,
      }));
    }
  }

  get id(): number {
    return this.record.id;
  }

  /** Trials that still count toward the budget of `budget.trials`, in every state. */
  get total(): number {
    return this.study.budget.trials;
  }

  /** Failed trials are retried this many times (budget.retries, default 0). */
  get retries(): number {
    return this.study.budget.retries ?? 0;
  }

  /**
   * Claims a WAITING trial (enqueued or re-queued, same params) or, while the budget allows, creates
   * one: a retry of a failed trial (same params, see pendingRetry) when budget.retries allows one,
   * else the sampler's proposal. Retries count toward budget.trials, so a study always ends after
   * exactly that many trials; a failure with no budget left is not retried. Null when there is
   * nothing left to run.
   */
  ask(): AskedTrial | null {
    const waiting = this.store.claimWaitingTrial(this.id, this.owner);
    if (waiting) return this.asked(waiting);
    const direction = this.study.objective.direction;
    const directions = this.study.objectives?.map((o) => o.direction);
    // screen_prior: per-source inclusion probabilities, stored with the study before its first trial.
    const sourcePrior = readSourcePrior(this.store, this.id, this.study);
    let retryOf: number | undefined;
    const created = this.store.createTrial(this.id, this.total, (trialNumber) => {
      // Inside the write transaction: the trials read here are exactly those the insert follows.
      const failed = this.retries > 0 ? pendingRetry(this.store.getTrials(this.id), this.retries) : null;
      retryOf = failed?.number;
      const params =
        failed?.params ??
        (this.sampler.sample({
          space: this.study.space,
          direction,
          ...(directions !== undefined ? { directions } : {}),
          history: this.history.read(),
          trialNumber,
          sourcePrior,
          ...(this.warmStart !== undefined ? { warmStart: this.warmStart } : {}),
        }) as Json);
      return { params: params as { [k: string]: Json }, state: 'RUNNING', owner: this.owner };
    });
    return created ? this.asked(created, retryOf) : null;
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
      case 'COMPLETE': {
        const { value, values, constraints } = this.completeValues(outcome);
        if (!Number.isFinite(value)) {
          throw new StoreError(`trial value must be finite (got ${value})`);
        }
        return this.store.finishTrial(trialId, this.owner, {
          state: 'COMPLETE',
          value,
          // Left out of single-objective finishes, so their rows and records stay as they were.
          ...(values !== undefined ? { values } : {}),
          ...(constraints !== undefined ? { constraints } : {}),
          error: null,
          backend,
        });
      }
      case 'PRUNED':
        return this.store.finishTrial(trialId, this.owner, {
          state: 'PRUNED',
          value: outcome.value,
          error: null,
          backend,
          ...(outcome.intermediate !== undefined ? { intermediate: outcome.intermediate } : {}),
        });
      case 'FAIL':
        return this.store.finishTrial(trialId, this.owner, { state: 'FAIL', value: null, error: outcome.error, backend });
    }
  }

  /** The scalar and vector values of a COMPLETE outcome, checked against the study's objectives. */
  private completeValues(outcome: Extract<TellOutcome, { state: 'COMPLETE' }>): {
    value: number;
    values?: readonly number[];
    constraints?: readonly number[];
  } {
    const objectives = this.study.objectives;
    const given = 'value' in outcome ? outcome.value : undefined;
    if (objectives === undefined) {
      if (outcome.values !== undefined || outcome.constraints !== undefined) {
        throw new StoreError(`study "${this.study.name}" has one objective: tell a value, not values or constraints`);
      }
      return { value: given ?? Number.NaN };
    }
    const values = outcome.values;
    if (values === undefined || values.length !== objectives.length || !values.every(Number.isFinite)) {
      throw new StoreError(
        `study "${this.study.name}" has ${objectives.length} objectives: tell values, ${objectives.length} finite numbers (got ${JSON.stringify(values ?? null)})`,
      );
    }
    if (given !== undefined && given !== values[0]) {
      throw new StoreError(`value ${given} is not the first of values (${values[0]}): leave value out or make them equal`);
    }
    const wanted = this.study.constraints?.length ?? 0;
    const constraints = outcome.constraints;
    if ((constraints?.length ?? 0) !== wanted || (constraints !== undefined && !constraints.every(Number.isFinite))) {
      throw new StoreError(`study "${this.study.name}" has ${wanted} constraint(s): tell that many finite violations (got ${JSON.stringify(constraints ?? null)})`);
    }
    return { value: values[0]!, values, ...(constraints !== undefined && constraints.length > 0 ? { constraints } : {}) };
  }

  /** Re-queues RUNNING trials whose runner is gone (see isStaleOwner). Returns them. */
  requeueStale(staleAfterMs: number): TrialRecord[] {
    return this.store.requeueStale(this.id, (trial) => isStaleOwner(trial, this.owner, staleAfterMs));
  }

  /** Gives this handle's own RUNNING trials back (clean stop): they run again on resume. */
  releaseOwn(): TrialRecord[] {
    return this.store.requeueStale(this.id, (trial) => trial.owner === this.owner);
  }

  /** Finished trials of the study (any process) and the best COMPLETE one, read incrementally. */
  progress(): { readonly finished: number; readonly best: TrialRecord | null } {
    return this.history.progress();
  }

  heartbeat(trialIds: readonly number[]): void {
    if (trialIds.length > 0) this.store.heartbeat(trialIds, this.owner);
  }

  trials(): TrialRecord[] {
    return this.store.getTrials(this.id);
  }

  private asked(trial: TrialRecord, retryOf?: number): AskedTrial {
    return {
      id: trial.id,
      number: trial.number,
      params: trial.params as Params,
      attempts: trial.attempts,
      ...(retryOf !== undefined ? { retryOf } : {}),
    };
  }
}
