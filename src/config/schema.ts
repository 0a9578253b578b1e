// The JSON Schema (draft-07) of a study file: validated by Ajv at load time and exported for editor
// completion (`tasksieve schema`). Main thread; plain data. Must not import tfjs, the worker or the store.
// Cross-field rules (ranges against budget.epochs, `when` order, source names, …) live in semantic.ts.
import { OBJECTIVE_METRICS } from '../metrics/types.js';
import { ENQUEUE_SCHEMA } from './enqueue.js';
import { SAMPLER_SCHEMA } from './sampler.js';
import {
  ACTIVATIONS,
  AGGREGATES,
  FEATURE_SELECTIONS,
  OBJECTIVE_ON,
  OPTIMIZERS,
  QUANTIZATIONS,
  RECIPE_KEYS,
  SCHEDULER_KINDS,
  SCREEN_KINDS,
  STRATEGIES,
  TASK_WEIGHTINGS,
} from './types.js';

/** Names of studies, datasets and tasks. */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
export const NAME_RULE = 'a letter or digit, then letters, digits, "_", "." or "-" (at most 64 characters)';

const SEED = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

const name = (description: string) => ({ type: 'string', pattern: NAME_PATTERN, description });

/** Value schemas of the recipe keys: shared by `recipe:` and by the bounds/choices of `space:` parameters. */
const RECIPE_VALUES = {
  strategy: {
    type: 'string',
    enum: [...STRATEGIES],
    description:
      'How a unit trains: finetune = pre-train on the chosen sources, then fine-tune on the target; multitask = one shared trunk, a head per task, trained jointly; selftrain = finetune, then pseudo-label the unlabelled target rows; distill = a finetune teacher distilled into a smaller student.',
  },
  optimizer: { type: 'string', enum: [...OPTIMIZERS], description: 'Optimizer of both training phases.' },
  learning_rate: { type: 'number', exclusiveMinimum: 0, maximum: 10, description: 'Learning rate, in (0, 10].' },
  batch_size: { type: 'integer', minimum: 1, maximum: 4096, description: 'Mini-batch size, 1..4096.' },
  pretrain_epochs: { type: 'integer', minimum: 0, maximum: 1000, description: 'Epochs of pre-training on the chosen sources, 0..budget.epochs (default budget.epochs).' },
  epochs: { type: 'integer', minimum: 1, maximum: 1000, description: "Epochs of fine-tuning on the target's labelled rows, 1..budget.epochs (default budget.epochs)." },
  freeze_layers: { type: 'integer', minimum: 0, maximum: 8, description: 'Hidden layers (from the input) kept frozen while fine-tuning, 0..number of hidden layers.' },
  dropout: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'Dropout rate after each hidden layer, in [0, 1) (default model.dropout).' },
  transfer_lr_mult: { type: 'number', exclusiveMinimum: 0, maximum: 100, description: 'finetune, selftrain, distill: learning-rate multiplier of the pre-trained hidden layers while fine-tuning (discriminative learning rates), in (0, 100] (default 1).' },
  task_weighting: { type: 'string', enum: [...TASK_WEIGHTINGS], description: 'multitask: task-loss weights: equal, uncertainty (Kendall et al. 2018), dwa (Liu et al. 2019) or gradnorm (Chen et al. 2018) (default equal).' },
  dwa_temperature: { type: 'number', exclusiveMinimum: 0, maximum: 100, description: 'multitask with dwa: softmax temperature of the loss ratios, in (0, 100] (default 2).' },
  gradnorm_alpha: { type: 'number', minimum: 0, maximum: 10, description: 'multitask with gradnorm: asymmetry alpha, in [0, 10] (default 1.5).' },
  unlabelled_fraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: "selftrain: share of the target's non-labelled rows held out as unlabelled training rows (the rest validates), in (0, 1) (default 0.5)." },
  confidence_threshold: { type: 'number', minimum: 0, maximum: 1, description: 'selftrain: smallest predicted probability that makes a pseudo-label, in [0, 1] (default 0.9).' },
  selftrain_rounds: { type: 'integer', minimum: 0, maximum: 20, description: 'selftrain: pseudo-labelling rounds of `epochs` epochs each, 0..20 (default 2).' },
  consistency_weight: { type: 'number', minimum: 0, maximum: 100, description: 'selftrain: weight of the consistency loss (agreement under input noise) on unlabelled rows, in [0, 100] (default 0: off).' },
  consistency_noise: { type: 'number', minimum: 0, maximum: 1000, description: 'selftrain: std of the input noise for the consistency loss, in feature units (default 0.1).' },
  distill_temperature: { type: 'number', exclusiveMinimum: 0, maximum: 100, description: 'distill: softmax temperature of the soft targets, in (0, 100] (default 4).' },
  distill_alpha: { type: 'number', minimum: 0, maximum: 1, description: "distill: weight of the soft-target loss; the hard labels' loss gets 1 - alpha, in [0, 1] (default 0.7)." },
  student_fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: "distill: the student's hidden widths as a fraction of model.hidden (rounded, at least 1), in (0, 1] (default 0.5)." },
  augment_noise: { type: 'number', minimum: 0, maximum: 1000, description: 'Any strategy: std of Gaussian noise added to every training input, in feature units (default 0: off).' },
  mixup_alpha: { type: 'number', minimum: 0, maximum: 100, description: 'Any strategy: mixup with lambda ~ Beta(alpha, alpha) per batch (default 0: off).' },
  fgsm_epsilon: { type: 'number', minimum: 0, maximum: 1000, description: 'Any strategy: FGSM attack size in feature units; > 0 reports fgsm_accuracy and mixes FGSM examples into training (see fgsm_ratio) (default 0: off).' },
  fgsm_ratio: { type: 'number', minimum: 0, maximum: 1, description: 'Any strategy: share of the loss on FGSM examples when fgsm_epsilon > 0; 0 only evaluates under attack, in [0, 1] (default 0.5).' },
  feature_selection: { type: 'string', enum: [...FEATURE_SELECTIONS], description: "Any strategy: keep the feature_k features with the highest variance or mutual information with the label, measured on the target's labelled rows (default none)." },
  feature_k: { type: 'integer', minimum: 1, maximum: 100000, description: 'Any strategy: features kept by feature_selection (at most all of them) (default 32).' },
  prune_sparsity: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'Any strategy: after training, zero this share of every kernel, smallest magnitudes first, in [0, 1) (default 0: off).' },
  prune_epochs: { type: 'integer', minimum: 0, maximum: 1000, description: "Any strategy with prune_sparsity: epochs of retraining on the target's labelled rows after pruning, pruned weights held at zero, 0..1000 (default 5)." },
  quantize: { type: 'string', enum: [...QUANTIZATIONS], description: 'Any strategy: after training, int8 post-training quantisation of the kernels (per output unit, symmetric) (default none).' },
} as const satisfies Record<(typeof RECIPE_KEYS)[number], object>;

