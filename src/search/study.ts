// The study orchestrator: keeps the worker pool busy with units of trials it asks for, records every
// result in the store as it arrives, and finishes each trial once all its units are in. With a
// scheduler, it records each trial's rung values as its units report them and stops pruned trials.
// Main thread. All state that must survive a crash lives in the store; what is here is bookkeeping.
import type { ResolvedStudy } from '../config/types.js';
import type { ClassificationMetrics } from '../metrics/types.js';
import type { TrialRecord } from '../store/types.js';
import type { EvaluatedModel, RungReport } from '../worker/protocol.js';
import { UnitFailedError, type Executor } from './executor.js';
import { objectiveValue } from './objective.js';
import { ensureScreenPrior } from './source-prior.js';
import { chosenSources, recipeFor } from './space.js';
import { rungBound, rungValue } from './rung-value.js';
import { createScheduler, type Scheduler } from './schedulers/index.js';
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
      /** For a PRUNED trial: the rung (fine-tuning epoch) whose value stopped it. */
      readonly prunedAt?: number;
    }
  /** The budget is handed out and these trials still run under other runners: waiting for them. */
  | { readonly type: 'waiting'; readonly trials: readonly WaitedTrial[] };

/** A RUNNING trial of another runner that this one waits for. */
export interface WaitedTrial {
  readonly number: number;
  readonly owner: string | null;
  readonly heartbeatAgeMs: number | null;
}

export interface RunStudyOptions {
  readonly handle: StudyHandle;
  readonly executor: Executor;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: StudyEvent) => void;
  /** How often this runner refreshes the heartbeat of its RUNNING trials. */
  readonly heartbeatMs?: number;
  /** A RUNNING trial of another runner with an older heartbeat is re-queued. */
  readonly staleAfterMs?: number;
  /** Default: the study's `scheduler` over the handle's store (none: no rungs, nothing stopped). */
  readonly scheduler?: Scheduler;
}

export interface RunSummary {
  readonly study: string;
  readonly total: number;
  /** Finished trials of the study (any process), when this run ended. */
  readonly finished: number;
  readonly completedThisRun: number;
  /** Trials this run stopped early (the scheduler's decision). */
  readonly prunedThisRun: number;
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
  /** The trial's rungs (fine-tuning epochs); empty without a scheduler. */
  readonly rungs: readonly number[];
  /** Per rung, the metrics of each unit (by key) that reached it: judged as they come (see judgeRung). */
  readonly atRung: Map<number, Map<string, ClassificationMetrics>>;
  /** Stop switches of the units in flight, by unit key. */
  readonly stops: Map<string, AbortController>;
  /** Set when the scheduler stopped the trial: it ends PRUNED with this value once its units are back. */
  pruned: { readonly epoch: number; readonly value: number } | null;
}

