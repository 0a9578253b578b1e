// The executor: a warm piscina pool that runs trial units in worker threads. Main thread.
// Loads the worker by path to compiled JavaScript and imports only protocol *types* from it.
// Owns unit-level fault handling: a per-unit timeout, a per-thread heap limit, and plain-data reasons
// for a thread that died; piscina replaces a dead or terminated thread with a fresh, initialised one.
import { Piscina } from 'piscina';
import { INPUT_ERROR_CODES, TasksieveError } from '../errors.js';
import type { InWorkerFault } from '../util/fault-injection.js';
import { openUnitLink, type UnitChannel } from './unit-link.js';
import { sharedDatasetsFor, workerEntryPath } from '../worker/index.js';
import type { BackendName, SerializedError, TrialUnit, UnitResult, WorkerInfo } from '../spec/units.js';
import type { StackUnitOutcome, WorkerData, WorkerRequest, WorkerResponse } from '../worker/protocol.js';
import type { ScreenResult, ScreenTask } from '../spec/screens.js';

/** A unit failed inside the worker (or the worker died, or the unit timed out); the reason is plain data. */
export class UnitFailedError extends TasksieveError {
  override readonly name = 'UnitFailedError';
  readonly code = 'E_UNIT_FAILED';
  /**
   * 1 (ours: a crash, a timeout, a non-finite loss, a bug), unless the worker threw one of the user's
   * input errors (a DataError: a target's features differ from a source's): that keeps its exit code 2,
   * as it would have had on the main thread; only its class was lost crossing the thread boundary.
   */
  override readonly exitCode: number;
  constructor(readonly reason: SerializedError) {
    super(`${reason.name}: ${reason.message}`);
    this.exitCode = reason.code !== undefined && INPUT_ERROR_CODES.has(reason.code) ? 2 : 1;
  }
}

/** Start-up was cancelled (Ctrl-C while the workers initialised); the pool is destroyed. */
export class PoolStartAbortedError extends TasksieveError {
  override readonly name = 'PoolStartAbortedError';
  readonly code = 'E_POOL_START_ABORTED';
  /** An interruption, not a failure: 130 as for SIGINT, what `tasksieve run` returns when interrupted. */
  override readonly exitCode = 130;
}

export interface ExecutorOptions {
  readonly workers: number;
  /** null: the best backend available in the worker (tensorflow, wasm, cpu). */
  readonly backend: BackendName | null;
  /**
   * A unit still running after this many milliseconds fails with "unit timed out after Ns": its task
   * is aborted, which terminates its thread (a hung unit cannot be interrupted any other way), and
   * piscina starts a replacement. Absent: no limit.
   */
  readonly unitTimeoutMs?: number;
  /**
   * V8 old-generation heap limit of each worker thread (MB). A unit that exceeds it ends its own
   * thread (ERR_WORKER_OUT_OF_MEMORY), not the process. Absent: Node's default limit.
   */
  readonly workerMemoryMb?: number;
  /** TEST-ONLY faults for the workers (src/util/fault-injection.ts). */
  readonly faults?: readonly InWorkerFault[];
  /**
   * Most units of one trial a worker trains at once, stacked (src/worker/run-stack.ts; default 1: one
   * unit per task, the plain path). With more, units wait in the executor until a worker is free,
   * and a free worker takes its share of the waiting units (never so many that another free worker
   * idles), those of one trial with the same model and recipe. Each unit settles as soon as it ends.
   * A stack's time limit is unitTimeoutMs per unit in it.
   */
  readonly stack?: number;
  /** Aborts start-up: the pool is destroyed and start() throws PoolStartAbortedError. */
  readonly signal?: AbortSignal;
}

/** Runs units; the study orchestrator only depends on this interface. */
export interface Executor {
  readonly backend: BackendName;
  /** Units that can run at once (worker threads). */
  readonly slots: number;
  /** Units the executor takes per slot at once (stacked in one worker; 1: none). */
  readonly stackSize?: number;
  /** Milliseconds it took to start every worker and initialise tfjs in it (paid once per run). */
  readonly startupMs: number;
  /** `channel`: rung reports while the unit trains, and a way to stop it early (see UnitChannel). */
  runUnit(unit: TrialUnit, signal?: AbortSignal, channel?: UnitChannel): Promise<UnitResult>;
  close(): Promise<void>;
}