const SCALAR = { type: ['string', 'number', 'boolean'] };

const WHEN = {
  type: 'object',
  description:
    'Condition: the parameter is sampled only when every named parameter (which must be defined above this one) has one of the listed values.',
  additionalProperties: {
    description: 'Allowed values of the named parameter (a list, or a single value).',
    anyOf: [SCALAR, { type: 'array', minItems: 1, items: SCALAR }],
  },
};

const LOG = { type: 'boolean', description: 'Sample on a log scale (needs low > 0). Default false.' };

function floatParam(key: keyof typeof RECIPE_VALUES) {
  const value = RECIPE_VALUES[key];
  return {
    type: 'object',
    description: `A float in [low, high] for ${key}.`,
    additionalProperties: false,
    required: ['type', 'low', 'high'],
    properties: {
      type: { const: 'float', description: 'A real number in [low, high].' },
      low: { ...value, description: `Lower bound. ${value.description}` },
      high: { ...value, description: `Upper bound (> low). ${value.description}` },
      log: LOG,
      when: WHEN,
    },
  };
}

function intParam(key: keyof typeof RECIPE_VALUES) {
  const value = RECIPE_VALUES[key];
  return {
    type: 'object',
    description: `An integer in [low, high] for ${key}.`,
    additionalProperties: false,
    required: ['type', 'low', 'high'],
    properties: {
      type: { const: 'int', description: 'An integer in [low, high], on a grid of `step`.' },
      low: { ...value, description: `Lower bound. ${value.description}` },
      high: { ...value, description: `Upper bound (>= low). ${value.description}` },
      step: { type: 'integer', minimum: 1, description: 'Grid step from low (default 1; cannot be combined with log).' },
      log: LOG,
      when: WHEN,
    },
  };
}

