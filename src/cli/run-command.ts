// `tasksieve run` and `tasksieve resume`: load and validate everything before touching the database,
// start the warm pool, run the study, stop cleanly on SIGINT/SIGTERM. Main thread.
import { loadStudyFile } from '../config/index.js';
import type { ResolvedStudy } from '../spec/study.js';
import { StudyConfigError } from '../errors.js';
import { PoolStartAbortedError, type PoolExecutor } from '../study/pool-executor.js';
import { StudyHandle } from '../study/study-handle.js';
import type { RunStudyOptions } from '../study/run-study.js';
import { runUntilFinished, type LoopSummary, type UnfinishedTrial } from '../study/run-until-finished.js';
import { DEFAULT_DB_TIMEOUT_MS, type PostgresStoreOptions, type SqliteStoreOptions } from '../store/index.js';
import type { Store } from '../store/types.js';
import { FAULT_INJECTION_ENV, parseFaultPlan, stallHook, type Fault } from '../util/fault-injection.js';
import type { BackendName } from '../spec/units.js';
import { fmtDuration, fmtNumber } from '../util/format.js';
import { driftLines } from './drift-report.js';
import { EarlyPool } from './early-pool.js';
import { dbLabel, dbPath, findStudy, isStudyFile, openExisting, openForWrite } from './locate.js';
import type { Args, Options } from './options.js';
import { printJson, printLines, printNote } from './output.js';
import { progressReporter } from './progress.js';
import { studySpecOf } from '../study/decoders.js';

export const EXIT_INTERRUPTED = 130;
/** The runner ended (--no-wait) while trials of the study were still unfinished elsewhere. */
export const EXIT_UNFINISHED = 3;

/** What run, resume and worker share (resume has no --trials; worker no --trials, --force or --no-wait). */
export type RunOptions = Pick<Options<'run'>, 'db' | 'workers' | 'stack' | 'backend' | 'artifacts' | 'db-timeout' | 'json' | 'quiet'> &
  Partial<Pick<Options<'run'>, 'trials' | 'force' | 'no-wait'>>;

/**
 * Signal handling for run/resume, installed before anything is loaded: a first SIGINT/SIGTERM aborts
 * `signal` (start-up stops, running trials are handed back, exit 130); a second one exits at once.
 */
