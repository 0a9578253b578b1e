// The study orchestrator: keeps the worker pool busy with units of trials it asks for, records every
// result in the store as it arrives, and finishes each trial once all its units are in.
// Main thread. All state that must survive a crash lives in the store; what is here is bookkeeping.
import type { ResolvedStudy } from '../config/types.js';
import type { TrialRecord } from '../store/types.js';
import type { EvaluatedModel } from '../worker/protocol.js';
import { UnitFailedError, type Executor } from './executor.js';
import { objectiveValue } from './objective.js';
import { ensureScreenPrior } from './source-prior.js';
import { chosenSources, recipeFor } from './space.js';
import type { AskedTrial, StudyHandle } from './study-handle.js';
import { asJson, planUnits, storedUnit, type StoredUnit, type UnitPlan } from './units.js';

export type StudyEvent =
  | { readonly type: 'start'; readonly total: number; readonly finished: number; readonly requeued: number }
  | { readonly type: 'trial-start'; readonly trial: AskedTrial }
  | {
      readonly type: 'trial-end';
      readonly trial: TrialRecord;
      readonly finished: number;
      readonly total: number;
      readonly best: TrialRecord | null;
    };

export interface RunStudyOptions {
  readonly handle: StudyHandle;
  readonly executor: Executor;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: StudyEvent) => void;
  /** How often this runner refreshes the heartbeat of its RUNNING trials. */
  readonly heartbeatMs?: number;
  /** A RUNNING trial of another runner with an older heartbeat is re-queued. */
  readonly staleAfterMs?: number;
}

export interface RunSummary {
  readonly study: string;
  readonly total: number;
  /** Finished trials of the study (any process), when this run ended. */
  readonly finished: number;
  readonly completedThisRun: number;
  readonly failedThisRun: number;
  readonly requeued: number;
  readonly interrupted: boolean;
  readonly backend: string;
  readonly wallMs: number;
  readonly startupMs: number;
  /** Sum of unit time inside workers. */
  readonly trainingMs: number;
  /**
   * Engine time per trial this run finished: main-thread sampling, store writes and aggregation,
   * plus the round trip of each unit to the worker and back (pool start-up excluded).
   */
  readonly overheadMsPerTrial: number;
  readonly best: TrialRecord | null;
}

interface ActiveTrial {
  readonly asked: AskedTrial;
  readonly pending: UnitPlan[];
  readonly results: StoredUnit[];
  readonly unitCount: number;
  inflight: number;
  failed: boolean;
  readonly abort: AbortController;
}

const FINISHED = ['COMPLETE', 'PRUNED', 'FAIL'] as const;

export function bestTrial(trials: readonly TrialRecord[], direction: 'maximize' | 'minimize'): TrialRecord | null {
  let best: TrialRecord | null = null;
  for (const trial of trials) {
    if (trial.state !== 'COMPLETE' || trial.value === null) continue;
    if (!best || (direction === 'maximize' ? trial.value > best.value! : trial.value < best.value!)) best = trial;
  }
  return best;
}

/** The objective over the trial's units: metric or gain per unit, aggregated (see objective.ts). */
export function trialValue(study: ResolvedStudy, units: readonly StoredUnit[]): number {
  return objectiveValue(study.objective, units);
}

