// The executor: a warm piscina pool that runs trial units in worker threads. Main thread.
// Loads the worker by path to compiled JavaScript and imports only protocol *types* from it.
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type {
  BackendName,
  SerializedError,
  TrialUnit,
  UnitResult,
  WorkerData,
  WorkerInfo,
  WorkerRequest,
  WorkerResponse,
} from '../worker/protocol.js';

/** A unit failed inside the worker (or the worker died); the reason is plain data. */
export class UnitFailedError extends Error {
  override readonly name = 'UnitFailedError';
  readonly code = 'E_UNIT_FAILED';
  constructor(readonly reason: SerializedError) {
    super(`${reason.name}: ${reason.message}`);
  }
}

export interface ExecutorOptions {
  readonly workers: number;
  /** null: the best backend available in the worker (tensorflow, wasm, cpu). */
  readonly backend: BackendName | null;
}

/** Runs units; the study orchestrator only depends on this interface. */
export interface Executor {
  readonly backend: BackendName;
  /** Units that can run at once (worker threads). */
  readonly slots: number;
  /** Milliseconds it took to start every worker and initialise tfjs in it (paid once per run). */
  readonly startupMs: number;
  runUnit(unit: TrialUnit, signal?: AbortSignal): Promise<UnitResult>;
  close(): Promise<void>;
}

const WORKER_ENTRY = fileURLToPath(new URL('../worker/entry.js', import.meta.url));

export class PoolExecutor implements Executor {
  private constructor(
    private readonly pool: Piscina<WorkerRequest, WorkerResponse>,
    readonly backend: BackendName,
    readonly slots: number,
    readonly startupMs: number,
    readonly workerInfo: readonly WorkerInfo[],
  ) {}

  /** Starts the pool and waits until every thread has tfjs initialised, so trials never pay for it. */
  static async start(options: ExecutorOptions): Promise<PoolExecutor> {
    const started = performance.now();
    const workerData: WorkerData = { backend: options.backend };
    const pool = new Piscina<WorkerRequest, WorkerResponse>({
      filename: WORKER_ENTRY,
      minThreads: options.workers,
      maxThreads: options.workers,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      workerData,
    });
    try {
      // One 'info' per thread: piscina gives each to an idle thread, so every worker initialises now.
      const replies = await Promise.all(
        Array.from({ length: options.workers }, () => pool.run({ type: 'info' })),
      );
      const infos = replies.map((reply) => {
        if (reply.type !== 'info') throw new Error(`worker answered ${reply.type} to info`);
        return reply.info;
      });
      // A thread that could not load the requested backend falls back silently in some tfjs
      // builds; a study must not mix backends, since results are reproducible per backend only.
      const backends = [...new Set(infos.map((info) => info.backend))];
      if (backends.length !== 1) throw new Error(`worker threads started on different backends: ${backends.join(', ')}`);
      const backend = backends[0]!;
      return new PoolExecutor(pool, backend, options.workers, performance.now() - started, infos);
    } catch (error) {
      await pool.destroy();
      throw error;
    }
  }

  async runUnit(unit: TrialUnit, signal?: AbortSignal): Promise<UnitResult> {
    let reply: WorkerResponse;
    try {
      reply = await this.pool.run({ type: 'unit', unit }, { signal: signal ?? null });
    } catch (error) {
      if (signal?.aborted) throw error;
      // The worker itself died (process.exit, out of memory, crash): piscina replaces the thread.
      const e = error as Error;
      throw new UnitFailedError({ name: e.name ?? 'Error', message: e.message ?? String(error), stack: e.stack });
    }
    if (reply.type === 'unit-error') throw new UnitFailedError(reply.error);
    if (reply.type !== 'unit-result') throw new Error(`worker answered ${reply.type} to a unit`);
    return reply.result;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
