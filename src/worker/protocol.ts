// The message protocol between the main thread and pool workers: plain, JSON-safe data, except a
// unit's MessagePort (transferred, not copied) and the shared parses of the data files it reads (their
// rows in SharedArrayBuffers: shared, not copied).
// Imported by both sides; must import types only.
// The payloads themselves (units, results, screens) are src/spec's.
import type { MessagePort } from 'node:worker_threads';
import type { ScreenResult, ScreenTask } from '../spec/screens.js';
import type { BackendName, RungReport, SerializedError, TrialUnit, UnitResult, WorkerInfo } from '../spec/units.js';
import type { InWorkerFault } from '../util/fault-injection.js';
import type { SharedCsv } from './shared-data.js';

export type WorkerRequest =
  | { readonly type: 'info' }
  /**
   * `port` (optional, passed in the task's transferList): the unit's own channel to the main thread,
   * carrying UnitMessage out and UnitCommand in while the unit trains.
   */
  | { readonly type: 'unit'; readonly unit: TrialUnit; readonly port?: MessagePort; readonly datasets?: readonly SharedCsv[] }
  /**
   * Units of one trial that share the model and the recipe, trained side by side with their phases
   * stacked (run-stack.ts); `ports[i]` is unit i's channel (required: each unit's result leaves over
   * it as soon as that unit finishes, before the others).
   */
  | { readonly type: 'stack'; readonly units: readonly TrialUnit[]; readonly ports: readonly MessagePort[]; readonly datasets?: readonly SharedCsv[] }
  /** Train a model on one source and score it on the targets (transferability screens). */
  | { readonly type: 'screen'; readonly task: ScreenTask; readonly datasets?: readonly SharedCsv[] };

/** Worker → main over a unit's port, while it trains; in a stack, also its outcome when it ends. */
export type UnitMessage =
  | ({ readonly type: 'intermediate' } & RungReport)
  | { readonly type: 'unit-result'; readonly result: UnitResult }
  | { readonly type: 'unit-error'; readonly error: SerializedError };

/**
 * Main → worker over a unit's port. The worker reads it without blocking after every fine-tuning
 * epoch, stops there and returns its metrics as they are; the thread stays warm for the next unit.
 */
export type UnitCommand = { readonly type: 'stop' };

export type WorkerResponse =
  | { readonly type: 'info'; readonly info: WorkerInfo }
  | { readonly type: 'unit-result'; readonly result: UnitResult }
  | { readonly type: 'unit-error'; readonly error: SerializedError }
  /** A stack's outcomes, in the order of its units (also sent over each unit's port as it ends). */
  | { readonly type: 'stack-result'; readonly outcomes: readonly StackUnitOutcome[] }
  | { readonly type: 'screen-result'; readonly result: ScreenResult }
  | { readonly type: 'screen-error'; readonly error: SerializedError };

/** One unit's outcome in a stack. */
export type StackUnitOutcome = { readonly type: 'unit-result'; readonly result: UnitResult } | { readonly type: 'unit-error'; readonly error: SerializedError };

/** Data the pool passes to every worker when it starts (piscina `workerData`). */
export interface WorkerData {
  /** Requested backend; `null` picks the best available (tensorflow, then wasm, then cpu). */
  readonly backend: BackendName | null;
  /** TEST-ONLY faults to inject into units (see src/util/fault-injection.ts); absent outside tests. */
  readonly faults?: readonly InWorkerFault[];
}
