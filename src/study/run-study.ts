// The study orchestrator: keeps the worker pool busy with units of trials it asks for, records every
// result in the store as it arrives, and finishes each trial once all its units are in. With a
// scheduler, it records each trial's rung values as its units report them and stops pruned trials.
// Main thread. All state that must survive a crash lives in the store; what is here is bookkeeping,
// held by one StudyRun whose phase moves asking -> draining (budget handed out) or -> stopping (the
// signal), and which ends when nothing is in flight and it is no longer asking.
import { DEFAULT_ARTIFACTS, type ArtifactPolicy, type ResolvedStudy } from '../spec/study.js';
import type { ClassificationMetrics } from '../spec/metrics.js';
import type { TrialRecord } from '../spec/records.js';
import type { RungReport, StoredUnit, UnitResult } from '../spec/units.js';
import { UnitFailedError, type Executor } from './pool-executor.js';
import { constraintViolation, objectiveValue, termValue, type ScoredUnit } from '../metrics/objective.js';
import { ensureScreenPrior } from './screen-prior.js';
import { rungBound, rungValue } from './rung-value.js';
import { createScheduler, type PairedUnits, type Scheduler } from '../search/schedulers/index.js';
import { activeTrial, unitKey, type ActiveTrial } from './active-trial.js';
import type { AskedTrial, StudyHandle } from './study-handle.js';
import { asJson, storedUnit, type UnitPlan } from './units.js';
import { decodeBaseline, decodeStoredUnit } from './decoders.js';
import { pairUnits } from './race.js';
import { artifactToStore, keepArtifacts } from './artifacts.js';

export { bestTrial } from './leaderboard.js';

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
      /** For a trial a race stopped: the units it had (of `unitCount`), and by which rule. */
      readonly racedOut?: { readonly units: number; readonly unitCount: number; readonly rule: 'rung' | 'wilcoxon' };
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

/** The objective over the trial's units: metric or gain per unit, aggregated (see objective.ts). */
export function trialValue(study: ResolvedStudy, units: readonly ScoredUnit[]): number {
  return objectiveValue(study.objective, units);
}

export async function runStudy(options: RunStudyOptions): Promise<RunSummary> {
  const started = performance.now();
  const { handle, executor } = options;
  // screen_prior: screen the sources once, before the first trial is sampled (a no-op otherwise).
  await ensureScreenPrior(handle.store, handle.id, handle.study, executor, options.signal);
  const requeued = handle.requeueStale(options.staleAfterMs ?? 60_000).length;
  options.onEvent?.({ type: 'start', total: handle.total, finished: handle.progress().finished, requeued });
  return new StudyRun(options).execute(started, requeued);
}

/**
 * asking: free slots take pending units, or a new trial when none is pending; draining: the budget is
 * handed out, the trials in flight finish; stopping: the signal came, running trials are handed back.
 */
type Phase = 'asking' | 'draining' | 'stopping';

/** One run of a study in this process: the trials it holds, their units in flight, its tallies. */
class StudyRun {
  private readonly handle: StudyHandle;
  private readonly executor: Executor;
  private readonly study: ResolvedStudy;
  private readonly scheduler: Scheduler;
  /** Which models go into the store with their units (the study's `artifacts`, an operational key). */
  private readonly artifacts: ArtifactPolicy;
  private readonly emit: (event: StudyEvent) => void;
  private readonly active = new Map<number, ActiveTrial>();
  private phase: Phase = 'asking';
  private inflight = 0;
  /** An error of the runner itself (not of a unit): ends the run, and runStudy throws it. */
  private fatal: unknown = null;
  private readonly tally = { completed: 0, pruned: 0, failed: 0, trainingMs: 0, overheadMs: 0 };
  private wake: () => void = () => {};
  /** The best COMPLETE trial's units, decoded once per best trial (the paired rule reads them often). */
  private bestUnits: { readonly id: number; readonly units: ReadonlyMap<string, StoredUnit> } | null = null;

  constructor(private readonly options: RunStudyOptions) {
    this.handle = options.handle;
    this.executor = options.executor;
    this.study = options.handle.study;
    this.scheduler = options.scheduler ?? createScheduler(this.study, this.handle.store, this.handle.id);
    this.artifacts = this.study.artifacts ?? DEFAULT_ARTIFACTS;
    this.emit = options.onEvent ?? (() => {});
  }

