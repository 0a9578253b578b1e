// Resolved study types: what the rest of the engine trusts after validation at the edge.
// Runs on the main thread; a ResolvedStudy is deeply frozen and JSON-safe (it is stored with the study).
import type { TargetSpec, TaskSpec } from '../data/types.js';
import type { ObjectiveMetric } from '../metrics/types.js';
import type { SearchSpace } from '../search/types.js';

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface ModelSpec {
  readonly kind: 'mlp';
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly dropout: number;
}

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
export const STRATEGIES = ['finetune'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/**
 * The training recipe: every key has a default in the study file's `recipe:` block and may be
 * overridden per trial by a search-space parameter of the same name.
 */
export interface Recipe {
  readonly strategy: StrategyName;
  readonly optimizer: OptimizerName;
  readonly learning_rate: number;
  readonly batch_size: number;
  /** Epochs of pre-training on the union of the chosen sources. */
  readonly pretrain_epochs: number;
  /** Epochs of fine-tuning on the target's labelled rows. */
  readonly epochs: number;
  /** Hidden layers (counted from the input) whose pre-trained weights stay frozen while fine-tuning. */
  readonly freeze_layers: number;
  readonly dropout: number;
}
export const RECIPE_KEYS = [
  'strategy',
  'optimizer',
  'learning_rate',
  'batch_size',
  'pretrain_epochs',
  'epochs',
  'freeze_layers',
  'dropout',
] as const satisfies readonly (keyof Recipe)[];

export const AGGREGATES = ['mean', 'median', 'worst'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

export interface Objective {
  readonly metric: ObjectiveMetric;
  readonly direction: 'maximize' | 'minimize';
  /** How a trial's units (target x seed) combine into its value; `worst` follows the direction. */
  readonly aggregate: Aggregate;
}

export interface Budget {
  /** Total trials of the study, across every process that runs it. */
  readonly trials: number;
  /** Parallel worker threads of one process. */
  readonly workers: number;
  /** Upper bound on `epochs` and `pretrain_epochs` of any trial. */
  readonly epochs: number;
  /** Seeds per target: each trial runs targets x seeds units. */
  readonly seeds: number;
}

export interface ResolvedStudy {
  readonly name: string;
  readonly seed: number;
  /** Absolute path of the study file it came from, or null when built in code. */
  readonly file: string | null;
  readonly sources: readonly TaskSpec[];
  readonly targets: readonly TargetSpec[];
  readonly model: ModelSpec;
  readonly recipe: Recipe;
  /** Must contain exactly one `subset` parameter named `sources`, or none (then no source is used). */
  readonly space: SearchSpace;
  readonly sampler: { readonly kind: 'random' };
  readonly objective: Objective;
  readonly budget: Budget;
  /** Storage location from the study file (SQLite path, absolute), or null for the default. */
  readonly storage: string | null;
}

/** Parts of a study that may change between runs without changing what the study means. */
export const OPERATIONAL_KEYS = ['file', 'storage', 'budget.trials', 'budget.workers'] as const;
