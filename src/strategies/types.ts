// The Strategy interface: how one unit trains and evaluates a model. Worker side.
// Strategies get tfjs passed in so that only src/worker/backend.ts loads it;
// must not import the store, the CLI or YAML parsing.
import type { ModelSpec } from '../spec/study.js';
import type { Recipe, StrategyName } from '../spec/recipe.js';
import type { Dataset } from '../data/types.js';
import type { PretrainedLayers } from '../data/model-folder.js';
import type { ClassificationMetrics } from '../spec/metrics.js';
import type { EvaluatedModel } from '../spec/units.js';
import type { ModelArtifact, ModelMeta } from '../spec/artifacts.js';
import type { LayerSnapshot, Tf, TrainingPhase } from '../training/types.js';
import type { PhaseTrainer } from '../training/phase-stack.js';

export type { LayerSnapshot, Tf, TrainingPhase } from '../training/types.js';

/**
 * Optional observation points for tests and diagnostics. Snapshots copy every weight, so strategies
 * only take them when an observer is present; production units pass none.
 */
export interface TrainingObserver {
  /** After a phase ends: the model's layers (from the input, then the head). */
  onPhaseEnd?(phase: TrainingPhase, layers: readonly LayerSnapshot[]): void;
  /** multitask: after every joint epoch, the tasks' loss weights (task 0 is the target). */
  onTaskWeights?(epoch: number, weights: readonly number[]): void;
}

export interface StrategyInput {
  readonly tf: Tf;
  /** The chosen sources, materialised (empty: the target-only baseline). */
  readonly sources: readonly Dataset[];
  /**
   * The chosen model sources' weights, averaged (src/data/model-folder.ts): the model starts from
   * them, then pre-trains on `sources` if any, then the transfer protocol. Absent: none chosen.
   */
  readonly pretrained?: PretrainedLayers;
  /** The target's labelled rows. */
  readonly train: Dataset;
  readonly validation: Dataset;
  /**
   * The target's test rows, when it has any: the pipeline measures the final model on them for the
   * report; strategies never read them (not for training, selection or early stopping).
   */
  readonly test?: Dataset;
  /** Size of the shared label space (the largest of the target's and the sources'). */
  readonly numClasses: number;
  readonly model: ModelSpec;
  readonly recipe: Recipe;
  /** Seeds every initialiser, shuffle and dropout mask: the same input gives the same result. */
  readonly seed: number;
  readonly observer?: TrainingObserver;
  /**
   * Called after every epoch of training on the target (fine-tuning, or the whole of a target-only
   * run) with a function that evaluates the model on the validation rows now. Returning false stops
   * the unit early: it then reports the metrics of the model as it is. This is how schedulers
   * (successive halving, Hyperband) read rung values and stop units.
   */
  readonly onTargetEpoch?: (epoch: number, evaluate: () => ClassificationMetrics) => boolean;
  /** Also hand back the final model (StrategyResult.artifact), exported before it is disposed. */
  readonly artifact?: boolean;
  /**
   * Trains the unit's single-task phases (default trainAlone: a stack of one where exact, else trainModel): a PhaseStack's `train` when the unit
   * runs in a stack with others (the results are the same; see src/training/stacked.ts).
   */
  readonly training?: PhaseTrainer;
}

/** A strategy's model as data; the backend is the caller's to add (the worker knows it). */
export interface StrategyArtifact extends Omit<ModelArtifact, 'meta'> {
  readonly meta: Omit<ModelMeta, 'backend' | 'origin'>;
}

export interface StrategyResult extends EvaluatedModel {
  /** Present when the input asked for it. */
  readonly artifact?: StrategyArtifact;
}

/**
 * Rules: `run` is deterministic for a given input and backend; it disposes every tensor, model and
 * optimizer it creates, also when it throws; it throws NonFiniteLossError when training diverges.
 */
export interface Strategy {
  readonly name: StrategyName;
  run(input: StrategyInput): Promise<StrategyResult>;
}