  async execute(started: number, requeued: number): Promise<RunSummary> {
    const { handle, options } = this;
    const heartbeat = setInterval(() => {
      try {
        handle.heartbeat([...this.active.keys()]);
      } catch {
        // A missed heartbeat only risks a re-queue by another runner after staleAfterMs; keep going.
      }
    }, options.heartbeatMs ?? 2_000);
    heartbeat.unref();
    // A runner killed between finishing a trial and dropping the models it superseded left them: now.
    keepArtifacts(handle.store, handle.id, this.artifacts, this.study);
    const onAbort = () => this.stop();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    try {
      await new Promise<void>((resolve) => {
        this.wake = () => {
          if (this.inflight === 0 && (this.phase !== 'asking' || this.fatal !== null)) resolve();
        };
        this.fill();
        this.wake();
      });
    } finally {
      clearInterval(heartbeat);
      options.signal?.removeEventListener('abort', onAbort);
      // Trials this runner holds but did not finish go back to WAITING with their params and any
      // units they recorded, so a resume runs only what is missing.
      handle.releaseOwn();
    }
    if (this.fatal !== null) throw this.fatal;
    const { completed, pruned, failed, trainingMs, overheadMs } = this.tally;
    const progress = handle.progress();
    const thisRun = completed + pruned + failed;
    return {
      study: this.study.name,
      total: handle.total,
      finished: progress.finished,
      completedThisRun: completed,
      prunedThisRun: pruned,
      failedThisRun: failed,
      requeued,
      interrupted: this.phase === 'stopping',
      backend: this.executor.backend,
      wallMs: performance.now() - started,
      startupMs: this.executor.startupMs,
      trainingMs,
      overheadMsPerTrial: thisRun > 0 ? overheadMs / thisRun : 0,
      best: progress.best,
    };
  }

  /** asking | draining -> stopping: no unit starts any more, running trials are told to stop. */
  private stop(): void {
    this.phase = 'stopping';
    for (const trial of this.active.values()) trial.abort.abort();
    this.wake();
  }

  private failRun(error: unknown): void {
    this.fatal ??= error;
    this.wake();
  }

  private finishTrial(trial: ActiveTrial): void {
    const t0 = performance.now();
    this.active.delete(trial.asked.id);
    const objectives = this.study.objectives;
    let record: TrialRecord;
    if (objectives === undefined) {
      const value = trialValue(this.study, trial.results);
      record = this.handle.tell(trial.asked.id, { state: 'COMPLETE', value, backend: this.executor.backend });
    } else {
      const values = objectives.map((term) => termValue(term, trial.results));
      const constraints = (this.study.constraints ?? []).map((c) => constraintViolation(c, trial.results));
      const missing = [...values, ...constraints].some((v) => !Number.isFinite(v));
      record = missing
        ? this.handle.tell(trial.asked.id, {
            state: 'FAIL',
            error: `an objective or constraint has no value (got ${JSON.stringify({ values, constraints })}): a unit lacks its figure`,
            backend: this.executor.backend,
          })
        : this.handle.tell(trial.asked.id, {
            state: 'COMPLETE',
            values,
            ...(constraints.length > 0 ? { constraints } : {}),
            backend: this.executor.backend,
          });
    }
    if (record.state === 'FAIL') this.tally.failed++;
    else this.tally.completed++;
    this.tally.overheadMs += performance.now() - t0;
    this.report(record);
  }

  private failTrial(trial: ActiveTrial, plan: UnitPlan, error: unknown): void {
    trial.failed = true;
    trial.abort.abort();
    this.active.delete(trial.asked.id);
    const reason = error instanceof UnitFailedError ? error.message : (error as Error)?.message ?? String(error);
    const record = this.handle.tell(trial.asked.id, {
      state: 'FAIL',
      error: `target ${plan.target.name} seed ${plan.seedIndex}: ${reason}`,
      backend: this.executor.backend,
    });
    this.tally.failed++;
    this.report(record);
  }

