// Resolved study types: what the rest of the engine trusts after validation at the edge.
// Runs on the main thread; a ResolvedStudy is deeply frozen and JSON-safe (it is stored with the study).
import type { TargetSpec, TaskSpec } from '../data/types.js';
import { AGGREGATE_KINDS, type AggregateKind } from '../metrics/aggregate.js';
import type { ObjectiveMetric } from '../metrics/types.js';
import type { Params, SearchSpace } from '../search/types.js';

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
export const STRATEGIES = ['finetune', 'multitask', 'selftrain', 'distill'] as const;
export type StrategyName = (typeof STRATEGIES)[number];
export const TASK_WEIGHTINGS = ['equal', 'uncertainty', 'dwa', 'gradnorm'] as const;
export type TaskWeighting = (typeof TASK_WEIGHTINGS)[number];
export const FEATURE_SELECTIONS = ['none', 'variance', 'mutual_info'] as const;
export type FeatureSelection = (typeof FEATURE_SELECTIONS)[number];
export const QUANTIZATIONS = ['none', 'int8'] as const;
export type Quantization = (typeof QUANTIZATIONS)[number];

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
  // Strategy keys (src/strategies; README "Strategies"). Optional: a resolved recipe holds them only
  // when the study file or a trial sets them (so specs stored before they existed stay equal), and
  // workers read them through withRecipeDefaults.
  /** finetune (and the transfer inside selftrain/distill): learning-rate multiplier of transferred hidden layers. */
  readonly transfer_lr_mult?: number;
  /** multitask: how the task losses are weighted. */
  readonly task_weighting?: TaskWeighting;
  /** multitask with dwa: the softmax temperature of Dynamic Weight Average. */
  readonly dwa_temperature?: number;
  /** multitask with gradnorm: the restoring-force asymmetry alpha of GradNorm. */
  readonly gradnorm_alpha?: number;
  /** selftrain: share of the target's non-labelled rows held out as the unlabelled pool (the rest validates). */
  readonly unlabelled_fraction?: number;
  /** selftrain: smallest predicted probability for a pseudo-label. */
  readonly confidence_threshold?: number;
  /** selftrain: pseudo-labelling rounds after the initial training. */
  readonly selftrain_rounds?: number;
  /** selftrain: weight of the consistency loss on unlabelled rows (0: off). */
  readonly consistency_weight?: number;
  /** selftrain: std of the input noise the predictions must agree under. */
  readonly consistency_noise?: number;
  /** distill: softmax temperature of the soft targets. */
  readonly distill_temperature?: number;
  /** distill: weight of the soft-target loss (the hard-label loss gets 1 - alpha). */
  readonly distill_alpha?: number;
  /** distill: student hidden widths as a fraction of the model's. */
  readonly student_fraction?: number;
  /** Any strategy: std of Gaussian noise added to training inputs (0: off). */
  readonly augment_noise?: number;
  /** Any strategy: mixup Beta(alpha, alpha) (0: off). */
  readonly mixup_alpha?: number;
  /** Any strategy: FGSM attack size; > 0 reports fgsm_accuracy and trains on FGSM examples (fgsm_ratio). */
  readonly fgsm_epsilon?: number;
  /** Any strategy: share of the loss on FGSM examples (0: evaluate under attack only). */
  readonly fgsm_ratio?: number;
  /** Any strategy: feature selection before training, on the target's labelled rows. */
  readonly feature_selection?: FeatureSelection;
  /** Any strategy: features kept by feature_selection. */
  readonly feature_k?: number;
  /** Any strategy: magnitude pruning of every kernel after training (0: off). */
  readonly prune_sparsity?: number;
  /** Any strategy: epochs of retraining on the labelled target rows after pruning, pruned weights held at zero. */
  readonly prune_epochs?: number;
  /** Any strategy: post-training quantisation of the kernels. */
  readonly quantize?: Quantization;
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
  'transfer_lr_mult',
  'task_weighting',
  'dwa_temperature',
  'gradnorm_alpha',
  'unlabelled_fraction',
  'confidence_threshold',
  'selftrain_rounds',
  'consistency_weight',
  'consistency_noise',
  'distill_temperature',
  'distill_alpha',
  'student_fraction',
  'augment_noise',
  'mixup_alpha',
  'fgsm_epsilon',
  'fgsm_ratio',
  'feature_selection',
  'feature_k',
  'prune_sparsity',
  'prune_epochs',
  'quantize',
] as const satisfies readonly (keyof Recipe)[];

/** The values of the optional recipe keys when a recipe leaves them out. */
export const RECIPE_DEFAULTS = {
  transfer_lr_mult: 1,
  task_weighting: 'equal',
  dwa_temperature: 2,
  gradnorm_alpha: 1.5,
  unlabelled_fraction: 0.5,
  confidence_threshold: 0.9,
  selftrain_rounds: 2,
  consistency_weight: 0,
  consistency_noise: 0.1,
  distill_temperature: 4,
  distill_alpha: 0.7,
  student_fraction: 0.5,
  augment_noise: 0,
  mixup_alpha: 0,
  fgsm_epsilon: 0,
  fgsm_ratio: 0.5,
  feature_selection: 'none',
  feature_k: 32,
  prune_sparsity: 0,
  prune_epochs: 5,
  quantize: 'none',
} as const satisfies { readonly [K in keyof Recipe as undefined extends Recipe[K] ? K : never]-?: Recipe[K] };