/** Longest a timed unit waits for dead threads' replacements before its clock starts anyway. */
const REPLACEMENT_WAIT_MS = 120_000;

// dist/worker/entry.js, also when this file runs from source (tests).
const WORKER_ENTRY = workerEntryPath();

/** V8 young generation of each worker thread, in MB (see PoolExecutor.start). */
const WORKER_YOUNG_GENERATION_MB = 64;

export class PoolExecutor implements Executor {
  /** Threads that signalled ready (initial ones at once, replacements once their entry initialised). */
  private created = 0;
  private destroyed = 0;
  private readonly waiters = new Set<() => void>();
  /** Stacking (options.stack > 1): units waiting for a free worker, and worker tasks running. */
  private readonly queue: Queued[] = [];
  private tasks = 0;
  private pumpScheduled = false;
  /** Stacked worker tasks started and the units they held (diagnostics, tests). */
  readonly stackStats = { tasks: 0, units: 0 };

  private constructor(
    private readonly pool: Piscina<WorkerRequest, WorkerResponse>,
    readonly backend: BackendName,
    readonly slots: number,
    readonly startupMs: number,
    readonly workerInfo: readonly WorkerInfo[],
    private readonly options: ExecutorOptions,
    counts: { created: number; destroyed: number },
  ) {
    this.created = counts.created;
    this.destroyed = counts.destroyed;
    pool.on('workerCreate', () => {
      this.created++;
      this.notify();
    });
    pool.on('workerDestroy', () => {
      this.destroyed++;
    });
  }