  /** Ends a trial the scheduler stopped, once none of its units is in flight any more. */
  private finishPruned(trial: ActiveTrial): void {
    if (trial.pruned === null || trial.stops.size > 0 || !this.active.has(trial.asked.id)) return;
    this.active.delete(trial.asked.id);
    const { epoch, value } = trial.pruned;
    const record = this.handle.tell(trial.asked.id, { state: 'PRUNED', value, backend: this.executor.backend });
    this.tally.pruned++;
    this.report(record, epoch);
  }

  /**
   * After a trial ended: under `artifacts: best` the models it superseded (or its own, when it is not
   * the best) are dropped, then the progress line, with counts and best from the handle's history.
   */
  private report(record: TrialRecord, prunedAt?: number, racedOut?: Extract<StudyEvent, { type: 'trial-end' }>['racedOut']): void {
    const t0 = performance.now();
    keepArtifacts(this.handle.store, this.handle.id, this.artifacts, this.study);
    this.tally.overheadMs += performance.now() - t0;
    const { finished, best } = this.handle.progress();
    this.emit({
      type: 'trial-end',
      trial: record,
      finished,
      total: this.handle.total,
      best,
      ...(prunedAt !== undefined ? { prunedAt } : {}),
      ...(racedOut !== undefined ? { racedOut } : {}),
    });
  }

  /**
   * Racing, after one of the trial's units came in: the paired rule first (it may stop a trial in
   * the middle of a slice), then, once the released slices are all in, the rung between them and
   * the next slice. A go records the rung value (a durable "go": the next slice is released on
   * resume too); a stop ends the trial PRUNED with that value in the same transaction.
   */
  private raceStep(trial: ActiveTrial): void {
    const race = this.scheduler.race;
    if (race === undefined || trial.raced !== null) return;
    const t0 = performance.now();
    const value = trialValue(this.study, trial.results);
    if (race.paired && race.pairedWorse(this.pairedWithBest(trial))) {
      trial.raced = { rule: 'wilcoxon', step: trial.results.length, value };
    } else if (trial.held.length > 0 && trial.pending.length === 0 && trial.stops.size === 0) {
      const step = trial.raceSteps[0]!;
      if (race.shouldStopAtSlice({ trialId: trial.asked.id, trialNumber: trial.asked.number, step, value })) {
        trial.raced = { rule: 'rung', step, value };
      } else {
        this.handle.store.recordIntermediate(trial.asked.id, step, value);
        trial.raceSteps.shift();
        trial.pending.push(...trial.held.shift()!);
      }
    }
    if (trial.raced !== null) {
      trial.pending.length = 0;
      trial.held.length = 0;
    }
    this.tally.overheadMs += performance.now() - t0;
    this.finishRaced(trial);
  }

  /**
   * Ends a trial the race stopped once none of its units is in flight (units already training when
   * the paired rule fired are recorded: the partial value is over every unit the trial ran).
   */
  private finishRaced(trial: ActiveTrial): void {
    if (trial.raced === null || trial.stops.size > 0 || !this.active.has(trial.asked.id)) return;
    this.active.delete(trial.asked.id);
    const { rule, step } = trial.raced;
    const value = rule === 'rung' ? trial.raced.value : trialValue(this.study, trial.results);
    const record = this.handle.tell(trial.asked.id, {
      state: 'PRUNED',
      value,
      backend: this.executor.backend,
      ...(rule === 'rung' ? { intermediate: { step, value } } : {}),
    });
    this.tally.pruned++;
    this.report(record, undefined, { units: trial.results.length, unitCount: trial.unitCount, rule });
  }

  /** The trial's units and the best COMPLETE trial's, paired by target and seed (none: nothing to pair). */
  private pairedWithBest(trial: ActiveTrial): PairedUnits {
    const best = this.handle.progress().best;
    if (best === null) return { own: [], best: [], ownAll: [], bestAll: [] };
    if (this.bestUnits?.id !== best.id) {
      const units = new Map<string, StoredUnit>();
      for (const u of this.handle.store.getUnits(best.id)) {
        units.set(unitKey(u.target, u.seed), decodeStoredUnit(u.result, `trial #${best.number}: unit ${u.target}/${u.seed}`));
      }
      this.bestUnits = { id: best.id, units };
    }
    return pairUnits(this.study, trial.byKey, this.bestUnits.units);
  }