function categoricalParam(key: keyof typeof RECIPE_VALUES) {
  return {
    type: 'object',
    description: `One of a list of values for ${key}.`,
    additionalProperties: false,
    required: ['type', 'choices'],
    properties: {
      type: { const: 'categorical', description: 'One of `choices`.' },
      choices: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        description: `The values to choose from. ${RECIPE_VALUES[key].description}`,
        items: RECIPE_VALUES[key],
      },
      when: WHEN,
    },
  };
}

const SUBSET_PARAM = {
  type: 'object',
  description: 'A subset of the source tasks to transfer from.',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { const: 'subset', description: 'A set of source-task names.' },
    of: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', description: 'A source task name.' },
      description: 'The sources to choose from (default: every source, in file order).',
    },
    min: { type: 'integer', minimum: 0, description: 'Fewest sources in a trial (default 0: the target-only recipe).' },
    max: { type: 'integer', minimum: 0, description: 'Most sources in a trial (default: all of them).' },
    when: WHEN,
  },
};

/** A space parameter of one of the given types, discriminated by its `type` key. */
function param(description: string, branches: object[]) {
  return { type: 'object', description, required: ['type'], discriminator: { propertyName: 'type' }, oneOf: branches };
}

const SPACE_PROPERTIES = {
  strategy: param('Search over strategies.', [categoricalParam('strategy')]),
  optimizer: param('Search over optimizers.', [categoricalParam('optimizer')]),
  learning_rate: param('Search over the learning rate.', [floatParam('learning_rate'), categoricalParam('learning_rate')]),
  batch_size: param('Search over the batch size.', [intParam('batch_size'), categoricalParam('batch_size')]),
  pretrain_epochs: param('Search over pre-training epochs (<= budget.epochs).', [intParam('pretrain_epochs'), categoricalParam('pretrain_epochs')]),
  epochs: param('Search over fine-tuning epochs (<= budget.epochs).', [intParam('epochs'), categoricalParam('epochs')]),
  freeze_layers: param('Search over frozen layers (<= number of hidden layers).', [intParam('freeze_layers'), categoricalParam('freeze_layers')]),
  dropout: param('Search over the dropout rate.', [floatParam('dropout'), categoricalParam('dropout')]),
  transfer_lr_mult: param('Search over the learning-rate multiplier of transferred layers.', [floatParam('transfer_lr_mult'), categoricalParam('transfer_lr_mult')]),
  task_weighting: param('Search over multitask loss weighting.', [categoricalParam('task_weighting')]),
  dwa_temperature: param('Search over the DWA temperature.', [floatParam('dwa_temperature'), categoricalParam('dwa_temperature')]),
  gradnorm_alpha: param('Search over the GradNorm alpha.', [floatParam('gradnorm_alpha'), categoricalParam('gradnorm_alpha')]),
  unlabelled_fraction: param('Search over the unlabelled share of the target.', [floatParam('unlabelled_fraction'), categoricalParam('unlabelled_fraction')]),
  confidence_threshold: param('Search over the pseudo-label confidence threshold.', [floatParam('confidence_threshold'), categoricalParam('confidence_threshold')]),
  selftrain_rounds: param('Search over self-training rounds.', [intParam('selftrain_rounds'), categoricalParam('selftrain_rounds')]),
  consistency_weight: param('Search over the consistency-loss weight.', [floatParam('consistency_weight'), categoricalParam('consistency_weight')]),
  consistency_noise: param('Search over the consistency noise.', [floatParam('consistency_noise'), categoricalParam('consistency_noise')]),
  distill_temperature: param('Search over the distillation temperature.', [floatParam('distill_temperature'), categoricalParam('distill_temperature')]),
  distill_alpha: param('Search over the distillation alpha.', [floatParam('distill_alpha'), categoricalParam('distill_alpha')]),
  student_fraction: param("Search over the student's size.", [floatParam('student_fraction'), categoricalParam('student_fraction')]),
  augment_noise: param('Search over input-noise augmentation.', [floatParam('augment_noise'), categoricalParam('augment_noise')]),
  mixup_alpha: param('Search over mixup.', [floatParam('mixup_alpha'), categoricalParam('mixup_alpha')]),
  fgsm_epsilon: param('Search over the FGSM attack size.', [floatParam('fgsm_epsilon'), categoricalParam('fgsm_epsilon')]),
  fgsm_ratio: param('Search over the share of FGSM examples.', [floatParam('fgsm_ratio'), categoricalParam('fgsm_ratio')]),
  feature_selection: param('Search over feature selection.', [categoricalParam('feature_selection')]),
  feature_k: param('Search over the number of features kept.', [intParam('feature_k'), categoricalParam('feature_k')]),
  prune_sparsity: param('Search over the pruning sparsity.', [floatParam('prune_sparsity'), categoricalParam('prune_sparsity')]),
  prune_epochs: param('Search over retraining epochs after pruning.', [intParam('prune_epochs'), categoricalParam('prune_epochs')]),
  quantize: param('Search over quantisation.', [categoricalParam('quantize')]),
  sources: param('Search over the subset of source tasks (the only subset parameter).', [SUBSET_PARAM]),
} satisfies Record<(typeof RECIPE_KEYS)[number] | 'sources', object>;

