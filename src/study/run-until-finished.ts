// The runner of `tasksieve run`, `resume` and `worker`: rounds of runStudy until the whole study is
// finished — not just until its budget is handed out — so trials still RUNNING under another
// process are waited for, and re-queued and re-run here once their owner is provably dead or their
// heartbeat goes stale. Main thread. Holds no state of its own between rounds: each round is one
// runStudy over the store, and the summary counts what the store holds at the end.
import { FINISHED_STATES, type TrialRecord } from '../spec/records.js';
import { bestTrial, runStudy, type RunStudyOptions, type RunSummary, type StudyEvent } from './run-study.js';

export interface WorkerLoopOptions extends RunStudyOptions {
  /** How long to wait, when only other runners' trials are left, before looking again; default 1 000 ms. */
  readonly pollMs?: number;
  /**
   * false: end after the first round even when trials of other runners are still unfinished (the
   * summary lists them in `unfinished`; the CLI then exits 3). Default true.
   */
  readonly wait?: boolean;
}

/** A trial the study still needs, as the summary and the waiting line name it. */
export interface UnfinishedTrial {
  readonly number: number;
  readonly state: 'WAITING' | 'RUNNING';
  readonly owner: string | null;
  /** Age of its last heartbeat when looked at (RUNNING trials). */
  readonly heartbeatAgeMs: number | null;
}

export interface LoopSummary extends RunSummary {
  /** Trials not finished when the runner ended: empty unless it was interrupted or told not to wait. */
  readonly unfinished: readonly UnfinishedTrial[];
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function unfinishedOf(trials: readonly TrialRecord[], now: number): UnfinishedTrial[] {
  return trials
    .filter((t): t is TrialRecord & { state: 'WAITING' | 'RUNNING' } => t.state === 'WAITING' || t.state === 'RUNNING')
    .map((t) => ({
      number: t.number,
      state: t.state,
      owner: t.owner,
      heartbeatAgeMs: t.state === 'RUNNING' && t.heartbeatAt !== null ? Math.max(0, now - t.heartbeatAt) : null,
    }));
}

/**
 * Runs rounds of runStudy until the study has `total` finished trials and none unfinished (or the
 * signal stops it, or `wait` is false). A round ends when the budget is used up and this runner has
 * nothing in flight; while other runners still hold RUNNING trials this one says so ('waiting'),
 * waits `pollMs` and starts another round, whose first step re-queues the trials of runners that are
 * gone (store row locks make that happen once, whoever notices).
 */
export async function runUntilFinished(options: WorkerLoopOptions): Promise<LoopSummary> {
  const { handle, signal } = options;
  const { store } = handle;
  const started = performance.now();
  const rounds: RunSummary[] = [];
  let announced = false;
  // One 'start' for the reporter; later rounds speak only when they re-queued someone's trials.
  const onEvent = (event: StudyEvent): void => {
    if (event.type === 'start') {
      if (announced && event.requeued === 0) return;
      announced = true;
    }
    options.onEvent?.(event);
  };
  let trials: TrialRecord[];
  for (;;) {
    const round = await runStudy({ ...options, onEvent });
    rounds.push(round);
    trials = store.getTrials(handle.id);
    if (round.interrupted || signal?.aborted) break;
    const open = unfinishedOf(trials, Date.now());
    const finished = trials.filter((t) => FINISHED_STATES.includes(t.state)).length;
    // Nothing open: done (finished < total only if the budget shrank below what exists, or a
    // round ended on a fatal error, which runStudy throws).
    if (open.length === 0 || (finished >= handle.total && open.every((t) => t.state === 'WAITING'))) break;
    if (options.wait === false) break;
    options.onEvent?.({ type: 'waiting', trials: open.filter((t) => t.state === 'RUNNING') });
    await pause(options.pollMs ?? 1_000, signal);
    if (signal?.aborted) break;
  }
  return combine(rounds, trials, handle.study.objective.direction, performance.now() - started, signal?.aborted === true);
}

function combine(
  rounds: readonly RunSummary[],
  trials: readonly TrialRecord[],
  direction: 'maximize' | 'minimize',
  wallMs: number,
  aborted: boolean,
): LoopSummary {
  const last = rounds[rounds.length - 1]!;
  const sum = (pick: (r: RunSummary) => number): number => rounds.reduce((total, r) => total + pick(r), 0);
  const thisRun = (r: RunSummary): number => r.completedThisRun + r.prunedThisRun + r.failedThisRun;
  const finishedHere = sum(thisRun);
  const finished = trials.filter((t) => FINISHED_STATES.includes(t.state));
  return {
    ...last,
    // What the store holds now, not a tally of the rounds: another runner may have finished trials
    // after this one's last round counted.
    finished: finished.length,
    best: bestTrial(finished, direction),
    unfinished: unfinishedOf(trials, Date.now()),
    completedThisRun: sum((r) => r.completedThisRun),
    prunedThisRun: sum((r) => r.prunedThisRun),
    failedThisRun: sum((r) => r.failedThisRun),
    requeued: sum((r) => r.requeued),
    interrupted: aborted || last.interrupted,
    wallMs,
    startupMs: rounds[0]!.startupMs,
    trainingMs: sum((r) => r.trainingMs),
    overheadMsPerTrial: finishedHere > 0 ? sum((r) => r.overheadMsPerTrial * thisRun(r)) / finishedHere : 0,
  };
}
