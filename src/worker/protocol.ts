// The message protocol between the main thread and pool workers: plain, JSON-safe data only (and a
// unit's MessagePort, which is transferred, not copied).
// Imported by both sides; must import types only.
import type { ModelSpec, Recipe } from '../config/types.js';
import type { TargetSpec, TaskSpec } from '../data/types.js';
import type { MessagePort } from 'node:worker_threads';
import type { ClassificationMetrics, ExtraMetrics } from '../metrics/types.js';
import type { WorkerFault } from '../util/fault-injection.js';
import type { ScreenResult, ScreenTask } from './screen-types.js';

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** One unit of work: a trial's recipe and source subset, evaluated on one target with one seed. */
export interface TrialUnit {
  readonly trialNumber: number;
  readonly target: TargetSpec;
  /** The chosen sources (empty: the target-only baseline). */
  readonly sources: readonly TaskSpec[];
  readonly model: ModelSpec;
  readonly recipe: Recipe;
  /** Seeds the target split, the initialisers and the per-epoch shuffles. */
  readonly seed: number;
  /** Also train the target-only baseline with the same recipe, target and seed. */
  readonly withBaseline: boolean;
  /**
   * Fine-tuning epochs after which the unit evaluates itself on the validation rows and reports (a
   * scheduler's rungs, ascending). Absent or empty: no evaluation before the end.
   */
  readonly rungs?: readonly number[];
}

export interface TrainingCost {
  readonly epochs: number;
  /** Rows seen in training, summed over epochs (pre-training + fine-tuning). */
  readonly samples: number;
  readonly ms: number;
}

export interface EvaluatedModel {
  readonly metrics: ClassificationMetrics;
  readonly cost: TrainingCost;
  /** Figures beyond the classification metrics (model size, accuracy under attack, …). */
  readonly extra?: ExtraMetrics;
}

/** The transfer model's metrics after fine-tuning epoch `epoch` (a rung). */
export interface RungReport {
  readonly epoch: number;
  readonly metrics: ClassificationMetrics;
}

export interface UnitResult {
  readonly transfer: EvaluatedModel;
  /**
   * Present when the unit was asked for its baseline, and always for a unit stopped early: then it is
   * the baseline fine-tuned for the same `stoppedAt` epochs, which must not be cached as the shared
   * full-length baseline of the recipe.
   */
  readonly baseline: EvaluatedModel | null;
  /** Every rung the unit reached, in order (also sent live over the unit's port, when it has one). */
  readonly rungs: readonly RungReport[];
  /** The fine-tuning epoch after which the unit stopped because it was told to; null: it ran to the end. */
  readonly stoppedAt: number | null;
  readonly backend: BackendName;
  /** Time from the task arriving in the worker to its result leaving it. */
  readonly workerMs: number;
}

/** Errors cross the thread boundary as plain data. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

export interface WorkerInfo {
  readonly backend: BackendName;
  readonly threadId: number;
  /** Time spent importing tfjs and initialising the backend in this worker (once per thread). */
  readonly initMs: number;
  /** Memory at the time of the reply (leak checks: bench/training.ts). */
  readonly memory?: WorkerMemory;
}

export interface WorkerMemory {
  /** Resident set size of the whole process (every thread), bytes. */
  readonly rss: number;
  /** This thread's JS heap in use, bytes. */
  readonly heapUsed: number;
  /** Live tfjs tensors of this thread, and their bytes. */
  readonly tensors: number;
  readonly tensorBytes: number;
}

export type WorkerRequest =
  | { readonly type: 'info' }
  /**
   * `port` (optional, passed in the task's transferList): the unit's own channel to the main thread,
   * carrying UnitMessage out and UnitCommand in while the unit trains.
   */
  | { readonly type: 'unit'; readonly unit: TrialUnit; readonly port?: MessagePort }
  /** Train a model on one source and score it on the targets (transferability screens). */
  | { readonly type: 'screen'; readonly task: ScreenTask };

/** Worker → main over a unit's port, while it trains. */
export type UnitMessage = { readonly type: 'intermediate' } & RungReport;

/**
 * Main → worker over a unit's port. The worker reads it without blocking after every fine-tuning
 * epoch, stops there and returns its metrics as they are; the thread stays warm for the next unit.
 */
export type UnitCommand = { readonly type: 'stop' };

export type WorkerResponse =
  | { readonly type: 'info'; readonly info: WorkerInfo }
  | { readonly type: 'unit-result'; readonly result: UnitResult }
  | { readonly type: 'unit-error'; readonly error: SerializedError }
  | { readonly type: 'screen-result'; readonly result: ScreenResult }
  | { readonly type: 'screen-error'; readonly error: SerializedError };

/** Data the pool passes to every worker when it starts (piscina `workerData`). */
export interface WorkerData {
  /** Requested backend; `null` picks the best available (tensorflow, then wasm, then cpu). */
  readonly backend: BackendName | null;
  /** TEST-ONLY faults to inject into units (see src/util/fault-injection.ts); absent outside tests. */
  readonly faults?: readonly WorkerFault[];
}
