// Resolved study types: what the rest of the engine trusts after validation at the edge (src/config).
// A ResolvedStudy is deeply frozen and JSON-safe (it is stored with the study). Part of src/spec:
// types, constant lists and defaults only; imports nothing of the project but spec.
import type { SourceSpec, TargetSpec } from './tasks.js';
import { AGGREGATE_KINDS, type AggregateKind, type ObjectiveMetric, type TermMetric } from './metrics.js';
import type { Recipe } from './recipe.js';
import type { Params, SearchSpace } from './space.js';

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const MODEL_KINDS = ['mlp', 'cnn'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Dense hidden layers (from the input), their activation and the dropout after each of them. */
export interface MlpSpec {
  readonly kind: 'mlp';
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly dropout: number;
}

/**
 * One convolution block: `filters` kernels of kernel x kernel, 'same' zero padding, the given stride,
 * the activation, then max pooling over pool x pool windows with stride pool (1: no pooling).
 */
export interface ConvBlockSpec {
  readonly filters: number;
  readonly kernel: number;
  readonly stride: number;
  readonly pool: number;
}

/**
 * A convolutional network for rows that are images: a row's features are an [H, W, C] image in
 * row-major (height, width, channel) order; conv blocks, then dense hidden layers, then the head.
 * `dropout` applies after the dense hidden layers (not the conv blocks).
 */
export interface CnnSpec {
  readonly kind: 'cnn';
  readonly input_shape: readonly [number, number, number];
  readonly conv: readonly ConvBlockSpec[];
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly dropout: number;
}

export type ModelSpec = MlpSpec | CnnSpec;

/** Layers below the head that freeze_layers counts: conv blocks first, then dense hidden layers. */
export function bodyDepth(model: ModelSpec): number {
  return (model.kind === 'cnn' ? model.conv.length : 0) + model.hidden.length;
}

/** One line for reports: `MLP hidden [64], relu` or `CNN 8x8x1, conv 16 3x3 pool 2; hidden [64], relu`. */
export function describeModel(model: ModelSpec): string {
  const dense = `hidden [${model.hidden.join(', ')}], ${model.activation}`;
  if (model.kind === 'mlp') return `MLP ${dense}`;
  const blocks = model.conv.map((b) => `${b.filters} ${b.kernel}x${b.kernel}${b.stride > 1 ? ` stride ${b.stride}` : ''}${b.pool > 1 ? ` pool ${b.pool}` : ''}`);
  return `CNN ${model.input_shape.join('x')}, conv ${blocks.join(', ')}; ${dense}`;
}

/** Height and width after a conv block ('same' padding, then floor division by the pool). */
export function convOutputSize(size: number, block: ConvBlockSpec): number {
  return Math.floor(Math.ceil(size / block.stride) / block.pool);
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

/**
 * One objective of a multi-objective study (`objective:` as a list): a classification metric (its
 * value, or with `on: gain` its gain over the baseline) or a cost figure (COST_METRICS), aggregated
 * over the trial's units like a single objective.
 */
export interface ObjectiveTerm {
  readonly metric: TermMetric;
  readonly direction: 'maximize' | 'minimize';
  readonly aggregate: Aggregate;
  /** Classification metrics only; absent means `metric`. */
  readonly on?: ObjectiveOn;
  readonly alpha?: number;
  readonly lambda?: number;
}

/**
 * A constraint of a multi-objective study (`constraints:`): the mean over the trial's units of
 * `metric` must be at most `max` and/or at least `min`. A trial that breaks one is infeasible: it
 * ranks after every feasible trial (Optuna's feasible-first rule), by how far it is off.
 */
export interface Constraint {
  readonly metric: TermMetric;
  readonly max?: number;
  readonly min?: number;
}

/** The random sampler, or the bayes (TPE) or gp sampler with its settings (see src/config/sampler.ts). */
export type SamplerSpec = { readonly kind: 'random' } | BayesSamplerSpec | GpSamplerSpec;

/** Bayesian optimisation with a Gaussian process (src/search/samplers/gp-sampler.ts). */
export interface GpSamplerSpec {
  readonly kind: 'gp';
  /** Finished trials with a value before the model is used (random until then). */
  readonly startup_trials: number;
  /** From this many finished trials on, the bayes (TPE) sampler proposes: its cost does not grow with the history. */
  readonly tpe_after: number;
  /** Running trials enter the model with the mean observed value (a constant liar), so parallel workers spread out. */
  readonly constant_liar: boolean;
  /**
   * As bayes's: a balanced two-level design over the source subset before the model is used. Written
   * out for new studies; absent (a study stored before gp had it) means false, what it ran with.
   */
  readonly source_design?: boolean;
}

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
export const SCREEN_KINDS = ['leep', 'logme', 'hscore', 'nce'] as const;
export type ScreenKind = (typeof SCREEN_KINDS)[number];

export const SCHEDULER_KINDS = ['none', 'asha', 'hyperband', 'race'] as const;
export type SchedulerKind = (typeof SCHEDULER_KINDS)[number];

/**
 * An early-stopping scheduler on fine-tuning epochs. Rungs are at min_epochs * eta^k, below the
 * trial's `epochs`; at each rung a trial outside the top 1/eta of the values recorded there is stopped
 * (PRUNED), once at least `min_reports` trials reported at that rung. Hyperband runs several such
 * ladders (brackets) with growing min_epochs and assigns each trial to one by its number.
 */
export interface EpochSchedulerSpec {
  readonly kind: 'asha' | 'hyperband';
  readonly min_epochs: number;
  readonly eta: number;
  readonly min_reports: number;
}

/**
 * Racing over units (`kind: race`): a trial first trains `first_seeds` seeds on every target; the
 * rest of its units go out in slices (first_seeds x eta^k seeds per target, below budget.seeds), each
 * only after the trial was in the top 1/eta of the values recorded at the previous slice's rung (once
 * `min_reports` trials reported there). A rung's step is the number of units it covers. With
 * `wilcoxon`, a trial is also stopped as soon as a one-sided Wilcoxon signed-rank test over the units
 * it shares with the best COMPLETE trial (paired by target and seed) gives p below that threshold.
 */
export interface RaceSchedulerSpec {
  readonly kind: 'race';
  readonly first_seeds: number;
  readonly eta: number;
  readonly min_reports: number;
  /** The p-value threshold of the paired test; absent: no paired rule. */
  readonly wilcoxon?: number;
}

export type SchedulerSpec = EpochSchedulerSpec | RaceSchedulerSpec;

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

/** An earlier study whose trials seed this one's sampler (`warm_start`). */
export interface WarmStartSpec {
  readonly study: string;
  /** Where it is stored: a SQLite path (absolute) or a PostgreSQL URL; absent: this study's own database. */
  readonly db?: string;
}

export interface ResolvedStudy {
  readonly name: string;
  readonly seed: number;
  /** Absolute path of the study file it came from, or null when built in code. */
  readonly file: string | null;
  readonly sources: readonly SourceSpec[];
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
  /**
   * Earlier studies whose COMPLETE trials the bayes sampler takes as prior observations, below the
   * study's own (absent when there are none, so older specs stay equal). Never copied into this study.
   */
  readonly warm_start?: readonly WarmStartSpec[];
  /** A multi-objective study: its first objective (what ranks single-valued views: leaderboard, report). */
  readonly objective: Objective;
  /**
   * Every objective of a multi-objective study, in file order (the first is `objective` again); absent
   * for a single objective (left out so single-objective specs stay equal). A trial's vector value is
   * stored in this order.
   */
  readonly objectives?: readonly ObjectiveTerm[];
  /** Multi-objective studies only; absent when there is none. */
  readonly constraints?: readonly Constraint[];
  /**
   * Transferability screen whose per-source scores bias how often the sampler includes each source
   * (absent: no prior). See src/search/source-prior.ts.
   */
  readonly screen_prior?: ScreenKind;
  /** Absent: no scheduler, every trial trains all its epochs (left out so older specs stay equal). */
  readonly scheduler?: SchedulerSpec;
  readonly budget: Budget;
  /** Which trained models the database keeps; absent: best (DEFAULT_ARTIFACTS). Operational. */
  readonly artifacts?: ArtifactPolicy;
  /** Storage location from the study file (SQLite path, absolute), or null for the default. */
  readonly storage: string | null;
}

/**
 * Which trained models a study keeps in its database (`artifacts:`): none; the models of the current
 * best trial (superseded ones are deleted as a better trial finishes); or every unit's model.
 */
export const ARTIFACT_POLICIES = ['none', 'best', 'all'] as const;
export type ArtifactPolicy = (typeof ARTIFACT_POLICIES)[number];
export const DEFAULT_ARTIFACTS: ArtifactPolicy = 'best';

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
  // Which models are kept is storage, not meaning: the trials and their values are the same.
  'artifacts',
] as const;

/** `auto` (the default) is resolved to gp or bayes when the study loads (src/config/sampler.ts). */
export const SAMPLER_KINDS = ['auto', 'random', 'bayes', 'gp'] as const;
/** Defaults of the bayes sampler, measured with `npm run bench -- samplers` and `-- subsets`. */
export const BAYES_DEFAULTS: Omit<BayesSamplerSpec, 'kind'> = Object.freeze({
  startup_trials: 5,
  candidates: 24,
  multivariate: true,
  gamma: 0.25,
  constant_liar: true,
  source_design: true,
});
/**
 * Defaults of the bayes sampler in a multi-objective study (the multi-objective TPE), measured with
 * `npm run bench -- multiobjective`: one estimator per parameter (a joint one collapsed the spread
 * along DTLZ2's front, below random search's hypervolume) and more random trials first.
 */
export const MOTPE_DEFAULTS: Omit<BayesSamplerSpec, 'kind'> = Object.freeze({
  ...BAYES_DEFAULTS,
  startup_trials: 10,
  multivariate: false,
});
/** Defaults of the gp sampler, measured with `npm run bench -- samplers`. */
export const GP_DEFAULTS: Required<Omit<GpSamplerSpec, 'kind'>> = Object.freeze({
  startup_trials: 10,
  tpe_after: 300,
  constant_liar: true,
  source_design: true,
});
