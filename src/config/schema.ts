// The JSON Schema (draft-07) of a study file: validated by Ajv at load time and exported for editor
// completion (`tasksieve schema`). Main thread; plain data. Must not import tfjs, the worker or the store.
// Cross-field rules (ranges against budget.epochs, `when` order, source names, …) live in semantic.ts.
import { OBJECTIVE_METRICS } from '../spec/metrics.js';
import { ENQUEUE_SCHEMA } from './enqueue.js';
import { SAMPLER_SCHEMA } from './sampler.js';
import { CONSTRAINTS_SCHEMA, OBJECTIVE_SCHEMA } from './objectives.js';
import { ACTIVATIONS, AGGREGATES, ARTIFACT_POLICIES, MODEL_KINDS, OBJECTIVE_ON, SCHEDULER_KINDS, SCREEN_KINDS } from '../spec/study.js';
import { RECIPE_KEYS, RECIPE_KEY_TABLE, type RecipeKey } from '../spec/recipe.js';
import { ARCHITECTURE_KEYS, ARCHITECTURE_KEY_TABLE, MAX_LAYERS, layerOfKey } from '../spec/architecture.js';

/** Names of studies, datasets and tasks. */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
export const NAME_RULE = 'a letter or digit, then letters, digits, "_", "." or "-" (at most 64 characters)';

const SEED = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

const name = (description: string) => ({ type: 'string', pattern: NAME_PATTERN, description });

/**
 * Value schemas of the recipe keys, from the recipe-key table: shared by `recipe:` and by the
 * bounds/choices of `space:` parameters.
 */
const RECIPE_VALUES = Object.fromEntries(
  RECIPE_KEYS.map((key) => [key, { ...RECIPE_KEY_TABLE[key].schema, description: RECIPE_KEY_TABLE[key].description }]),
) as { readonly [K in RecipeKey]: (typeof RECIPE_KEY_TABLE)[K]['schema'] & { readonly description: string } };

const SCALAR = { type: ['string', 'number', 'boolean'] };

/** A JSON Schema of a parameter's values, with the description the space's messages quote. */
type ValueSchema = { readonly type: string; readonly description: string };

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