/** The recipe keys that may be left out (the strategy keys). */
export const OPTIONAL_RECIPE_KEYS = Object.keys(RECIPE_DEFAULTS) as readonly (keyof typeof RECIPE_DEFAULTS)[];

/** A recipe with every key present. */
export type FullRecipe = Required<Recipe>;

/** The recipe with the defaults of the keys it leaves out. */
export function withRecipeDefaults(recipe: Recipe): FullRecipe {
  return { ...RECIPE_DEFAULTS, ...definedKeys(recipe) } as FullRecipe;
}

function definedKeys(recipe: Recipe): Partial<Recipe> {
  return Object.fromEntries(Object.entries(recipe).filter(([, v]) => v !== undefined)) as Partial<Recipe>;
}

export const AGGREGATES = AGGREGATE_KINDS;
export type Aggregate = AggregateKind;
/** What is aggregated per unit: the metric itself, or its gain over the paired target-only baseline. */
export const OBJECTIVE_ON = ['metric', 'gain'] as const;
export type ObjectiveOn = (typeof OBJECTIVE_ON)[number];

export interface Objective {
  readonly metric: ObjectiveMetric;
  readonly direction: 'maximize' | 'minimize';
  /** How a trial's units (target x seed) combine into its value; `worst`, `cvar`, `mean_minus_std` follow the direction. */
  readonly aggregate: Aggregate;
  /** Absent means `metric` (left out so specs stored before it existed stay equal). */
  readonly on?: ObjectiveOn;
  /** cvar only: the fraction of the worst units averaged, in (0, 1]. */
  readonly alpha?: number;
  /** mean_minus_std only: weight of the standard deviation, >= 0. */
  readonly lambda?: number;
}

/** The random sampler, or the bayes (TPE) sampler with its settings (see src/config/sampler.ts). */
export type SamplerSpec = { readonly kind: 'random' } | BayesSamplerSpec;

export interface BayesSamplerSpec {
  readonly kind: 'bayes';
  /** Finished trials with a value before the model is used (random until then). */
  readonly startup_trials: number;
  /** Candidates drawn from the good-trial density per proposal. */
  readonly candidates: number;
  /** One joint model over the parameters active together (true), or one per parameter. */
  readonly multivariate: boolean;
  /** Fraction of the finished trials (at most 25) in the good group. */
  readonly gamma: number;
  /**
   * Start with a resolution-IV fractional factorial design over the source subset (balanced, for the
   * per-source effects) before the model is used; see src/search/samplers/source-design.ts.
   */
  readonly source_design: boolean;
  /** Running trials count as bad ones, so parallel workers spread out. */
  readonly constant_liar: boolean;
}

/** Screens whose scores can bias the sampler's source inclusion (`screen_prior` in a study file). */
export const SCREEN_KINDS = ['leep', 'logme', 'hscore'] as const;
export type ScreenKind = (typeof SCREEN_KINDS)[number];

export const SCHEDULER_KINDS = ['none', 'asha', 'hyperband'] as const;
export type SchedulerKind = (typeof SCHEDULER_KINDS)[number];

/**
 * An early-stopping scheduler on fine-tuning epochs. Rungs are at min_epochs * eta^k, below the
 * trial's `epochs`; at each rung a trial outside the top 1/eta of the values recorded there is stopped
 * (PRUNED), once at least `min_reports` trials reported at that rung. Hyperband runs several such
 * ladders (brackets) with growing min_epochs and assigns each trial to one by its number.
 */
export interface SchedulerSpec {
  readonly kind: 'asha' | 'hyperband';
  readonly min_epochs: number;
  readonly eta: number;
  readonly min_reports: number;
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
  /** Seconds after which a running unit fails its trial (absent: no limit). */
  readonly unitTimeoutS?: number;
  /** Re-runs of a failed trial as new trials with the same params, counted in `trials` (absent: 0). */
  readonly retries?: number;
  /** JS heap limit of each worker thread, MB (absent: Node's default). */
  readonly workerMemoryMb?: number;
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
  readonly sampler: SamplerSpec;
  /**
   * Trial params run first, once, in this order, when the study is created (`enqueue:`); absent
   * when there are none (left out so older specs stay equal).
   */
  readonly enqueue?: readonly Params[];
  readonly objective: Objective;
  /**
   * Transferability screen whose per-source scores bias how often the sampler includes each source
   * (absent: no prior). See src/search/source-prior.ts.
   */
  readonly screen_prior?: ScreenKind;
  /** Absent: no scheduler, every trial trains all its epochs (left out so older specs stay equal). */
  readonly scheduler?: SchedulerSpec;
  readonly budget: Budget;
  /** Storage location from the study file (SQLite path, absolute), or null for the default. */
  readonly storage: string | null;
}

/** Parts of a study that may change between runs without changing what the study means. */
export const OPERATIONAL_KEYS = [
  'file',
  'storage',
  // The sampler proposes; it does not change what a finished trial means, so a resumed study may switch it.
  'sampler',
  'budget.trials',
  'budget.workers',
  'budget.unitTimeoutS',
  'budget.retries',
  'budget.workerMemoryMb',
] as const;