  /**
   * Judges the trial at rung `epoch` from the metrics of the units that reached it. With all of them
   * in, their aggregate is recorded (a value stored by an earlier attempt wins: a rung is recorded once)
   * and the scheduler asked. With some missing, the scheduler judges the best value the trial could
   * still reach there (rungBound), so a trial that is out whatever its other units report stops without
   * waiting for them; it then records the aggregate of the units that reached the rung.
   */
  private judgeRung(trial: ActiveTrial, epoch: number, reached: readonly ClassificationMetrics[]): void {
    const { store } = this.handle;
    const t0 = performance.now();
    const id = trial.asked.id;
    const stored = store.getIntermediates(id).find((r) => r.step === epoch);
    const complete = reached.length === trial.unitCount;
    const value = stored?.value ?? rungValue(this.study, reached);
    if (stored === undefined && complete) store.recordIntermediate(id, epoch, value);
    // Every unit already ran to the end: stopping would save nothing, the full value is better.
    const saving = trial.pending.length > 0 || trial.stops.size > 0;
    const judged = !saving ? null : stored !== undefined || complete ? value : rungBound(this.study, reached, trial.unitCount);
    const stop = judged !== null && this.scheduler.shouldStop({ trialId: id, trialNumber: trial.asked.number, step: epoch, value: judged });
    if (stop) {
      if (stored === undefined && !complete) store.recordIntermediate(id, epoch, value);
      trial.pruned = { epoch, value };
      trial.pending.length = 0;
      for (const unit of trial.stops.values()) unit.abort();
    }
    this.tally.overheadMs += performance.now() - t0;
  }

  /** A unit reached a rung (live over its port, or listed in its result; whichever comes first counts). */
  private onRung(trial: ActiveTrial, key: string, rung: RungReport): void {
    if (trial.failed || trial.pruned !== null || this.phase === 'stopping' || !this.active.has(trial.asked.id)) return;
    if (!trial.rungs.includes(rung.epoch)) return;
    let units = trial.atRung.get(rung.epoch);
    if (units === undefined) trial.atRung.set(rung.epoch, (units = new Map()));
    if (units.has(key)) return;
    units.set(key, rung.metrics);
    this.judgeRung(trial, rung.epoch, [...units.values()]);
  }

  /** Asks for a trial and plans its units, reusing any unit a previous attempt already recorded. */
  private startTrial(): boolean {
    const t0 = performance.now();
    const asked = this.handle.ask();
    if (!asked) return false;
    const trial = activeTrial(this.handle, asked, this.scheduler);
    this.active.set(asked.id, trial);
    this.tally.overheadMs += performance.now() - t0;
    this.emit({ type: 'trial-start', trial: asked });
    // A unit stopped early means the previous attempt had already pruned the trial (the rung value is
    // recorded before any stop is sent): finish it as that attempt would have.
    const stoppedEarly = trial.results.some((u) => u.stoppedAt != null);
    const last = stoppedEarly ? this.handle.store.getIntermediates(asked.id).at(-1) : undefined;
    if (last !== undefined) {
      trial.pruned = { epoch: last.step, value: last.value };
      this.finishPruned(trial);
    } else if (trial.pending.length === 0 && trial.held.length === 0) this.finishTrial(trial);
    // A previous attempt may have ended before it judged the units it recorded (a rung, or the
    // paired rule): judge them now, before any other unit trains.
    else if (trial.results.length > 0) this.raceStep(trial);
    return true;
  }

  /** The recipe's cached target-only baseline for this target and seed, if a unit stored it. */
  private storedBaseline(key: string) {
    const json = this.handle.store.getBaseline(this.handle.id, key);
    return json === null ? null : decodeBaseline(json, `study "${this.study.name}": baseline ${key}`);
  }

  /**
   * A target-only unit is the very computation of its recipe's baseline (the worker trains the
   * baseline as a unit without sources; strategies are deterministic), so once that baseline is
   * stored the unit is answered from it, not trained again: the same result, bit for bit. Not when
   * the unit reports rungs (the stored baseline has none) or when the study keeps every model
   * (`artifacts: all`: a baseline has no model); under `best` a target-only trial that is the best
   * holds no model, and `tasksieve model` retrains it as for any trial whose model was not kept.
   */
  private baselineAsUnit(trial: ActiveTrial, plan: UnitPlan): UnitResult | null {
    if (plan.unit.sources.length > 0 || trial.rungs.length > 0 || this.artifacts === 'all') return null;
    const cached = this.storedBaseline(plan.baselineKey);
    return cached === null ? null : { transfer: cached, baseline: null, rungs: [], stoppedAt: null, backend: this.executor.backend, workerMs: 0 };
  }