async function withSignals(options: RunOptions, body: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(EXIT_INTERRUPTED); // a second Ctrl-C means now
    if (!options.quiet && !options.json) printNote(`\n${signal}: stopping; finished trials are kept, running ones re-run on resume`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** TEST-ONLY fault plan from the environment (src/util/fault-injection.ts); [] when unset. */
function faultPlan(): readonly Fault[] {
  try {
    return parseFaultPlan(process.env[FAULT_INJECTION_ENV]);
  } catch (error) {
    throw new StudyConfigError((error as Error).message);
  }
}

function storeOptions(plan: readonly Fault[], options: RunOptions, label: string): SqliteStoreOptions & PostgresStoreOptions {
  const beforeCommit = stallHook(plan, (line) => process.stderr.write(line));
  const timeoutS = options['db-timeout'];
  // A warning more than progress: on stderr with --json too (stdout stays one document), not with --quiet.
  const notes = options.quiet !== true;
  return {
    ...(beforeCommit !== undefined ? { beforeCommit } : {}),
    ...(timeoutS !== undefined ? { dbTimeoutMs: timeoutS * 1000 } : {}),
    ...(notes
      ? {
          onOutage: (event) =>
            printNote(
              event.type === 'down'
                ? `database ${label} unavailable (${event.reason}); retrying for up to ${timeoutS ?? DEFAULT_DB_TIMEOUT_MS / 1000} s (--db-timeout)`
                : `database ${label} back after ${fmtDuration(event.downMs)}`,
            ),
        }
      : {}),
  };
}

/**
 * How execute runs the study: until the whole study is finished (waiting for trials other runners
 * hold), or with --no-wait one round only; `tasksieve worker` adds its --stale-after.
 */
export type Runner = (options: RunStudyOptions) => Promise<LoopSummary>;

const defaultRunner =
  (options: RunOptions): Runner =>
  (run) =>
    runUntilFinished({ ...run, wait: options['no-wait'] !== true });

export async function runCommand([file]: Args<'run'>, options: RunOptions, runner: Runner = defaultRunner(options)): Promise<number> {
  return withSignals(options, async (signal) => {
    const backend = options.backend ?? null;
    const plan = faultPlan();
    const early = new EarlyPool(backend, options.stack, options.workers, plan, signal);
    let adopted = false;
    try {
      const study = loadStudyFile(file, { trials: options.trials, workers: options.workers, afterParse: (document) => early.guess(document), beforeDataCheck: (resolved) => early.start(resolved.budget) });
      // A signal that arrived while the study file and its data were checked: stop before any write.
      if (signal.aborted) return EXIT_INTERRUPTED;
      const path = dbPath(options.db, study);
      adopted = true;
      return await execute(openForWrite(path, storeOptions(plan, options, dbLabel(path))), study, backend, options, plan, signal, runner, early);
    } finally {
      if (!adopted) await early.discard();
    }
  });
}

export async function resumeCommand([target]: Args<'resume'>, options: RunOptions, runner: Runner = defaultRunner(options)): Promise<number> {
  return withSignals(options, async (signal) => {
    const workers = options.workers;
    const backend = options.backend ?? null;
    const plan = faultPlan();
    if (isStudyFile(target)) {
      const early = new EarlyPool(backend, options.stack, options.workers, plan, signal);
      let adopted = false;
      try {
        const study = loadStudyFile(target, { workers, afterParse: (document) => early.guess(document), beforeDataCheck: (resolved) => early.start(resolved.budget) });
        if (signal.aborted) return EXIT_INTERRUPTED;
        const path = dbPath(options.db, study);
        const store = openExisting(path, false, storeOptions(plan, options, dbLabel(path)));
        try {
          findStudy(store, study.name, path);
        } catch (error) {
          store.close();
          throw error;
        }
        adopted = true;
        return await execute(store, study, backend, options, plan, signal, runner, early);
      } finally {
        if (!adopted) await early.discard();
      }
    }
    const path = dbPath(options.db);
    const store = openExisting(path, false, storeOptions(plan, options, dbLabel(path)));
    let study: ResolvedStudy;
    try {
      const stored = studySpecOf(findStudy(store, target, path));
      study = workers === undefined ? stored : { ...stored, budget: { ...stored.budget, workers } };
    } catch (error) {
      store.close();
      throw error;
    }
    return execute(store, study, backend, options, plan, signal, runner);
  });
}

async function execute(
  store: Store,
  given: ResolvedStudy,
  backend: BackendName | null,
  options: RunOptions,
  plan: readonly Fault[],
  signal: AbortSignal,
  runner: Runner,
  early: EarlyPool | null = null,
): Promise<number> {
  const quiet = options.quiet === true || options.json === true;
  // --artifacts replaces the study's `artifacts` (an operational key: never spec drift).
  const study = options.artifacts === undefined ? given : { ...given, artifacts: options.artifacts };
  let executor: PoolExecutor | null = null;
  try {
    const handle = StudyHandle.open({ store, study, allowDrift: options.force === true });
    if (handle.drift.length > 0) {
      // Never silent, not even with --quiet or --json: the file the user passed is partly ignored.
      printNote(
        `--force: study "${study.name}" continues with its STORED spec; ${handle.drift.length} field(s) of the study file differ and are ignored ` +
          `(operational keys such as budget.trials and budget.workers still come from the file):\n` +
          driftLines(handle.record.spec, study, handle.drift).join('\n'),
      );
    }
    const budget = handle.study.budget;
    // The sampler as resolved: `auto` (the default) becomes gp or bayes by the study's space.
    if (!quiet) printNote(`starting ${budget.workers} worker thread(s); sampler ${handle.study.sampler.kind}…`);
    try {
      executor = await (early ?? new EarlyPool(backend, options.stack, options.workers, plan, signal)).take(budget);
    } catch (error) {
      // Ctrl-C while the workers initialised: nothing ran, nothing to hand back.
      if (error instanceof PoolStartAbortedError) return EXIT_INTERRUPTED;
      throw error;
    }
    const summary = await runner({
      handle,
      executor,
      signal,
      onEvent: quiet ? undefined : progressReporter(study.objective.metric),
    });
    if (options.json) printJson({ ...summary, workerThreadsReplaced: executor.replacedThreads });
    else if (!options.quiet) printLines(describe(summary, handle.study));
    if (summary.interrupted) return EXIT_INTERRUPTED;
    if (summary.unfinished.length > 0) {
      // Never 0 while the study has a hole: every leaderboard after it would be computed on it.
      printNote(unfinishedLine(summary));
      return EXIT_UNFINISHED;
    }
    return 0;
  } finally {
    if (executor === null) await early?.discard();
    await executor?.close();
    store.close();
  }
}

function unfinishedLine(summary: LoopSummary): string {
  const named = (t: UnfinishedTrial) =>
    t.state === 'WAITING'
      ? `#${t.number} WAITING`
      : `#${t.number} RUNNING under ${t.owner ?? 'no owner'}${t.heartbeatAgeMs !== null ? ` (heartbeat ${fmtDuration(t.heartbeatAgeMs)} ago)` : ''}`;
  const shown = summary.unfinished.slice(0, 6).map(named).join(', ');
  const more = summary.unfinished.length > 6 ? ` and ${summary.unfinished.length - 6} more` : '';
  return (
    `study ${summary.study} is not finished (${summary.finished}/${summary.total}): ${shown}${more}; ` +
    `run \`tasksieve resume\` without --no-wait to wait for them`
  );
}

function describe(summary: LoopSummary, study: ResolvedStudy): string {
  const lines = [
    `study ${summary.study}: ${summary.finished}/${summary.total} trials finished` +
      ` (this run: ${summary.completedThisRun} complete, ${summary.prunedThisRun > 0 ? `${summary.prunedThisRun} pruned, ` : ''}${summary.failedThisRun} failed)` +
      (summary.interrupted ? ' — interrupted, run `tasksieve resume` to continue' : ''),
    `backend ${summary.backend}; wall ${fmtDuration(summary.wallMs)}, pool start-up ${fmtDuration(summary.startupMs)}, ` +
      `training ${fmtDuration(summary.trainingMs)}, engine overhead ${summary.overheadMsPerTrial.toFixed(1)} ms/trial`,
  ];
  if (summary.best) {
    lines.push(`best: trial #${summary.best.number} ${study.objective.metric} ${fmtNumber(summary.best.value)}`);
  }
  return lines.join('\n');
}