  /** Starts the pool and waits until every thread has tfjs initialised, so trials never pay for it. */
  static async start(options: ExecutorOptions): Promise<PoolExecutor> {
    checkOptions(options);
    const started = performance.now();
    const workerData: WorkerData = {
      backend: options.backend,
      ...(options.faults !== undefined && options.faults.length > 0 ? { faults: options.faults } : {}),
    };
    const pool = new Piscina<WorkerRequest, WorkerResponse>({
      filename: WORKER_ENTRY,
      minThreads: options.workers,
      maxThreads: options.workers,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      workerData,
      resourceLimits: {
        // A larger nursery than V8's default: every tfjs op allocates a few short-lived objects, and
        // fewer scavenges leave more of the other core to the other worker (a worker alone used 1.07
        // cores, 1.04 with this; npm run bench -- training).
        maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
        ...(options.workerMemoryMb !== undefined ? { maxOldGenerationSizeMb: options.workerMemoryMb } : {}),
      },
    });
    // A thread can die after its task was already settled (an out-of-memory that lands after the
    // unit's timeout aborted it): piscina then emits 'error' on the pool, which would end the process
    // if nobody listened. The unit already failed with its reason; the thread is replaced.
    pool.on('error', () => {});
    // Counted from the start: the initial threads announce themselves in a microtask.
    const counts = { created: 0, destroyed: 0 };
    const onCreate = () => counts.created++;
    const onDestroy = () => counts.destroyed++;
    pool.on('workerCreate', onCreate);
    pool.on('workerDestroy', onDestroy);
    const signal = options.signal;
    let onAbort: (() => void) | undefined;
    try {
      // One 'info' per thread: piscina gives each to an idle thread, so every worker initialises now.
      const infosPromise = Promise.all(Array.from({ length: options.workers }, () => pool.run({ type: 'info' })));
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(new PoolStartAbortedError('worker start-up was interrupted'));
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });
      // Without a signal `aborted` never settles; the race then just waits for the threads.
      const replies = await Promise.race([infosPromise, aborted]);
      const infos = replies.map((reply) => {
        if (reply.type !== 'info') throw new Error(`worker answered ${reply.type} to info`);
        return reply.info;
      });
      // A thread that could not load the requested backend falls back silently in some tfjs
      // builds; a study must not mix backends, since results are reproducible per backend only.
      const backends = [...new Set(infos.map((info) => info.backend))];
      if (backends.length !== 1) throw new Error(`worker threads started on different backends: ${backends.join(', ')}`);
      const backend = backends[0]!;
      pool.off('workerCreate', onCreate);
      pool.off('workerDestroy', onDestroy);
      return new PoolExecutor(pool, backend, options.workers, performance.now() - started, infos, options, counts);
    } catch (error) {
      await pool.destroy();
      throw error;
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Worker threads alive and initialised right now. */
  get readyThreads(): number {
    return this.created - this.destroyed;
  }

  /** Threads started to replace threads that died, timed out or were cancelled. */
  get replacedThreads(): number {
    return this.created - this.slots;
  }

  /**
   * Resolves once the pool is back to `slots` initialised threads (at once when it is), or after
   * `maxWaitMs` (a replacement that can never start must not hang the caller).
   */
  async whenFull(maxWaitMs = Number.POSITIVE_INFINITY): Promise<void> {
    const deadline = performance.now() + maxWaitMs;
    while (this.readyThreads < this.slots && performance.now() < deadline) {
      await new Promise<void>((resolve) => {
        const waiter = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = Number.isFinite(maxWaitMs) ? setTimeout(waiter, Math.max(0, deadline - performance.now())) : undefined;
        this.waiters.add(waiter);
      });
    }
  }

  get stackSize(): number {
    return this.options.stack ?? 1;
  }

  runUnit(unit: TrialUnit, signal?: AbortSignal, channel?: UnitChannel): Promise<UnitResult> {
    if (this.stackSize <= 1) return this.runAlone(unit, signal, channel);
    return new Promise<UnitResult>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const queued: Queued = { unit, signal, channel, resolve, reject };
      // Aborted while it waits (its trial handed back or failed): it leaves the queue at once.
      signal?.addEventListener(
        'abort',
        () => {
          const at = this.queue.indexOf(queued);
          if (at >= 0) {
            this.queue.splice(at, 1);
            reject(signal.reason);
          }
        },
        { once: true },
      );
      this.queue.push(queued);
      this.schedulePump();
    });
  }

  /**
   * Pumps after the current turn: the run loop hands out several units in one go, and refills only
   * once the results it was given have been recorded (their continuations run first).
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /**
   * Gives every free worker its share of the waiting units: the oldest one and, up to the stack size
   * and ceil(waiting / free workers), the next ones of its trial with the same model and recipe.
   */
  private pump(): void {
    while (this.tasks < this.slots && this.queue.length > 0) {
      const share = Math.min(this.stackSize, Math.ceil(this.queue.length / (this.slots - this.tasks)));
      const first = this.queue.shift()!;
      const key = stackKey(first.unit);
      const chunk = [first];
      for (let i = 0; i < this.queue.length && chunk.length < share; ) {
        if (stackKey(this.queue[i]!.unit) === key) chunk.push(...this.queue.splice(i, 1));
        else i++;
      }
      this.tasks++;
      const task =
        chunk.length === 1
          ? this.runAlone(first.unit, first.signal, first.channel).then(first.resolve, first.reject)
          : this.runStackTask(chunk);
      void task.finally(() => {
        this.tasks--;
        this.schedulePump();
      });
    }
  }

  /** One worker task training `chunk` stacked; each unit settles when its outcome arrives. */
  private async runStackTask(chunk: readonly Queued[]): Promise<void> {
    this.stackStats.tasks += 1;
    this.stackStats.units += chunk.length;
    const settled = new Set<number>();
    const settle = (i: number, outcome: StackUnitOutcome | { readonly type: 'thrown'; readonly error: unknown }) => {
      if (settled.has(i)) return;
      settled.add(i);
      const q = chunk[i]!;
      if (outcome.type === 'thrown') q.reject(outcome.error);
      else if (outcome.type === 'unit-error') q.reject(new UnitFailedError(outcome.error));
      else if (outcome.result.backend !== this.backend) {
        q.reject(new UnitFailedError({ name: 'BackendMismatchError', message: `a worker thread ran the unit on ${outcome.result.backend}, but this study runs on ${this.backend}` }));
      } else q.resolve(outcome.result);
    };
    const timeoutMs = this.options.unitTimeoutMs;
    if (timeoutMs !== undefined) await this.whenFull(REPLACEMENT_WAIT_MS);
    const timeout = timeoutMs !== undefined ? new AbortController() : null;
    const timer = timeout !== null ? setTimeout(() => timeout.abort(), timeoutMs! * chunk.length) : null;
    const signals = [...new Set(chunk.map((q) => q.signal).filter((s): s is AbortSignal => s !== undefined)), ...(timeout ? [timeout.signal] : [])];
    const combined = signals.length === 0 ? null : signals.length === 1 ? signals[0]! : AbortSignal.any(signals);
    const links = chunk.map((q, i) => openUnitLink(q.channel ?? {}, (outcome) => settle(i, outcome)));
    try {
      const reply = await this.pool.run(
        {
          type: 'stack',
          units: chunk.map((q) => q.unit),
          ports: links.map((l) => l.port),
          datasets: sharedDatasetsFor(chunk.flatMap((q) => [q.unit.target, ...q.unit.sources])),
        },
        { signal: combined, transferList: links.map((l) => l.port) },
      );
      if (reply.type !== 'stack-result') throw new Error(`worker answered ${reply.type} to a stack`);
      reply.outcomes.forEach((outcome, i) => settle(i, outcome));
    } catch (error) {
      chunk.forEach((q, i) => {
        if (q.signal?.aborted) settle(i, { type: 'thrown', error });
        else if (timeout?.signal.aborted) {
          settle(i, { type: 'unit-error', error: { name: 'UnitTimeoutError', code: 'E_UNIT_TIMEOUT', message: `unit timed out after ${seconds(timeoutMs! * chunk.length)} (a stack of ${chunk.length})` } });
        } else settle(i, { type: 'unit-error', error: deathReason(error, this.options.workerMemoryMb) });
      });
    } finally {
      if (timer !== null) clearTimeout(timer);
      for (const link of links) link.close();
    }
  }

  private async runAlone(unit: TrialUnit, signal?: AbortSignal, channel?: UnitChannel): Promise<UnitResult> {
    const timeoutMs = this.options.unitTimeoutMs;
    // The timeout measures the unit, not the wait for a replacement thread to initialise (seconds of
    // tfjs start-up): with at most `slots` units in flight, a full pool runs this unit at once.
    if (timeoutMs !== undefined) await this.whenFull(REPLACEMENT_WAIT_MS);
    const timeout = timeoutMs !== undefined ? new AbortController() : null;
    const timer = timeout !== null ? setTimeout(() => timeout.abort(), timeoutMs) : null;
    const signals = [signal, timeout?.signal].filter((s): s is AbortSignal => s !== undefined);
    const combined = signals.length === 0 ? null : signals.length === 1 ? signals[0]! : AbortSignal.any(signals);
    let reply: WorkerResponse;
    // A unit with a channel gets its own port: rung reports out, a stop request in (never a task abort).
    const link = channel !== undefined ? openUnitLink(channel) : null;
    try {
      // The main thread's parses of the unit's data files go along: the worker reads them in place.
      const datasets = sharedDatasetsFor([unit.target, ...unit.sources]);
      reply = await this.pool.run(
        link !== null ? { type: 'unit', unit, port: link.port, datasets } : { type: 'unit', unit, datasets },
        { signal: combined, ...(link !== null ? { transferList: [link.port] } : {}) },
      );
    } catch (error) {
      // The caller cancelled (its trial failed elsewhere, or the run is stopping): not this unit's fault.
      if (signal?.aborted) throw error;
      if (timeout?.signal.aborted) {
        throw new UnitFailedError({ name: 'UnitTimeoutError', code: 'E_UNIT_TIMEOUT', message: `unit timed out after ${seconds(timeoutMs!)}` });
      }
      // The worker itself died (process.exit, out of memory, crash): piscina replaces the thread.
      throw new UnitFailedError(deathReason(error, this.options.workerMemoryMb));
    } finally {
      if (timer !== null) clearTimeout(timer);
      link?.close();
    }
    if (reply.type === 'unit-error') throw new UnitFailedError(reply.error);
    if (reply.type !== 'unit-result') throw new Error(`worker answered ${reply.type} to a unit`);
    if (reply.result.backend !== this.backend) {
      // A replacement thread must not silently fall back to another backend mid-study.
      throw new UnitFailedError({
        name: 'BackendMismatchError',
        message: `a worker thread ran the unit on ${reply.result.backend}, but this study runs on ${this.backend}`,
      });
    }
    return reply.result;
  }

  /** Trains a model on one source and scores it on the targets (transferability screens). */
  async runScreen(task: ScreenTask, signal?: AbortSignal): Promise<ScreenResult> {
    let reply: WorkerResponse;
    try {
      const datasets = sharedDatasetsFor([task.source, ...task.targets]);
      reply = await this.pool.run({ type: 'screen', task, datasets }, { signal: signal ?? null });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new UnitFailedError(deathReason(error, this.options.workerMemoryMb));
    }
    if (reply.type === 'screen-error') throw new UnitFailedError(reply.error);
    if (reply.type !== 'screen-result') throw new Error(`worker answered ${reply.type} to a screen`);
    return reply.result;
  }

  /** The info of an idle worker (with one worker: that worker), with its memory now. */
  async info(): Promise<WorkerInfo> {
    const reply = await this.pool.run({ type: 'info' });
    if (reply.type !== 'info') throw new Error(`worker answered ${reply.type} to info`);
    return reply.info;
  }

  async close(): Promise<void> {
    for (const q of this.queue.splice(0)) q.reject(new Error('the pool was closed before the unit started'));
    await this.pool.destroy();
    this.notify();
  }

  private notify(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const resolve of waiting) resolve();
  }
}

