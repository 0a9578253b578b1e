// The piscina worker module: initialises tfjs once per thread, then answers 'info' and 'unit' requests.
// Worker threads only (refuses the main thread). Must not import the store, the CLI, YAML parsing or
// src/config/load*; the main side loads it by path to the compiled dist/worker/entry.js.
//
// Its static imports are node:worker_threads and types only. piscina loads this file with require()
// first, which in Node 20.19+ loads and links its whole static graph synchronously before it finds
// the top-level await and falls back to import(); a worker terminated inside that link (a pool
// cancelled while it boots: a study file that fails its checks) aborts the whole process ("FATAL
// ERROR: v8::Module::IsGraphAsync must be used on an instantiated module", seen in CI with the compile
// cache first imported here statically). Everything else is imported dynamically below, past that window.
import { isMainThread, threadId, workerData } from 'node:worker_threads';
import type { BackendName, SerializedError } from '../spec/units.js';
import type { WorkerData, WorkerRequest, WorkerResponse } from './protocol.js';

if (isMainThread) {
  throw new Error(
    'tasksieve worker entry must run in a worker thread: load dist/worker/entry.js by path in a piscina pool, do not import it',
  );
}

interface Ready {
  readonly backend: BackendName;
  readonly initMs: number;
  readonly runUnit: typeof import('./run-unit.js').runUnit;
  readonly portControl: typeof import('./unit-port.js').portControl;
  readonly runScreen: typeof import('./run-screen.js').runScreen;
  readonly runStack: typeof import('./run-stack.js').runStack;
  readonly tf: typeof import('./backend.js').tf;
  readonly adoptSharedDatasets: typeof import('./shared-data.js').adoptSharedDatasets;
  readonly injectWorkerFault: typeof import('../util/fault-injection.js').injectWorkerFault;
  readonly flushCompileCache: typeof import('../util/compile-cache.js').flushCompileCache;
}

// Dynamic imports after the thread check, so that importing this file on the main thread fails fast
// instead of loading tfjs, and so that initMs covers importing tfjs as well as initialising it.
const ready: Ready | { readonly error: SerializedError } = await (async () => {
  const started = performance.now();
  try {
    // Before tfjs loads: its bundles are most of a worker's start-up (src/util/compile-cache.ts).
    const { enableCompileCache, flushCompileCache } = await import('../util/compile-cache.js');
    enableCompileCache();
    const { injectWorkerFault } = await import('../util/fault-injection.js');
    const { adoptSharedDatasets } = await import('./shared-data.js');
    const { tf, initBackend } = await import('./backend.js');
    const backend = await initBackend((workerData as WorkerData | undefined)?.backend ?? null);
    const { runUnit } = await import('./run-unit.js');
    const { portControl } = await import('./unit-port.js');
    const { runScreen } = await import('./run-screen.js');
    const { runStack } = await import('./run-stack.js');
    return { backend, tf, runUnit, portControl, runScreen, runStack, adoptSharedDatasets, injectWorkerFault, flushCompileCache, initMs: performance.now() - started };
  } catch (error) {
    // Kept and reported with every request rather than thrown: a worker that cannot start would
    // otherwise be respawned by the pool again and again.
    return { error: serializeError(error) };
  }
})();

/** Whether this thread wrote its compile cache: once, after its first training (see flushCompileCache). */
let flushed = false;

export default async function handle(request: WorkerRequest): Promise<WorkerResponse> {
  try {
    return await answer(request);
  } finally {
    if (!flushed && request.type !== 'info' && !('error' in ready)) {
      flushed = true;
      // Synchronously, once per thread (a few ms): between tasks piscina waits in Atomics.wait, so
      // a callback queued for later would not run until the thread is torn down.
      ready.flushCompileCache();
    }
  }
}

async function answer(request: WorkerRequest): Promise<WorkerResponse> {
  if ('error' in ready) {
    if (request.type === 'unit') return { type: 'unit-error', error: ready.error };
    if (request.type === 'screen') return { type: 'screen-error', error: ready.error };
    if (request.type === 'stack') return { type: 'stack-result', outcomes: request.units.map(() => ({ type: 'unit-error', error: ready.error })) };
    throw Object.assign(new Error(ready.error.message), { name: ready.error.name, code: ready.error.code });
  }
  switch (request.type) {
    case 'info': {
      const { rss, heapUsed } = process.memoryUsage();
      const { numTensors, numBytes } = ready.tf.memory();
      const memory = { rss, heapUsed, tensors: numTensors, tensorBytes: numBytes };
      return { type: 'info', info: { backend: ready.backend, threadId, initMs: ready.initMs, memory } };
    }
    case 'unit': {
      const control = request.port !== undefined ? ready.portControl(request.port) : undefined;
      try {
        ready.adoptSharedDatasets(request.datasets);
        // TEST-ONLY: absent unless the CLI was started with TASKSIEVE_FAULT_INJECTION.
        ready.injectWorkerFault((workerData as WorkerData | undefined)?.faults, request.unit.trialNumber);
        return { type: 'unit-result', result: await ready.runUnit(ready.tf, request.unit, ready.backend, control) };
      } catch (error) {
        return { type: 'unit-error', error: serializeError(error) };
      } finally {
        control?.close();
      }
    }
    case 'stack': {
      const controls = request.ports.map((port) => ready.portControl(port));
      try {
        ready.adoptSharedDatasets(request.datasets);
        // TEST-ONLY: absent unless the CLI was started with TASKSIEVE_FAULT_INJECTION.
        for (const unit of request.units) ready.injectWorkerFault((workerData as WorkerData | undefined)?.faults, unit.trialNumber);
        return { type: 'stack-result', outcomes: await ready.runStack(ready.tf, request.units, ready.backend, controls, serializeError) };
      } catch (error) {
        return { type: 'stack-result', outcomes: request.units.map(() => ({ type: 'unit-error', error: serializeError(error) })) };
      } finally {
        for (const control of controls) control.close();
      }
    }
    case 'screen':
      try {
        ready.adoptSharedDatasets(request.datasets);
        return { type: 'screen-result', result: await ready.runScreen(ready.tf, request.task, ready.backend) };
      } catch (error) {
        return { type: 'screen-error', error: serializeError(error) };
      }
    default:
      throw new TypeError(`unknown worker request ${JSON.stringify((request as { type?: unknown }).type)}`);
  }
}

/** Errors cross the thread boundary as plain data: structured clone drops custom names and codes. */
function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack !== undefined ? { stack: error.stack } : {}),
  };
}
