// `tasksieve run` and `tasksieve resume`: load and validate everything before touching the database,
// start the warm pool, run the study, stop cleanly on SIGINT/SIGTERM. Main thread.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadStudyFile } from '../config/index.js';
import type { ResolvedStudy } from '../config/types.js';
import { StudyConfigError } from '../errors.js';
import { PoolExecutor } from '../search/executor.js';
import { StudyHandle } from '../search/study-handle.js';
import { runStudy, type RunSummary } from '../search/study.js';
import { SqliteStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { BACKENDS, type BackendName } from '../worker/protocol.js';
import { fmtDuration, fmtNumber } from './format.js';
import { dbPath, findStudy, isStudyFile, openExisting } from './locate.js';
import type { Options } from './main.js';
import { progressReporter } from './progress.js';

export const EXIT_INTERRUPTED = 130;

export function intOption(options: Options, name: string): number | undefined {
  const raw = options[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
    throw new StudyConfigError(`--${name}: must be a whole number (got "${String(raw)}")`);
  }
  return value;
}

function backendOption(options: Options): BackendName | null {
  const raw = options.backend;
  if (raw === undefined) return null;
  if (!BACKENDS.includes(raw as BackendName)) {
    throw new StudyConfigError(`--backend: must be one of ${BACKENDS.join(', ')} (got "${String(raw)}")`);
  }
  return raw as BackendName;
}

export async function runCommand([file]: string[], options: Options): Promise<number> {
  const study = loadStudyFile(file!, { trials: intOption(options, 'trials'), workers: intOption(options, 'workers') });
  const backend = backendOption(options);
  const path = dbPath(options.db as string | undefined, study);
  mkdirSync(dirname(path), { recursive: true });
  return execute(SqliteStore.open(path), study, backend, options);
}

export async function resumeCommand([target]: string[], options: Options): Promise<number> {
  const workers = intOption(options, 'workers');
  const backend = backendOption(options);
  if (isStudyFile(target!)) {
    const study = loadStudyFile(target!, { workers });
    const path = dbPath(options.db as string | undefined, study);
    const store = openExisting(path, false);
    try {
      findStudy(store, study.name, path);
    } catch (error) {
      store.close();
      throw error;
    }
    return execute(store, study, backend, options);
  }
  const path = dbPath(options.db as string | undefined);
  const store = openExisting(path, false);
  let study: ResolvedStudy;
  try {
    const stored = findStudy(store, target!, path).spec as unknown as ResolvedStudy;
    study = workers === undefined ? stored : { ...stored, budget: { ...stored.budget, workers } };
  } catch (error) {
    store.close();
    throw error;
  }
  return execute(store, study, backend, options);
}

async function execute(store: Store, study: ResolvedStudy, backend: BackendName | null, options: Options): Promise<number> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(EXIT_INTERRUPTED); // a second Ctrl-C means now
    if (!options.quiet && !options.json) process.stderr.write(`\n${signal}: stopping; finished trials are kept, running ones re-run on resume\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let executor: PoolExecutor | null = null;
  try {
    const handle = StudyHandle.open({ store, study });
    executor = await PoolExecutor.start({ workers: study.budget.workers, backend });
    const quiet = options.quiet === true || options.json === true;
    const summary = await runStudy({
      handle,
      executor,
      signal: controller.signal,
      onEvent: quiet ? undefined : progressReporter(study.objective.metric),
    });
    if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else if (!options.quiet) process.stdout.write(`${describe(summary, study)}\n`);
    return summary.interrupted ? EXIT_INTERRUPTED : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await executor?.close();
    store.close();
  }
}

function describe(summary: RunSummary, study: ResolvedStudy): string {
  const lines = [
    `study ${summary.study}: ${summary.finished}/${summary.total} trials finished` +
      ` (this run: ${summary.completedThisRun} complete, ${summary.failedThisRun} failed)` +
      (summary.interrupted ? ' — interrupted, run `tasksieve resume` to continue' : ''),
    `backend ${summary.backend}; wall ${fmtDuration(summary.wallMs)}, pool start-up ${fmtDuration(summary.startupMs)}, ` +
      `training ${fmtDuration(summary.trainingMs)}, engine overhead ${summary.overheadMsPerTrial.toFixed(1)} ms/trial`,
  ];
  if (summary.best) {
    lines.push(`best: trial #${summary.best.number} ${study.objective.metric} ${fmtNumber(summary.best.value)}`);
  }
  return lines.join('\n');
}
