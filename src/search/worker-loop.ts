// `tasksieve worker`: runs a study's trials like `resume`, then stays until the whole study is
// finished, so trials of runners that die (on any machine) are re-queued and re-run by a survivor.
// Main thread. Holds no state of its own between rounds: each round is one runStudy over the store.
import { FINISHED_STATES } from '../store/types.js';
import { runStudy, type RunStudyOptions, type RunSummary, type StudyEvent } from './study.js';

export interface WorkerLoopOptions extends RunStudyOptions {
  /** How long to wait, when only other runners' trials are left, before looking again; default 1 000 ms. */
  readonly pollMs?: number;
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

/**
 * Runs rounds of runStudy until the study has `total` finished trials (or the signal stops it). A
 * round ends when the budget is used up and this runner has nothing in flight; while other runners
 * still hold RUNNING trials this one waits `pollMs` and starts another round, whose first step
 * re-queues trials whose runner is gone (store row locks make that happen once, whoever notices).
 */
export async function runUntilFinished(options: WorkerLoopOptions): Promise<RunSummary> {
  const { handle, signal } = options;
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
  for (;;) {
    const round = await runStudy({ ...options, onEvent });
    rounds.push(round);
    if (round.interrupted || signal?.aborted) break;
    if (handle.store.countTrials(handle.id, FINISHED_STATES) >= handle.total) break;
    await pause(options.pollMs ?? 1_000, signal);
    if (signal?.aborted) break;
  }
  return combine(rounds, performance.now() - started, signal?.aborted === true);
}

function combine(rounds: readonly RunSummary[], wallMs: number, aborted: boolean): RunSummary {
  const last = rounds[rounds.length - 1]!;
  const sum = (pick: (r: RunSummary) => number): number => rounds.reduce((total, r) => total + pick(r), 0);
  const trials = (r: RunSummary): number => r.completedThisRun + r.prunedThisRun + r.failedThisRun;
  const finishedHere = sum(trials);
  return {
    ...last,
    completedThisRun: sum((r) => r.completedThisRun),
    prunedThisRun: sum((r) => r.prunedThisRun),
    failedThisRun: sum((r) => r.failedThisRun),
    requeued: sum((r) => r.requeued),
    interrupted: aborted || last.interrupted,
    wallMs,
    startupMs: rounds[0]!.startupMs,
    trainingMs: sum((r) => r.trainingMs),
    overheadMsPerTrial: finishedHere > 0 ? sum((r) => r.overheadMsPerTrial * trials(r)) / finishedHere : 0,
  };
}