/** An int range over `value` (a recipe key's or an architecture key's value schema). */
function intParam(key: string, value: ValueSchema = RECIPE_VALUES[key as RecipeKey]) {
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

function categoricalParam(key: string, value: ValueSchema = RECIPE_VALUES[key as RecipeKey]) {
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
        description: `The values to choose from. ${value.description}`,
        items: value,
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

/**
 * A `space:` parameter per recipe key: choice keys are categorical; number keys a float or int range
 * (by their schema type), or categorical.
 */
function spaceParam(key: RecipeKey) {
  const row = RECIPE_KEY_TABLE[key];
  if (row.schema.type === 'string') return param(row.search, [categoricalParam(key)]);
  return param(row.search, [row.schema.type === 'integer' ? intParam(key) : floatParam(key), categoricalParam(key)]);
}

/** A `space:` parameter over an architecture key: an int range or a list of integers. */
function architectureParam(key: string, description = ARCHITECTURE_KEY_TABLE[key]!.description) {
  const row = ARCHITECTURE_KEY_TABLE[key]!;
  const value = { type: 'integer', minimum: row.minimum, maximum: row.maximum, description: `${description}${row.cnnOnly ? ' (model.kind cnn)' : ''}` };
  const name = layerOfKey(key) === null ? key : key.replace(/_\d+$/, '_N');
  return param(`Search over the architecture: ${description[0]!.toLowerCase()}${description.slice(1)}`, [intParam(name, value), categoricalParam(name, value)]);
}

const SPACE_PROPERTIES = {
  ...Object.fromEntries(RECIPE_KEYS.map((key) => [key, spaceParam(key)])),
  ...Object.fromEntries(ARCHITECTURE_KEYS.filter((key) => layerOfKey(key) === null).map((key) => [key, architectureParam(key)])),
  sources: param('Search over the subset of source tasks (the only subset parameter).', [SUBSET_PARAM]),
};

const SPACE_PATTERN_PROPERTIES = {
  [`^hidden_units_[1-${MAX_LAYERS}]$`]: architectureParam('hidden_units_1', 'Width of dense hidden layer N (from the input).'),
  [`^conv_filters_[1-${MAX_LAYERS}]$`]: architectureParam('conv_filters_1', 'Filters of conv block N (from the input).'),
};

const PRIORS = { type: 'array', minItems: 2, items: { type: 'number', minimum: 0 }, description: 'Class priors, one per class (>= 0).' };

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
    shift: {
      description:
        'Covariate shift of a known size (the domain-shift family): every feature x_f becomes x_f exp(amount v_f / 2) + amount u_f, u and v standard normal per feature from the seed; labels unchanged. An amount, or { amount, seed }.',
      anyOf: [
        { type: 'number', minimum: 0, description: 'Size of the shift, in feature standard deviations (>= 0).' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['amount'],
          properties: { amount: { type: 'number', minimum: 0, description: 'Size of the shift (>= 0).' }, seed: SEED },
        },
      ],
    },
    priors: {
      description:
        'Label shift: keep the largest seeded subsample whose class shares are these priors (one per class, normalised): a list, or { priors, seed }.',
      anyOf: [
        PRIORS,
        { type: 'object', additionalProperties: false, required: ['priors'], properties: { priors: PRIORS, seed: SEED } },
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
    drop: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', minLength: 1 },
      description: 'CSV columns read but not used as features (they may hold text, e.g. a site name or an id).',
    },
    where: {
      type: 'object',
      minProperties: 1,
      description:
        'Keep only the rows of the CSV that pass every condition, one per column name: a value or a list of values (equal as numbers when both are numbers, else as text), { min, max } (min <= value < max; quoted bounds compare as text, e.g. dates), or { quantile: [low, high] } (between the quantiles of the column over the whole file; high 1 keeps the largest).',
      additionalProperties: {
        oneOf: [
          { type: ['string', 'number'] },
          { type: 'array', minItems: 1, items: { type: ['string', 'number'] } },
          {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            properties: {
              min: { type: ['number', 'string'], description: 'Smallest value kept. Quoted, it meets cells that are not numbers as text (by code unit): dates written year first, "2015" or "2015-03-01", sort in time order.' },
              max: { type: ['number', 'string'], description: 'Values kept are below it. Quoted, it meets cells that are not numbers as text.' },
            },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['quantile'],
            properties: {
              quantile: {
                type: 'array',
                minItems: 2,
                maxItems: 2,
                items: { type: 'number', minimum: 0, maximum: 1 },
                description: '[low, high]: the rows from the low quantile of the column up to (not including) the high one.',
              },
            },
          },
        ],
      },
    },
    categorical: {
      description:
        'Columns of categories (text such as a job or a region, or numeric codes) encoded one-hot: one 0/1 feature per value, named COLUMN=VALUE. A list of column names takes the values present in the whole file; a map from column name to its values fixes them (every dataset reading the column must encode it alike; a value not listed is an error).',
      oneOf: [
        { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
        {
          type: 'object',
          minProperties: 1,
          additionalProperties: { type: 'array', minItems: 1, uniqueItems: true, items: { type: ['string', 'number'] } },
        },
      ],
    },
    delimiter: {
      enum: [',', ';', '\t', '|'],
      description: 'The field delimiter (default ","): ";" as European spreadsheets write it, "\\t" for TSV, "|". Numbers keep a decimal point.',
    },
    decimal: {
      enum: ['.', ','],
      description: 'How numbers write their decimals (default "."): "," for 1,5 (with a delimiter other than the comma).',
    },
    missing: {
      enum: ['error', 'drop', 'impute'],
      description:
        "A missing label or feature cell (empty, ?, NA, N/A, NaN, null, None, #N/A, any case): error (the default) refuses the file, drop leaves the row out, impute fills a missing feature inside each unit with its training rows' mean (needs scaling: standard; a missing label drops the row).",
    },
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
  dependencies: { label: ['csv'], drop: ['csv'], where: ['csv'], missing: ['csv'], delimiter: ['csv'], decimal: ['csv'], categorical: ['csv'] },
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
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          ...TASK_PROPERTIES,
          model: {
            type: 'string',
            minLength: 1,
            description:
              'A pretrained model instead of a dataset: a TF.js Layers MLP folder (what `tasksieve model -o` writes) or its model.json, relative to the study file. Its layers must fit the study\'s model; choosing it initialises the trunk from its weights (several chosen: averaged). Exactly one of `dataset` and `model`.',
          },
        },
      },
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
          test: {
            type: 'number',
            exclusiveMinimum: 0,
            description:
              'Rows held out for an honest test metric before the labelled/validation split, the same for every unit of the study and never trained, selected or stopped on: a share in (0, 1) of the rows, or a row count >= 1 (default: no test rows).',
          },
          test_seed: { ...SEED, description: 'Seed of the test draw (default: derived from the study seed and the target name).' },
        },
      },
    },
    model: {
      type: 'object',
      description: 'The network: an MLP (default), or a CNN for rows that are images.',
      additionalProperties: false,
      properties: {
        kind: { type: 'string', enum: [...MODEL_KINDS], description: 'mlp: dense layers (default); cnn: conv blocks, then dense layers.' },
        input_shape: {
          type: 'array',
          minItems: 3,
          maxItems: 3,
          items: { type: 'integer', minimum: 1, maximum: 4096 },
          description: "kind cnn: the image [H, W, C] a row's features are, in row-major (height, width, channel) order; H x W x C must be the feature count.",
        },
        conv: {
          type: 'array',
          minItems: 1,
          maxItems: 8,
          description: 'kind cnn: the conv blocks from the input, each a convolution with zero "same" padding, the activation, then optional max pooling.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['filters', 'kernel'],
            properties: {
              filters: { type: 'integer', minimum: 1, maximum: 1024, description: 'Output channels.' },
              kernel: { type: 'integer', minimum: 1, maximum: 15, description: 'Kernel height and width.' },
              stride: { type: 'integer', minimum: 1, maximum: 8, description: 'Stride of the convolution (default 1).' },
              pool: { type: 'integer', minimum: 1, maximum: 8, description: 'Max pooling over pool x pool windows with stride pool after the activation (default 1: none).' },
            },
          },
        },
        hidden: {
          type: 'array',
          minItems: 1,
          maxItems: 8,
          items: { type: 'integer', minimum: 1, maximum: 4096 },
          description: 'Dense hidden layer widths (default [64]); for kind cnn, after the conv blocks.',
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
        'Search space, in order: a parameter per recipe key, architecture parameters (hidden_layers, hidden_units, hidden_units_N, conv_blocks, conv_filters, conv_filters_N), plus `sources` (a subset). Without `sources`, trials use no source.',
      additionalProperties: false,
      properties: SPACE_PROPERTIES,
      // The per-layer architecture keys (hidden_units_1 .. _8, conv_filters_1 .. _8): one schema each family.
      patternProperties: SPACE_PATTERN_PROPERTIES,
    },
    sampler: SAMPLER_SCHEMA,
    enqueue: ENQUEUE_SCHEMA,
    warm_start: {
      type: 'array',
      description:
        "Earlier studies whose COMPLETE trials the bayes sampler uses as prior observations: parameters matched by name and distribution, sources by name; weighted below this study's own trials, fading as they arrive, and dropped when this study's trials disagree with their ranking. They are not copied into this study.",
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['study'],
        properties: {
          study: { type: 'string', minLength: 1, description: 'Name of the earlier study.' },
          db: {
            type: 'string',
            minLength: 1,
            description: "Its database: a SQLite path (relative to this file) or a postgres:// URL (default: this study's database).",
          },
        },
      },
    },
    objective: OBJECTIVE_SCHEMA,
    constraints: CONSTRAINTS_SCHEMA,
    screen_prior: {
      type: 'string',
      enum: [...SCREEN_KINDS],
      description:
        'Bias how often the sampler includes each source by its transferability screen score (leep, logme, hscore or nce), computed once before the first trial (default: no prior).',
    },
    scheduler: {
      description:
        'Early stopping (default none): on fine-tuning epochs (asha, hyperband) or by racing over units (race), with default settings, or a mapping { kind, min_epochs, eta, min_reports } (asha, hyperband) or { kind: race, first_seeds, eta, min_reports, wilcoxon }.',
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
                'asha: asynchronous successive halving; hyperband: several ASHA brackets with growing min_epochs, a trial assigned to one by its number; race: a first slice of seeds on every target, the rest only for trials in the top 1/eta there; none: no early stopping.',
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
              description: 'Reduction factor: at each rung only the top 1/eta of the values recorded there go on (default 3; race 2).',
            },
            min_reports: {
              type: 'integer',
              minimum: 1,
              maximum: 100000,
              description: 'Trials that must have reported at a rung before it stops any (default eta).',
            },
            first_seeds: {
              type: 'integer',
              minimum: 1,
              maximum: 100,
              description:
                'race: seeds per target of the first slice; later slices grow to first_seeds x eta^k seeds, below budget.seeds (default 1).',
            },
            wilcoxon: {
              description:
                'race: also stop a trial once a one-sided Wilcoxon signed-rank test over the units it shares with the best trial (paired by target and seed) gives a p-value below this (default 0.1), or off.',
              anyOf: [
                { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
                { type: 'string', enum: ['off'] },
              ],
            },
          },
        },
      ],
    },
    artifacts: {
      type: 'string',
      enum: [...ARTIFACT_POLICIES],
      description:
        "Which trained models the database keeps, for `tasksieve model` (default best): none; best, the models of the current best trial (a better trial's replace them); all, every unit's model. May change between runs.",
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
