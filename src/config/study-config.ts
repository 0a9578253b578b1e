// The raw study file as written, after JSON Schema validation and before resolution (defaults, absolute
// paths, derived seeds). Main thread only; types only. Must not import tfjs, the worker or the store.
import type { Activation, Aggregate, ArtifactPolicy, ModelKind, ObjectiveOn, SchedulerKind, ScreenKind } from '../spec/study.js';
import type { OptimizerName, Recipe, StrategyName } from '../spec/recipe.js';
import type { ObjectiveMetric, TermMetric } from '../spec/metrics.js';
import type { CsvDelimiter } from '../spec/tasks.js';

export type Scalar = string | number | boolean;

export interface RawObjective {
  metric?: ObjectiveMetric;
  direction?: 'maximize' | 'minimize';
  aggregate?: Aggregate;
  on?: ObjectiveOn;
  alpha?: number;
  lambda?: number;
}

/** One entry of a multi-objective `objective:` list. */
export interface RawObjectiveTerm extends Omit<RawObjective, 'metric'> {
  metric: TermMetric;
}

export interface RawConstraint {
  metric: TermMetric;
  max?: number;
  min?: number;
}

export interface StudyConfig {
  name: string;
  seed?: number;
  storage?: string;
  datasets: Record<string, RawDataset>;
  sources?: RawSource[];
  targets: RawTarget[];
  model?: RawModel;
  recipe?: Partial<{
    strategy: StrategyName;
    optimizer: OptimizerName;
    learning_rate: number;
    batch_size: number;
    pretrain_epochs: number;
    epochs: number;
    freeze_layers: number;
    dropout: number;
  }> &
    Omit<Recipe, 'strategy' | 'optimizer' | 'learning_rate' | 'batch_size' | 'pretrain_epochs' | 'epochs' | 'freeze_layers' | 'dropout'>;
  space?: Record<string, RawParam>;
  sampler?: SamplerKind | RawSampler;
  enqueue?: RawEnqueued[];
  warm_start?: { study: string; db?: string }[];
  /** One objective (a mapping), or several (a list: a multi-objective study). */
  objective?: RawObjective | RawObjectiveTerm[];
  constraints?: RawConstraint[];
  screen_prior?: ScreenKind;
  scheduler?: SchedulerKind | RawScheduler;
  budget: {
    trials: number;
    workers?: number;
    epochs?: number;
    seeds?: number;
    unit_timeout_s?: number;
    retries?: number;
    worker_memory_mb?: number;
  };
  artifacts?: ArtifactPolicy;
}

export interface RawModel {
  kind?: ModelKind;
  input_shape?: [number, number, number];
  conv?: RawConvBlock[];
  hidden?: number[];
  activation?: Activation;
  dropout?: number;
}

export interface RawConvBlock {
  filters: number;
  kernel: number;
  stride?: number;
  pool?: number;
}

export interface RawScheduler {
  kind: SchedulerKind;
  min_epochs?: number;
  eta?: number;
  min_reports?: number;
  /** kind race only. */
  first_seeds?: number;
  /** kind race only: the paired test's p-value threshold, or off. */
  wilcoxon?: number | 'off';
}

export type RawDataset =
  | { csv: string; label?: string; drop?: string[]; where?: Record<string, RawRowCondition>; missing?: 'error' | 'drop' | 'impute'; delimiter?: ',' | CsvDelimiter; decimal?: '.' | ','; categorical?: RawCategorical; synthetic?: undefined }
  | {
      synthetic: { features: number; latent: number; classes: number; rows: number; noise?: number; seed?: number };
      csv?: undefined;
    };

/** `categorical`: column names (their values from the whole file), or each column's values listed. */
export type RawCategorical = string[] | Record<string, (string | number)[]>;

/** A `where` condition on one column: a value, a list of values, a range or a quantile range. */
export type RawRowCondition = string | number | (string | number)[] | { min?: number | string; max?: number | string } | { quantile: [number, number] };

export type RawTransform =
  | { rotate: number }
  | { noise: number | { std: number; seed?: number } }
  | { permute_labels: number | true }
  | { random_labels: number | true | { share?: number; seed?: number } }
  | { classes: number[] }
  | { sample: number | { rows: number; seed?: number } }
  | { shift: number | { amount: number; seed?: number } }
  | { priors: number[] | { priors: number[]; seed?: number } };

export interface RawTask {
  name: string;
  dataset: string;
  transforms?: RawTransform[];
  rho?: number;
}

/** A pretrained model as a source: `model` is a model folder (or its model.json), relative to the study file. */
export interface RawModelSource {
  name: string;
  model: string;
}
/** A source entry: a dataset task or a model (the schema allows both keys; semantic.ts requires exactly one). */
export type RawSource = RawTask | RawModelSource;

export interface RawTarget extends RawTask {
  labelled: number;
  /** A share in (0, 1) or a row count. */
  test?: number;
  test_seed?: number;
}

export type RawWhen = Record<string, Scalar | Scalar[]>;

export type RawParam =
  | { type: 'float'; low: number; high: number; log?: boolean; when?: RawWhen }
  | { type: 'int'; low: number; high: number; log?: boolean; step?: number; when?: RawWhen }
  | { type: 'categorical'; choices: Scalar[]; when?: RawWhen }
  | { type: 'subset'; min?: number; max?: number; of?: string[]; when?: RawWhen };

/** A problem found in the study file: where (a path into the document) and what. */
export interface ConfigIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** Point at the mapping key rather than its value (unknown keys, bad names). */
  readonly at?: 'key' | 'value';
}

export type SamplerKind = 'auto' | 'random' | 'bayes' | 'gp';

/** `sampler:` as a mapping; each setting other than kind belongs to bayes, gp or both (see sampler.ts). */
export interface RawSampler {
  kind: SamplerKind;
  startup_trials?: number;
  tpe_after?: number;
  candidates?: number;
  multivariate?: boolean;
  gamma?: number;
  constant_liar?: boolean;
  source_design?: boolean;
}

/** One `enqueue:` entry: space parameters by name (`sources`: a list of names or "all"). */
export type RawEnqueued = Record<string, Scalar | string[]>;