const TRANSFORM = {
  type: 'object',
  description: 'One transform (a single-key mapping), applied in list order.',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: {
    rotate: { type: 'number', description: 'Rotate square images by this many degrees.' },
    noise: {
      description: 'Add Gaussian noise: a std, or { std, seed }.',
      anyOf: [
        { type: 'number', minimum: 0, description: 'Std of the noise (>= 0).' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['std'],
          properties: { std: { type: 'number', minimum: 0, description: 'Std of the noise (>= 0).' }, seed: SEED },
        },
      ],
    },
    permute_labels: {
      description: 'Permute the class labels: a seed, or true for a seed derived from the study seed.',
      anyOf: [SEED, { type: 'boolean', const: true }],
    },
    random_labels: {
      description:
        'Replace labels with uniformly random classes (a source that teaches nothing about any target): a seed, true for a seed derived from the study seed, or { share, seed } to relabel only that share of the rows.',
      anyOf: [
        SEED,
        { type: 'boolean', const: true },
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            share: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'Share of the rows relabelled (default 1).' },
            seed: SEED,
          },
        },
      ],
    },
    classes: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'integer', minimum: 0 },
      description: 'Keep only the rows of these class indices.',
    },
    sample: {
      description: 'Keep a random sample of rows: a row count, or { rows, seed }.',
      anyOf: [
        { type: 'integer', minimum: 1, description: 'Rows to keep.' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['rows'],
          properties: { rows: { type: 'integer', minimum: 1, description: 'Rows to keep.' }, seed: SEED },
        },
      ],
    },
  },
};