const unitKey = (target: string, seedIndex: number) => `${target}:${seedIndex}`;

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
  let pruned = 0;
  let failed = 0;
  const scheduler = options.scheduler ?? createScheduler(study, store, handle.id);
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

  const report = (record: TrialRecord, prunedAt?: number) => {
    const trials = store.getTrials(handle.id, FINISHED);
    emit({
      type: 'trial-end',
      trial: record,
      finished: trials.length,
      total: handle.total,
      best: bestTrial(trials, study.objective.direction),
      ...(prunedAt !== undefined ? { prunedAt } : {}),
    });
  };

  /** Ends a trial the scheduler stopped, once none of its units is in flight any more. */
  const finishPruned = (trial: ActiveTrial) => {
    if (trial.pruned === null || trial.stops.size > 0 || !active.has(trial.asked.id)) return;
    active.delete(trial.asked.id);
    const { epoch, value } = trial.pruned;
    const record = handle.tell(trial.asked.id, { state: 'PRUNED', value, backend: executor.backend });
    pruned++;
    report(record, epoch);
  };

  /**
   * Judges the trial at rung `epoch` from the metrics of the units that reached it. With all of them
   * in, their aggregate is recorded (a value stored by an earlier attempt wins: a rung is recorded once)
   * and the scheduler asked. With some missing, the scheduler judges the best value the trial could
   * still reach there (rungBound), so a trial that is out whatever its other units report stops without
   * waiting for them; it then records the aggregate of the units that reached the rung.
   */
  const judgeRung = (trial: ActiveTrial, epoch: number, reached: readonly ClassificationMetrics[]) => {
    const t0 = performance.now();
    const id = trial.asked.id;
    const stored = store.getIntermediates(id).find((r) => r.step === epoch);
    const complete = reached.length === trial.unitCount;
    const value = stored?.value ?? rungValue(study, reached);
    if (stored === undefined && complete) store.recordIntermediate(id, epoch, value);
    // Every unit already ran to the end: stopping would save nothing, the full value is better.
    const saving = trial.pending.length > 0 || trial.stops.size > 0;
    const judged = !saving ? null : stored !== undefined || complete ? value : rungBound(study, reached, trial.unitCount);
    const stop = judged !== null && scheduler.shouldStop({ trialId: id, trialNumber: trial.asked.number, step: epoch, value: judged });
    if (stop) {
      if (stored === undefined && !complete) store.recordIntermediate(id, epoch, value);
      trial.pruned = { epoch, value };
      trial.pending.length = 0;
      for (const unit of trial.stops.values()) unit.abort();
    }
    overheadMs += performance.now() - t0;
  };

  /** A unit reached a rung (live over its port, or listed in its result; whichever comes first counts). */
  const onRung = (trial: ActiveTrial, key: string, rung: RungReport) => {
    if (trial.failed || trial.pruned !== null || stopping || !active.has(trial.asked.id)) return;
    if (!trial.rungs.includes(rung.epoch)) return;
    let units = trial.atRung.get(rung.epoch);
    if (units === undefined) trial.atRung.set(rung.epoch, (units = new Map()));
    if (units.has(key)) return;
    units.set(key, rung.metrics);
    judgeRung(trial, rung.epoch, [...units.values()]);
  };

  /** Asks for a trial and plans its units, reusing any unit a previous attempt already recorded. */
  const startTrial = (): boolean => {
    const t0 = performance.now();
    const asked = handle.ask();
    if (!asked) return false;
    const recipe = recipeFor(study, asked.params);
    const rungs = scheduler.rungs(asked.number, recipe.epochs);
    const plans = planUnits(study, asked.number, recipe, chosenSources(study, asked.params), rungs);
    const done = new Map(store.getUnits(asked.id).map((u) => [unitKey(u.target, u.seed), u.result as unknown as StoredUnit]));
    const trial: ActiveTrial = {
      asked,
      pending: [],
      results: [],
      unitCount: plans.length,
      inflight: 0,
      failed: false,
      abort: new AbortController(),
      rungs,
      atRung: new Map(),
      stops: new Map(),
      pruned: null,
    };
    for (const plan of plans) {
      const key = unitKey(plan.target.name, plan.seedIndex);
      const previous = done.get(key);
      if (!previous) {
        trial.pending.push(plan);
        continue;
      }
      trial.results.push(previous);
      for (const rung of previous.rungs ?? []) {
        if (!trial.atRung.has(rung.epoch)) trial.atRung.set(rung.epoch, new Map());
        trial.atRung.get(rung.epoch)!.set(key, rung.metrics);
      }
    }
    active.set(asked.id, trial);
    overheadMs += performance.now() - t0;
    emit({ type: 'trial-start', trial: asked });
    // A unit stopped early means the previous attempt had already pruned the trial (the rung value is
    // recorded before any stop is sent): finish it as that attempt would have.
    const stoppedEarly = trial.results.some((u) => u.stoppedAt != null);
    const last = stoppedEarly ? store.getIntermediates(asked.id).at(-1) : undefined;
    if (last !== undefined) {
      trial.pruned = { epoch: last.step, value: last.value };
      finishPruned(trial);
    } else if (trial.pending.length === 0) finishTrial(trial);
    return true;
  };

  const runUnit = async (trial: ActiveTrial, plan: UnitPlan) => {
    const cached =
      plan.unit.sources.length > 0 ? (store.getBaseline(handle.id, plan.baselineKey) as EvaluatedModel | null) : null;
    const unit = { ...plan.unit, withBaseline: plan.unit.sources.length > 0 && cached === null };
    const key = unitKey(plan.target.name, plan.seedIndex);
    const stop = new AbortController();
    trial.stops.set(key, stop);
    const channel =
      trial.rungs.length === 0
        ? undefined
        : {
            stop: stop.signal,
            onReport: (rung: RungReport) => {
              // Runs from a port's message event: an error here must end the run, not the process.
              try {
                onRung(trial, key, rung);
              } catch (error) {
                fatal ??= error;
                wake();
              }
            },
          };
    const t0 = performance.now();
    let result;
    try {
      result = await executor.runUnit(unit, trial.abort.signal, channel);
    } catch (error) {
      trial.stops.delete(key);
      if (trial.failed || stopping) return;
      // A pruned trial ends PRUNED whatever its stopped units do on the way out.
      if (trial.pruned !== null) return finishPruned(trial);
      failTrial(trial, plan, error);
      return;
    }
    const roundTrip = performance.now() - t0 - result.workerMs;
    trainingMs += result.workerMs;
    if (trial.failed || stopping) return;
    const t1 = performance.now();
    const stored = storedUnit(plan, result, cached);
    const fresh = plan.unit.sources.length === 0 ? result.transfer : result.baseline;
    // A unit stopped early trained a short baseline: never the recipe's shared one.
    if (fresh && result.stoppedAt === null) store.putBaseline(handle.id, plan.baselineKey, asJson(fresh));
    store.recordUnit(trial.asked.id, plan.target.name, plan.seedIndex, asJson(stored));
    trial.results.push(stored);
    trial.stops.delete(key);
    // Rungs whose live report has not arrived (ports and results travel separately) count now.
    for (const rung of result.rungs) onRung(trial, key, rung);
    overheadMs += roundTrip + (performance.now() - t1);
    if (trial.pruned !== null) finishPruned(trial);
    else if (trial.results.length === trial.unitCount) finishTrial(trial);
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
  const thisRun = completed + pruned + failed;
  return {
    study: study.name,
    total: handle.total,
    finished: finishedTrials.length,
    completedThisRun: completed,
    prunedThisRun: pruned,
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