export async function runStudy(options: RunStudyOptions): Promise<RunSummary> {
  const { handle, executor } = options;
  const { store, study } = handle;
  const started = performance.now();
  // screen_prior: screen the sources once, before the first trial is sampled (a no-op otherwise).
  await ensureScreenPrior(store, handle.id, study, executor, options.signal);
  const requeued = handle.requeueStale(options.staleAfterMs ?? 60_000).length;
  const emit = options.onEvent ?? (() => {});
  emit({ type: 'start', total: handle.total, finished: store.countTrials(handle.id, FINISHED), requeued });

  const active = new Map<number, ActiveTrial>();
  let inflight = 0;
  let budgetUsed = false;
  let stopping = false;
  let completed = 0;
  let failed = 0;
  let trainingMs = 0;
  let overheadMs = 0;
  let fatal: unknown = null;

  const heartbeat = setInterval(() => {
    try {
      handle.heartbeat([...active.keys()]);
    } catch {
      // A missed heartbeat only risks a re-queue by another runner after staleAfterMs; keep going.
    }
  }, options.heartbeatMs ?? 2_000);
  heartbeat.unref();

  let wake: () => void = () => {};
  const onAbort = () => {
    stopping = true;
    for (const trial of active.values()) trial.abort.abort();
    wake();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const finishTrial = (trial: ActiveTrial) => {
    const t0 = performance.now();
    active.delete(trial.asked.id);
    const value = trialValue(study, trial.results);
    const record = handle.tell(trial.asked.id, { state: 'COMPLETE', value, backend: executor.backend });
    completed++;
    overheadMs += performance.now() - t0;
    report(record);
  };

  const failTrial = (trial: ActiveTrial, plan: UnitPlan, error: unknown) => {
    trial.failed = true;
    trial.abort.abort();
    active.delete(trial.asked.id);
    const reason = error instanceof UnitFailedError ? error.message : (error as Error)?.message ?? String(error);
    const record = handle.tell(trial.asked.id, {
      state: 'FAIL',
      error: `target ${plan.target.name} seed ${plan.seedIndex}: ${reason}`,
      backend: executor.backend,
    });
    failed++;
    report(record);
  };

  const report = (record: TrialRecord) => {
    const trials = store.getTrials(handle.id, FINISHED);
    emit({
      type: 'trial-end',
      trial: record,
      finished: trials.length,
      total: handle.total,
      best: bestTrial(trials, study.objective.direction),
    });
  };

  /** Asks for a trial and plans its units, reusing any unit a previous attempt already recorded. */
  const startTrial = (): boolean => {
    const t0 = performance.now();
    const asked = handle.ask();
    if (!asked) return false;
    const recipe = recipeFor(study, asked.params);
    const plans = planUnits(study, asked.number, recipe, chosenSources(study, asked.params));
    const done = new Map(store.getUnits(asked.id).map((u) => [`${u.target}:${u.seed}`, u.result as unknown as StoredUnit]));
    const trial: ActiveTrial = {
      asked,
      pending: [],
      results: [],
      unitCount: plans.length,
      inflight: 0,
      failed: false,
      abort: new AbortController(),
    };
    for (const plan of plans) {
      const previous = done.get(`${plan.target.name}:${plan.seedIndex}`);
      if (previous) trial.results.push(previous);
      else trial.pending.push(plan);
    }
    active.set(asked.id, trial);
    overheadMs += performance.now() - t0;
    emit({ type: 'trial-start', trial: asked });
    if (trial.pending.length === 0) finishTrial(trial);
    return true;
  };

  const runUnit = async (trial: ActiveTrial, plan: UnitPlan) => {
    const cached =
      plan.unit.sources.length > 0 ? (store.getBaseline(handle.id, plan.baselineKey) as EvaluatedModel | null) : null;
    const unit = { ...plan.unit, withBaseline: plan.unit.sources.length > 0 && cached === null };
    const t0 = performance.now();
    let result;
    try {
      result = await executor.runUnit(unit, trial.abort.signal);
    } catch (error) {
      if (trial.failed || stopping) return;
      failTrial(trial, plan, error);
      return;
    }
    const roundTrip = performance.now() - t0 - result.workerMs;
    trainingMs += result.workerMs;
    if (trial.failed || stopping) return;
    const t1 = performance.now();
    const stored = storedUnit(plan, result, cached);
    const fresh = plan.unit.sources.length === 0 ? result.transfer : result.baseline;
    if (fresh) store.putBaseline(handle.id, plan.baselineKey, asJson(fresh));
    store.recordUnit(trial.asked.id, plan.target.name, plan.seedIndex, asJson(stored));
    trial.results.push(stored);
    overheadMs += roundTrip + (performance.now() - t1);
    if (trial.results.length === trial.unitCount) finishTrial(trial);
  };

  /** Fills free worker slots with pending units, asking for new trials when none is pending. */
  const fill = () => {
    while (!stopping && fatal === null && inflight < executor.slots) {
      let next: { trial: ActiveTrial; plan: UnitPlan } | null = null;
      for (const trial of active.values()) {
        const plan = trial.pending.shift();
        if (plan) {
          next = { trial, plan };
          break;
        }
      }
      if (!next) {
        if (budgetUsed) break;
        try {
          if (!startTrial()) budgetUsed = true;
        } catch (error) {
          fatal = error;
        }
        continue;
      }
      const { trial, plan } = next;
      inflight++;
      trial.inflight++;
      runUnit(trial, plan)
        .catch((error) => {
          fatal ??= error;
        })
        .finally(() => {
          inflight--;
          trial.inflight--;
          fill();
          wake();
        });
    }
  };

  try {
    await new Promise<void>((resolve) => {
      wake = () => {
        if (inflight === 0 && (stopping || fatal !== null || budgetUsed)) resolve();
      };
      fill();
      wake();
    });
  } finally {
    clearInterval(heartbeat);
    options.signal?.removeEventListener('abort', onAbort);
    // Trials this runner holds but did not finish go back to WAITING with their params and any
    // units they recorded, so a resume runs only what is missing.
    handle.releaseOwn();
  }
  if (fatal !== null) throw fatal;

  const finishedTrials = store.getTrials(handle.id, FINISHED);
  const thisRun = completed + failed;
  return {
    study: study.name,
    total: handle.total,
    finished: finishedTrials.length,
    completedThisRun: completed,
    failedThisRun: failed,
    requeued,
    interrupted: stopping,
    backend: executor.backend,
    wallMs: performance.now() - started,
    startupMs: executor.startupMs,
    trainingMs,
    overheadMsPerTrial: thisRun > 0 ? overheadMs / thisRun : 0,
    best: bestTrial(finishedTrials, study.objective.direction),
  };
}

