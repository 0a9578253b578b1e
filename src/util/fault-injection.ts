// TEST-ONLY fault injection: the plan parsed from the TASKSIEVE_FAULT_INJECTION environment variable,
// and the faults themselves. Both threads (the CLI parses it; workers and the store's commit hook act
// on it). Imports nothing from the project: it must be safe in a worker and on the main thread.
//
// Why an environment variable and not a study-file key: reliability tests must make a real worker throw,
// exit, run out of memory or hang, and must stall a real process inside a real SQLite transaction. A
// study-file key would put a "break me" switch into the user-facing schema, the stored spec and the
// spec diff; a test-only strategy would need a second strategy registry. The variable is read once, by
// the CLI (`tasksieve run`/`resume`), and passed explicitly from there (workerData, store option); the
// library never reads it. Unset (always, outside tests) means no fault.

export const FAULT_INJECTION_ENV = 'TASKSIEVE_FAULT_INJECTION';

export const WORKER_FAULTS = ['throw', 'exit', 'oom', 'hang'] as const;
export type WorkerFaultKind = (typeof WORKER_FAULTS)[number];

/** Inside the worker, on every unit of trial number `trial`. */
export interface WorkerFault {
  readonly kind: WorkerFaultKind;
  readonly trial: number;
}

/** On the main thread: the `write`-th write transaction of the process (1-based) stalls before COMMIT. */
export interface StallInWriteFault {
  readonly kind: 'stall-in-write';
  readonly write: number;
}

/** On the main thread: the `artifact`-th write transaction that stores a unit with its model stalls before COMMIT. */
export interface StallInArtifactWriteFault {
  readonly kind: 'stall-in-artifact-write';
  readonly artifact: number;
}

/**
 * Inside the worker, before every unit: sleep `ms`. Slows a runner down without breaking it, so a test of
 * two runners on one study can count on both taking trials before the budget is spent, whichever of
 * the two processes happens to start first on a loaded machine.
 */
export interface SlowUnitsFault {
  readonly kind: 'slow-units';
  readonly ms: number;
}

/** The faults a worker thread acts on. */
export type InWorkerFault = WorkerFault | SlowUnitsFault;

export type Fault = InWorkerFault | StallInWriteFault | StallInArtifactWriteFault;

/** Marker printed to stderr when a write stalls, so a test harness can SIGKILL the process right then. */
export const STALL_MARKER = 'fault-injection: stalled inside write transaction';

/**
 * The plan in `text` (a JSON array of faults, or one fault), or [] when unset. A malformed plan is an
 * error rather than "no fault": a test that believes it injects a fault must not silently pass.
 */
export function parseFaultPlan(text: string | undefined): readonly Fault[] {
  if (text === undefined || text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${FAULT_INJECTION_ENV}: not JSON`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((item, i) => {
    const where = `${FAULT_INJECTION_ENV}[${i}]`;
    if (typeof item !== 'object' || item === null) throw new Error(`${where}: must be an object`);
    const { kind } = item as { kind?: unknown };
    if (kind === 'stall-in-write') {
      const write = (item as { write?: unknown }).write;
      if (!Number.isSafeInteger(write) || (write as number) < 1) throw new Error(`${where}.write: must be an integer >= 1`);
      return { kind, write: write as number };
    }
    if (kind === 'stall-in-artifact-write') {
      const artifact = (item as { artifact?: unknown }).artifact;
      if (!Number.isSafeInteger(artifact) || (artifact as number) < 1) throw new Error(`${where}.artifact: must be an integer >= 1`);
      return { kind, artifact: artifact as number };
    }
    if (kind === 'slow-units') {
      const ms = (item as { ms?: unknown }).ms;
      if (!Number.isSafeInteger(ms) || (ms as number) < 1) throw new Error(`${where}.ms: must be an integer >= 1`);
      return { kind, ms: ms as number };
    }
    if (!WORKER_FAULTS.includes(kind as WorkerFaultKind)) {
      throw new Error(`${where}.kind: must be one of ${[...WORKER_FAULTS, 'slow-units', 'stall-in-write', 'stall-in-artifact-write'].join(', ')}`);
    }
    const trial = (item as { trial?: unknown }).trial;
    if (!Number.isSafeInteger(trial) || (trial as number) < 0) throw new Error(`${where}.trial: must be an integer >= 0`);
    return { kind: kind as WorkerFaultKind, trial: trial as number };
  });
}

export function workerFaults(plan: readonly Fault[]): InWorkerFault[] {
  return plan.filter((f): f is InWorkerFault => f.kind !== 'stall-in-write' && f.kind !== 'stall-in-artifact-write');
}

/**
 * A store commit hook for the plan's `stall-in-write` and `stall-in-artifact-write` faults, or undefined
 * when there is none. The hook counts write transactions (and those that store a model); at a chosen
 * one it prints STALL_MARKER and blocks the thread (the transaction's statements have run, COMMIT has
 * not), so the process can be killed inside the write.
 */
export function stallHook(
  plan: readonly Fault[],
  write: (line: string) => void,
): ((what?: { readonly artifact: boolean }) => void) | undefined {
  const stalls = new Set(plan.flatMap((f) => (f.kind === 'stall-in-write' ? [f.write] : [])));
  const artifactStalls = new Set(plan.flatMap((f) => (f.kind === 'stall-in-artifact-write' ? [f.artifact] : [])));
  if (stalls.size === 0 && artifactStalls.size === 0) return undefined;
  let count = 0;
  let artifacts = 0;
  return (what) => {
    count++;
    if (what?.artifact === true) artifacts++;
    const hit = stalls.has(count) || (what?.artifact === true && artifactStalls.has(artifacts));
    if (!hit) return;
    write(`${STALL_MARKER} #${count}${what?.artifact === true ? ` (model write #${artifacts})` : ''}\n`);
    // Blocks without spinning; a minute is far longer than any harness waits before its SIGKILL.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  };
}

/**
 * Runs the faults planned for a unit of `trialNumber`, if any, inside a worker thread: first any
 * 'slow-units' sleep, then the fault of that trial. Of those, only 'throw' returns (by throwing).
 */
export function injectWorkerFault(faults: readonly InWorkerFault[] | undefined, trialNumber: number): void {
  for (const slow of faults ?? []) {
    if (slow.kind === 'slow-units') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, slow.ms);
  }
  const fault = faults?.find((f): f is WorkerFault => f.kind !== 'slow-units' && f.trial === trialNumber);
  if (fault === undefined) return;
  switch (fault.kind) {
    case 'throw':
      throw new Error(`injected fault: unit of trial #${trialNumber} threw`);
    case 'exit':
      // In a worker thread this ends the thread only, as a crash of native code in a unit would.
      process.exit(7);
      break;
    case 'oom': {
      // Grows the JS heap until V8 stops the thread (ERR_WORKER_OUT_OF_MEMORY under resourceLimits).
      // 8 MB a step, so the limit is reached in a few steps rather than after minutes of GC.
      const hoard: number[][] = [];
      for (;;) hoard.push(new Array<number>(1 << 20).fill(hoard.length));
    }
    case 'hang':
      // A unit that never returns nor yields (a deadlock): only terminating the thread stops it. It
      // blocks rather than spins, so a hung unit does not also steal a core from the rest of the run.
      for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
}