  private async runUnit(trial: ActiveTrial, plan: UnitPlan): Promise<void> {
    const { store } = this.handle;
    const cached = plan.unit.sources.length > 0 ? this.storedBaseline(plan.baselineKey) : null;
    const answered = this.baselineAsUnit(trial, plan);
    const unit = {
      ...plan.unit,
      withBaseline: plan.unit.sources.length > 0 && cached === null,
      // Asked for here, not in the plan: what is hashed or stored of a planned unit stays as it was.
      ...(this.artifacts !== 'none' ? { artifact: true } : {}),
    };
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
                this.onRung(trial, key, rung);
              } catch (error) {
                this.failRun(error);
              }
            },
          };
    const t0 = performance.now();
    let result;
    try {
      result = answered ?? (await this.executor.runUnit(unit, trial.abort.signal, channel));
    } catch (error) {
      trial.stops.delete(key);
      if (trial.failed || this.phase === 'stopping') return;
      // A pruned trial ends PRUNED whatever its stopped units do on the way out.
      if (trial.pruned !== null) return this.finishPruned(trial);
      if (trial.raced !== null) return this.finishRaced(trial);
      this.failTrial(trial, plan, error);
      return;
    }
    const roundTrip = performance.now() - t0 - result.workerMs;
    this.tally.trainingMs += result.workerMs;
    if (trial.failed || this.phase === 'stopping') return;
    const t1 = performance.now();
    const stored = storedUnit(plan, result, cached);
    const fresh = plan.unit.sources.length === 0 ? result.transfer : result.baseline;
    // A unit stopped early trained a short baseline: never the recipe's shared one.
    if (fresh && result.stoppedAt === null && answered === null) store.putBaseline(this.handle.id, plan.baselineKey, asJson(fresh));
    const origin = { study: this.study.name, trial: trial.asked.number, target: plan.target.name, seedIndex: plan.seedIndex };
    const model = result.artifact !== undefined && this.artifacts !== 'none' ? artifactToStore(result.artifact, origin) : undefined;
    // The unit and its model in one transaction: a kill leaves both or neither.
    store.recordUnit(trial.asked.id, plan.target.name, plan.seedIndex, asJson(stored), model);
    trial.results.push(stored);
    trial.byKey.set(key, stored);
    trial.stops.delete(key);
    // Rungs whose live report has not arrived (ports and results travel separately) count now.
    for (const rung of result.rungs) this.onRung(trial, key, rung);
    this.tally.overheadMs += roundTrip + (performance.now() - t1);
    if (trial.pruned !== null) this.finishPruned(trial);
    else if (trial.raced !== null) this.finishRaced(trial);
    else if (trial.results.length === trial.unitCount) this.finishTrial(trial);
    else this.raceStep(trial);
  }

  /** The next pending unit of an active trial, oldest trial first. */
  private nextPending(): { trial: ActiveTrial; plan: UnitPlan } | null {
    for (const trial of this.active.values()) {
      const plan = trial.pending.shift();
      if (plan) return { trial, plan };
    }
    return null;
  }

  /** Fills free worker slots with pending units, asking for new trials when none is pending. */
  private fill(): void {
    // A stacking executor takes up to stackSize units per worker at once (they wait in it for a free one).
    const capacity = this.executor.slots * (this.executor.stackSize ?? 1);
    while (this.phase !== 'stopping' && this.fatal === null && this.inflight < capacity) {
      const next = this.nextPending();
      if (!next) {
        if (this.phase === 'draining') break;
        try {
          if (!this.startTrial()) this.phase = 'draining';
        } catch (error) {
          this.fatal = error;
        }
        continue;
      }
      const { trial, plan } = next;
      this.inflight++;
      trial.inflight++;
      this.runUnit(trial, plan)
        .catch((error) => {
          this.fatal ??= error;
        })
        .finally(() => {
          this.inflight--;
          trial.inflight--;
          this.fill();
          this.wake();
        });
    }
  }
}