const TASK_PROPERTIES = {
  name: name('Task name, unique across sources and targets.'),
  dataset: { type: 'string', description: 'Name of a dataset defined under `datasets`.' },
  transforms: { type: 'array', items: TRANSFORM, description: 'Transforms applied in order to the dataset.' },
  rho: {
    type: 'number',
    minimum: -1,
    maximum: 1,
    description: "Relatedness to the family's reference task, in [-1, 1]: required for a synthetic dataset, forbidden for csv.",
  },
};

const DATASET = {
  type: 'object',
  description: 'Exactly one of `csv` or `synthetic`.',
  additionalProperties: false,
  properties: {
    csv: { type: 'string', minLength: 1, description: 'CSV file (optionally gzipped), relative to the study file.' },
    label: { type: 'string', minLength: 1, description: 'Label column of the CSV (default "label").' },
    synthetic: {
      type: 'object',
      description: 'A generated task family: tasks built on a shared latent space.',
      additionalProperties: false,
      required: ['features', 'latent', 'classes', 'rows'],
      properties: {
        features: { type: 'integer', minimum: 1, maximum: 10000, description: 'Observed feature count.' },
        latent: { type: 'integer', minimum: 1, maximum: 1000, description: 'Size of the shared hidden feature space.' },
        classes: { type: 'integer', minimum: 2, maximum: 1000, description: 'Number of classes.' },
        rows: { type: 'integer', minimum: 1, maximum: 1000000, description: 'Rows per task.' },
        noise: { type: 'number', minimum: 0, description: 'Std of the observation noise (default 0.1).' },
        seed: { ...SEED, description: 'Seed of the family (default: the study seed).' },
      },
    },
  },
  dependencies: { label: ['csv'] },
  oneOf: [{ required: ['csv'] }, { required: ['synthetic'] }],
};