/** A unit waiting for a free worker (stacking). */
interface Queued {
  readonly unit: TrialUnit;
  readonly signal: AbortSignal | undefined;
  readonly channel: UnitChannel | undefined;
  resolve(result: UnitResult): void;
  reject(error: unknown): void;
}

/** Units that may share a stack: one trial's, with the same model and recipe. */
function stackKey(unit: TrialUnit): string {
  return JSON.stringify([unit.trialNumber, unit.model, unit.recipe]);
}

function checkOptions(options: ExecutorOptions): void {
  if (options.stack !== undefined && !(Number.isInteger(options.stack) && options.stack >= 1)) throw new RangeError('options.stack must be a positive integer');
  if (!Number.isInteger(options.workers) || options.workers < 1) throw new RangeError('options.workers must be a positive integer');
  if (options.unitTimeoutMs !== undefined && !(Number.isFinite(options.unitTimeoutMs) && options.unitTimeoutMs > 0)) {
    throw new RangeError('options.unitTimeoutMs must be a positive number');
  }
  if (options.workerMemoryMb !== undefined && !(Number.isInteger(options.workerMemoryMb) && options.workerMemoryMb > 0)) {
    throw new RangeError('options.workerMemoryMb must be a positive integer');
  }
}

/** `2s`, `0.5s`, `90s`: as the study file wrote it (unit_timeout_s). */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/** Why a thread died, as plain data a trial's FAIL reason can show. */
function deathReason(error: unknown, memoryMb: number | undefined): SerializedError {
  const e = error as { name?: string; message?: string; code?: string; stack?: string };
  const message = e?.message ?? String(error);
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    const limit = memoryMb !== undefined ? ` (heap limit ${memoryMb} MB)` : '';
    return { name: 'WorkerOutOfMemoryError', code: e.code, message: `the worker thread ran out of memory${limit}; it was replaced` };
  }
  const exited = /worker exited with code: (-?\d+)/.exec(message);
  if (exited) {
    return { name: 'WorkerExitError', code: 'E_WORKER_EXIT', message: `the worker thread exited with code ${exited[1]} while running the unit; it was replaced` };
  }
  return { name: e?.name ?? 'Error', message, ...(e?.code !== undefined ? { code: e.code } : {}), ...(e?.stack !== undefined ? { stack: e.stack } : {}) };
}
