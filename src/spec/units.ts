// A trial unit and its result: what the main thread sends a pool worker and what comes back, and
// the form of a finished unit in the store. Plain, JSON-safe data.
// Part of src/spec: types and constant lists only, imports nothing of the project but spec.
import type { ClassificationMetrics, ExtraMetrics, ObjectiveMetric } from './metrics.js';
import type { ModelSpec } from './study.js';
import type { Recipe } from './recipe.js';
import type { SourceSpec, TargetSpec } from './tasks.js';
import type { ModelArtifact } from './artifacts.js';
import type { BackendName, Preprocessing } from './preprocessing.js';

// Declared beside the artifact types (which units.ts imports), re-exported here where they always were.
export { BACKENDS, type BackendName, type Preprocessing, type ScalingStats } from './preprocessing.js';

/** One unit of work: a trial's recipe and source subset, evaluated on one target with one seed. */
export interface TrialUnit {
  readonly trialNumber: number;
  readonly target: TargetSpec;
  /** The chosen sources (empty: the target-only baseline). */
  readonly sources: readonly SourceSpec[];
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
  /**
   * Return the transfer model as a ModelArtifact (UnitResult.artifact): its weights after
   * compression, preprocessing and label mapping. Never the baseline's. Absent or false: no export.
   */
  readonly artifact?: boolean;
}
export interface TrainingCost {
  readonly epochs: number;
  /** Rows seen in training, summed over epochs (pre-training + fine-tuning). */
  readonly samples: number;
  readonly ms: number;
}
export interface EvaluatedModel {
  /** On the target's validation rows (what selection and early stopping read). */
  readonly metrics: ClassificationMetrics;
  /** On the target's held-out test rows, when the target has a `test` share: reported, never selected on. */
  readonly test?: ClassificationMetrics;
  /** Absent when the unit used the rows as they are. */
  readonly preprocessing?: Preprocessing;
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
  /**
   * The transfer model, when the unit was asked for it (TrialUnit.artifact); its `origin` is the
   * main thread's to fill in. Its weights cross the thread boundary by structured clone (a copy of a
   * few hundred KB at most for the MLPs here: not worth a transfer list through piscina).
   */
  readonly artifact?: ModelArtifact;
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

/** What is stored for one finished unit. */
export interface StoredUnit {
  readonly seedIndex: number;
  readonly seed: number;
  readonly metrics: ClassificationMetrics;
  readonly cost: TrainingCost;
  /**
   * The target-only baseline's metrics with the same recipe, target and seed (for a unit stopped
   * early: fine-tuned for the same `stoppedAt` epochs).
   */
  readonly baseline: ClassificationMetrics;
  /** Metric minus baseline metric, for each objective metric: > 0 means the transfer helped. */
  readonly gain: Readonly<Record<ObjectiveMetric, number>>;
  readonly backend: string;
  readonly workerMs: number;
  /** Metrics at each rung the unit reached (a scheduler's intermediate values); absent in older rows. */
  readonly rungs?: readonly RungReport[];
  /** The fine-tuning epoch after which the scheduler stopped the unit; null or absent: it ran to the end. */
  readonly stoppedAt?: number | null;
  /** The strategy's extra figures (model size, fgsm_accuracy, …; src/strategies). */
  readonly extra?: ExtraMetrics;
  /** On the target's test rows (targets with a `test` share only): reported, never selected on. */
  readonly test?: ClassificationMetrics;
  /** The baseline's metrics on the same test rows. */
  readonly baselineTest?: ClassificationMetrics;
  /** What the unit did to the target's rows before its model saw them (absent: nothing). */
  readonly preprocessing?: Preprocessing;
}