export const studyJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'tasksieve study',
  description:
    'A tasksieve study: datasets, source and target tasks, the model, the default training recipe, the search space, the objective and the budget.',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'datasets', 'targets', 'budget'],
  properties: {
    name: name('Study name (the key of the study in the database).'),
    seed: { ...SEED, description: 'Study seed: derives every seed not given explicitly (default 0).' },
    storage: { type: 'string', minLength: 1, description: 'SQLite database path (relative to the study file, optionally sqlite:PATH) or a postgres:// URL (kept as written).' },
    datasets: {
      type: 'object',
      description: 'Datasets by name.',
      minProperties: 1,
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: DATASET,
    },
    sources: {
      type: 'array',
      description: 'Source tasks a trial may transfer from (may be empty).',
      items: { type: 'object', additionalProperties: false, required: ['name', 'dataset'], properties: TASK_PROPERTIES },
    },
    targets: {
      type: 'array',
      description: 'Target tasks every trial is evaluated on.',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'dataset', 'labelled'],
        properties: {
          ...TASK_PROPERTIES,
          labelled: { type: 'integer', minimum: 1, description: 'Labelled training rows; the rest is validation.' },
        },
      },
    },
    model: {
      type: 'object',
      description: 'The network (an MLP).',
      additionalProperties: false,
      properties: {
        hidden: {
          type: 'array',
          minItems: 1,
          maxItems: 8,
          items: { type: 'integer', minimum: 1, maximum: 4096 },
          description: 'Hidden layer widths (default [64]).',
        },
        activation: { type: 'string', enum: [...ACTIVATIONS], description: 'Hidden activation (default relu).' },
        dropout: { ...RECIPE_VALUES.dropout, description: 'Dropout rate, in [0, 1) (default 0).' },
      },
    },
    recipe: {
      type: 'object',
      description: 'Default training recipe of every trial; a space parameter of the same name overrides a key.',
      additionalProperties: false,
      properties: RECIPE_VALUES,
    },
    space: {
      type: 'object',
      description:
        'Search space, in order: a parameter per recipe key, plus `sources` (a subset). Without `sources`, trials use no source.',
      additionalProperties: false,
      properties: SPACE_PROPERTIES,
    },
    sampler: SAMPLER_SCHEMA,
    enqueue: ENQUEUE_SCHEMA,
    objective: {
      type: 'object',
      description: "What a trial's value is.",
      additionalProperties: false,
      properties: {
        metric: { type: 'string', enum: [...OBJECTIVE_METRICS], description: 'Metric on the validation rows (default accuracy).' },
        direction: { type: 'string', enum: ['maximize', 'minimize'], description: 'Default maximize.' },
        aggregate: {
          type: 'string',
          enum: [...AGGREGATES],
          description:
            "How a trial's units (target x seed) combine (default mean): mean, median, worst (the worst unit), cvar (mean of the worst `alpha` fraction), mean_minus_std (mean - lambda x std).",
        },
        on: {
          type: 'string',
          enum: [...OBJECTIVE_ON],
          description:
            'Aggregate the metric itself, or its gain over the target-only baseline with the same recipe, target and seed (default metric).',
        },
        alpha: {
          type: 'number',
          exclusiveMinimum: 0,
          maximum: 1,
          description: 'cvar only: the fraction of the worst units averaged, in (0, 1] (default 0.25).',
        },
        lambda: {
          type: 'number',
          minimum: 0,
          description: 'mean_minus_std only: weight of the standard deviation across units, >= 0 (default 1).',
        },
      },
    },
    screen_prior: {
      type: 'string',
      enum: [...SCREEN_KINDS],
      description:
        'Bias how often the sampler includes each source by its transferability screen score (leep, logme or hscore), computed once before the first trial (default: no prior).',
    },
    scheduler: {
      description:
        'Early stopping on fine-tuning epochs (default none): asha or hyperband with default settings, or a mapping { kind, min_epochs, eta, min_reports }.',
      anyOf: [
        { type: 'string', enum: [...SCHEDULER_KINDS], description: 'none, or asha / hyperband with default settings.' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind'],
          properties: {
            kind: {
              type: 'string',
              enum: [...SCHEDULER_KINDS],
              description:
                'asha: asynchronous successive halving; hyperband: several ASHA brackets with growing min_epochs, a trial assigned to one by its number; none: no early stopping.',
            },
            min_epochs: {
              type: 'integer',
              minimum: 1,
              maximum: 1000,
              description: "First rung, in fine-tuning epochs; rungs are min_epochs x eta^k below a trial's epochs (default 1).",
            },
            eta: {
              type: 'integer',
              minimum: 2,
              maximum: 100,
              description: 'Reduction factor: at each rung only the top 1/eta of the values recorded there go on (default 3).',
            },
            min_reports: {
              type: 'integer',
              minimum: 1,
              maximum: 100000,
              description: 'Trials that must have reported at a rung before it stops any (default eta).',
            },
          },
        },
      ],
    },
    budget: {
      type: 'object',
      description: 'How much work the study does.',
      additionalProperties: false,
      required: ['trials'],
      properties: {
        trials: { type: 'integer', minimum: 1, maximum: 100000, description: 'Total trials of the study.' },
        workers: { type: 'integer', minimum: 1, maximum: 64, description: 'Parallel worker threads (default 2).' },
        epochs: { type: 'integer', minimum: 1, maximum: 1000, description: 'Upper bound on epochs of any trial (default 10).' },
        seeds: { type: 'integer', minimum: 1, maximum: 100, description: 'Seeds per target (default 1).' },
        unit_timeout_s: {
          type: 'number',
          exclusiveMinimum: 0,
          maximum: 604800,
          description: 'A unit (one target x seed of a trial) still running after this many seconds fails its trial; its worker thread is replaced (default: no limit).',
        },
        retries: {
          type: 'integer',
          minimum: 0,
          maximum: 10,
          description: 'Times a failed trial is run again as a new trial with the same params; retries count toward `trials` (default 0).',
        },
        worker_memory_mb: {
          type: 'integer',
          minimum: 32,
          maximum: 1048576,
          description: "JS heap limit of each worker thread, MB: a unit that exceeds it fails its trial and only its thread is replaced (default: Node's limit).",
        },
      },
    },
  },
} as const;
