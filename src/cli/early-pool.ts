// The worker pool of `run` and `resume`, started before the study is fully loaded so its threads boot
// while the main thread validates the file, checks the data and opens the database. Main thread.
import { availableParallelism } from 'node:os';
import type { ResolvedStudy } from '../spec/study.js';
import type { BackendName } from '../spec/units.js';
import { PoolExecutor, type ExecutorOptions } from '../study/pool-executor.js';
import { workerFaults, type Fault } from '../util/fault-injection.js';
import { isPlainObject } from '../util/check.js';

/** What of a budget the pool depends on. */
export type PoolBudget = Pick<ResolvedStudy['budget'], 'workers' | 'unitTimeoutS' | 'workerMemoryMb'>;

/** The executor options of a run: the budget's, the command line's (--stack) and the fault plan's. */
function executorOptions(budget: PoolBudget, backend: BackendName | null, stack: number | undefined, plan: readonly Fault[], signal: AbortSignal): ExecutorOptions {
  return {
    workers: budget.workers,
    backend,
    signal,
    ...(budget.unitTimeoutS !== undefined ? { unitTimeoutMs: budget.unitTimeoutS * 1000 } : {}),
    ...(budget.workerMemoryMb !== undefined ? { workerMemoryMb: budget.workerMemoryMb } : {}),
    // An operational option, like --workers: stacking never changes a unit's result.
    ...(stack !== undefined ? { stack } : {}),
    ...(plan.length > 0 ? { faults: workerFaults(plan) } : {}),
  };
}

/**
 * Above one thread per core a guess waits for the validated study: more threads than cores boot no
 * sooner, and a file that then fails validation would wait for them to stop (16 threads on 2 cores:
 * ~1 s before its error line).
 */
const MAX_GUESSED_WORKERS = availableParallelism();

/**
 * The pool budget a parsed, not yet validated study file asks for, as resolveStudy would read it
 * (workers default 2, --workers over the file); null when its budget is not plainly valid.
 */
export function guessedBudget(document: unknown, workersOverride: number | undefined): PoolBudget | null {
  if (!isPlainObject(document)) return null;
  const raw = document['budget'] ?? {};
  if (!isPlainObject(raw)) return null;
  const workers = workersOverride ?? raw['workers'] ?? 2;
  const unitTimeoutS = raw['unit_timeout_s'];
  const workerMemoryMb = raw['worker_memory_mb'];
  if (!Number.isInteger(workers) || (workers as number) < 1 || (workers as number) > MAX_GUESSED_WORKERS) return null;
  if (unitTimeoutS !== undefined && !(typeof unitTimeoutS === 'number' && unitTimeoutS > 0)) return null;
  if (workerMemoryMb !== undefined && !(Number.isInteger(workerMemoryMb) && (workerMemoryMb as number) > 0)) return null;
  return {
    workers: workers as number,
    ...(unitTimeoutS !== undefined ? { unitTimeoutS: unitTimeoutS as number } : {}),
    ...(workerMemoryMb !== undefined ? { workerMemoryMb: workerMemoryMb as number } : {}),
  };
}

/**
 * The worker pool, started as soon as the study file is parsed: its threads boot (tfjs and its wasm
 * backend, ~0.2 s each) while the main thread validates the file, checks the data and opens the
 * database, instead of after (the quick-start study: the threads began 0.43 s after the process when
 * they waited for the resolved study, ~0.19 s when started from the parsed file). The parsed file's
 * budget is a guess until the file is validated: `start` (with the resolved budget) keeps the pool
 * when the guess was right and replaces it otherwise, and `take` hands it over when the run asks for
 * the same pool; a pool nobody takes is closed by `discard`. Its threads run no unit before they are
 * taken, and write nothing.
 */
export class EarlyPool {
  private started: { readonly key: string; readonly pool: Promise<PoolExecutor>; readonly cancel: AbortController } | null = null;

  constructor(
    private readonly backend: BackendName | null,
    private readonly stack: number | undefined,
    private readonly workersOverride: number | undefined,
    private readonly plan: readonly Fault[],
    private readonly signal: AbortSignal,
  ) {}

  /** Starts the pool the parsed study file seems to ask for (nothing when its budget is not plain). */
  guess(document: unknown): void {
    const budget = guessedBudget(document, this.workersOverride);
    if (budget !== null) this.start(budget);
  }

  /** Starts the pool for `budget`, replacing one started for another. */
  start(budget: PoolBudget): void {
    if (this.signal.aborted) return;
    const options = executorOptions(budget, this.backend, this.stack, this.plan, this.signal);
    const key = poolKey(options);
    if (this.started?.key === key) return;
    if (this.started !== null) void cancelled(this.started);
    // Its own stop besides the run's: a pool nobody will take (the file turned out invalid, or the
    // guess wrong) stops booting at once instead of being waited for before the error is printed
    // (16 threads on 2 cores: 2.2 s to the error line, 1.0 s when stopped).
    const cancel = new AbortController();
    const pool = PoolExecutor.start({ ...options, signal: AbortSignal.any([this.signal, cancel.signal]) });
    // Awaited by take or discard; until then a failed start must not be an unhandled rejection.
    pool.catch(() => {});
    this.started = { key, pool, cancel };
  }

  async take(budget: PoolBudget): Promise<PoolExecutor> {
    const options = executorOptions(budget, this.backend, this.stack, this.plan, this.signal);
    const started = this.started;
    this.started = null;
    if (started !== null && started.key === poolKey(options)) return started.pool;
    if (started !== null) await cancelled(started);
    return PoolExecutor.start(options);
  }

  async discard(): Promise<void> {
    const started = this.started;
    this.started = null;
    if (started !== null) await cancelled(started);
  }
}

/** Stops a pool's start-up if it is still booting, and closes it if it had started. */
async function cancelled(started: { readonly pool: Promise<PoolExecutor>; readonly cancel: AbortController }): Promise<void> {
  started.cancel.abort();
  await closeQuietly(started.pool);
}

function poolKey(options: ExecutorOptions): string {
  const { signal: _signal, ...rest } = options;
  return JSON.stringify(rest);
}

async function closeQuietly(pool: Promise<PoolExecutor>): Promise<void> {
  try {
    await (await pool).close();
  } catch {
    // It never started (interrupted, or its backend failed): nothing to close, and the run reports
    // its own error.
  }
}
