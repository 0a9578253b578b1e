// Decoders of every JSON shape a store keeps: a study's spec, a trial's params, a unit's result, a
// baseline, a screen table. Each is checked once, on read, against what this version writes, and a
// record it cannot read is refused with one line naming the study, the field and the problem, rather
// than trusted by a cast. Values come back as they were stored (checked, not rebuilt: baseline keys
// hash the recipe's key order). Main thread; pure.
import { TasksieveError } from '../errors.js';
import { AGGREGATE_KINDS, COST_METRICS, OBJECTIVE_METRICS } from '../spec/metrics.js';
import { RECIPE_KEYS, RECIPE_KEY_TABLE, type Recipe, type RecipeKey } from '../spec/recipe.js';
import type { ClassificationMetrics, ExtraMetrics, ObjectiveMetric } from '../spec/metrics.js';
import type { Json, StudyRecord } from '../spec/records.js';
import type { ScreenTable, SourceScreen } from '../spec/screens.js';
import type { Distribution, Params, ParamSpec, ParamValue } from '../spec/space.js';
import {
  ACTIVATIONS,
  ARTIFACT_POLICIES,
  OBJECTIVE_ON,
  SCREEN_KINDS,
  type BayesSamplerSpec,
  type GpSamplerSpec,
  type Budget,
  type CnnSpec,
  type ConvBlockSpec,
  type MlpSpec,
  type ModelSpec,
  type Constraint,
  type Objective,
  type ObjectiveTerm,
  type ResolvedStudy,
  type WarmStartSpec,
  type SamplerSpec,
  type EpochSchedulerSpec,
  type RaceSchedulerSpec,
  type SchedulerSpec,
  type ScreenKind,
} from '../spec/study.js';
import { CSV_DELIMITERS } from '../spec/tasks.js';
import type { CategoricalColumn, CategoryEncoding, DatasetSpec, RowCondition, ModelSourceSpec, PretrainedModelSpec, SourceSpec, TargetSpec, TaskSpec, TransformSpec } from '../spec/tasks.js';
import type { EvaluatedModel, Preprocessing, RungReport, StoredUnit, TrainingCost, UnitResult } from '../spec/units.js';
import { SCALING_FITS } from '../spec/recipe.js';
import { ARTIFACT_FORMAT, type ModelArtifact, type ModelMeta, type WeightSpec } from '../spec/artifacts.js';
import { BACKENDS } from '../spec/preprocessing.js';
import {
  CheckError,
  anyOf,
  arrayOf,
  boolean,
  integer,
  nullable,
  number,
  numberOrNull,
  oneOf,
  optional,
  recordOf,
  shape,
  string,
  tagged,
  type Check,
  type FieldChecks,
} from '../util/check.js';

/** A stored record that this version of tasksieve cannot read (corrupt, or written by a newer one). */
export class StoredRecordError extends TasksieveError {
  readonly code = 'E_STORED_RECORD';
  // The database is the user's input: a record we cannot read is theirs to look at, not our crash.
  override readonly exitCode = 2;
  override readonly name = 'StoredRecordError';
}

function decode<T>(check: Check<T>, value: unknown, what: string): T {
  try {
    return check(value, '');
  } catch (error) {
    if (!(error instanceof CheckError)) throw error;
    throw new StoredRecordError(`${what}: ${error.message}; this version of tasksieve cannot read it`);
  }
}

// --- the study spec --------------------------------------------------------------------------------

const scalar = anyOf<string | number | boolean>(string, number, boolean);

type Condition<K extends RowCondition['kind']> = Extract<RowCondition, { kind: K }>;
const rowCondition = tagged<RowCondition>('kind', {
  in: shape<Condition<'in'>>({ kind: oneOf(['in']), column: string, values: arrayOf(anyOf<string | number>(string, number)) }),
  range: shape<Condition<'range'>>({ kind: oneOf(['range']), column: string, min: optional(anyOf<string | number>(string, number)), max: optional(anyOf<string | number>(string, number)) }),
  quantile: shape<Condition<'quantile'>>({ kind: oneOf(['quantile']), column: string, low: number, high: number }),
});
type Csv = Extract<DatasetSpec, { kind: 'csv' }>;
const categoricalColumn = shape<CategoricalColumn>({ column: string, values: optional(arrayOf(string)) });
const categoryEncoding = shape<CategoryEncoding>({ column: string, values: arrayOf(string) });
type Synthetic = Extract<DatasetSpec, { kind: 'synthetic' }>;
const dataset = tagged<DatasetSpec>('kind', {
  csv: shape<Csv>({ kind: oneOf(['csv']), path: string, label: string, drop: optional(arrayOf(string)), where: optional(arrayOf(rowCondition)), missing: optional(oneOf(['drop', 'impute'])), delimiter: optional(oneOf(CSV_DELIMITERS)), decimal: optional(oneOf([','])), categorical: optional(arrayOf(categoricalColumn)) }),
  synthetic: shape<Synthetic>({
    kind: oneOf(['synthetic']),
    features: integer,
    latent: integer,
    classes: integer,
    rows: integer,
    familySeed: integer,
    rho: number,
    taskSeed: integer,
    noise: number,
  }),
});

type Transform<K extends TransformSpec['kind']> = Extract<TransformSpec, { kind: K }>;
const transform = tagged<TransformSpec>('kind', {
  rotate: shape<Transform<'rotate'>>({ kind: oneOf(['rotate']), degrees: number }),
  noise: shape<Transform<'noise'>>({ kind: oneOf(['noise']), std: number, seed: integer }),
  permute_labels: shape<Transform<'permute_labels'>>({ kind: oneOf(['permute_labels']), seed: integer }),
  random_labels: shape<Transform<'random_labels'>>({ kind: oneOf(['random_labels']), share: number, seed: integer }),
  classes: shape<Transform<'classes'>>({ kind: oneOf(['classes']), keep: arrayOf(integer) }),
  sample: shape<Transform<'sample'>>({ kind: oneOf(['sample']), rows: integer, seed: integer }),
  shift: shape<Transform<'shift'>>({ kind: oneOf(['shift']), amount: number, seed: integer }),
  priors: shape<Transform<'priors'>>({ kind: oneOf(['priors']), priors: arrayOf(number), seed: integer }),
});

const task = shape<TaskSpec>({ name: string, dataset, transforms: arrayOf(transform) });
const pretrainedModel = shape<PretrainedModelSpec>({ path: string, digest: string, inputs: integer, units: arrayOf(integer), classNames: arrayOf(string) });
const modelSource = shape<ModelSourceSpec>({ name: string, model: pretrainedModel });
/** A stored source: a model source when it has `model`, else a dataset task (as every spec before model sources). */
const source: Check<SourceSpec> = (v, path) => (typeof v === 'object' && v !== null && 'model' in v ? modelSource(v, path) : task(v, path));
const testSplit = shape<NonNullable<TargetSpec['test']>>({ rows: optional(integer), share: optional(number), seed: integer });
const target = shape<TargetSpec>({ name: string, dataset, transforms: arrayOf(transform), labelled: integer, test: optional(testSplit) });

/** A recipe value: of its key's type, within its key's bounds (the recipe-key table). */
function recipeValue(key: RecipeKey): Check<string | number> {
  const schema = RECIPE_KEY_TABLE[key].schema;
  if (schema.type === 'string') return oneOf(schema.enum);
  const base = schema.type === 'integer' ? integer : number;
  return (v, path) => {
    const n = base(v, path);
    const outside =
      (schema.minimum !== undefined && n < schema.minimum) ||
      (schema.maximum !== undefined && n > schema.maximum) ||
      (schema.exclusiveMinimum !== undefined && n <= schema.exclusiveMinimum) ||
      (schema.exclusiveMaximum !== undefined && n >= schema.exclusiveMaximum);
    if (outside) throw new CheckError(path, `${n} is outside the range of ${key}`);
    return n;
  };
}

// From the table, so a new key is decoded as soon as it has its row (its value type is the row's).
const recipe = shape<Recipe>(
  Object.fromEntries(
    RECIPE_KEYS.map((key) => [key, RECIPE_KEY_TABLE[key].default === undefined ? recipeValue(key) : optional(recipeValue(key))]),
  ) as FieldChecks<Recipe>,
);

type Dist<T extends Distribution['type']> = Extract<Distribution, { type: T }>;
const distribution = tagged<Distribution>('type', {
  float: shape<Dist<'float'>>({ type: oneOf(['float']), low: number, high: number, log: boolean }),
  int: shape<Dist<'int'>>({ type: oneOf(['int']), low: integer, high: integer, log: boolean, step: integer }),
  categorical: shape<Dist<'categorical'>>({ type: oneOf(['categorical']), choices: arrayOf(scalar) }),
  subset: shape<Dist<'subset'>>({ type: oneOf(['subset']), items: arrayOf(string), min: integer, max: integer }),
});

const paramSpec = shape<ParamSpec>({ name: string, distribution, when: optional(recordOf(arrayOf(scalar))) });

const paramValue = anyOf<ParamValue>(string, number, boolean, arrayOf(string));
const params: Check<Params> = recordOf(paramValue);

// A gp spec stored before gp had `source_design` has none: it means false (GpSamplerSpec).
const gpSampler = shape<GpSamplerSpec>({
  kind: oneOf(['gp']),
  startup_trials: integer,
  tpe_after: integer,
  constant_liar: boolean,
  source_design: optional(boolean),
});

const sampler = tagged<SamplerSpec>('kind', {
  random: shape<Extract<SamplerSpec, { kind: 'random' }>>({ kind: oneOf(['random']) }),
  bayes: shape<BayesSamplerSpec>({
    kind: oneOf(['bayes']),
    startup_trials: integer,
    candidates: integer,
    multivariate: boolean,
    gamma: number,
    source_design: boolean,
    constant_liar: boolean,
  }),
  gp: gpSampler,
});

const objective = shape<Objective>({
  metric: oneOf(OBJECTIVE_METRICS),
  direction: oneOf(['maximize', 'minimize']),
  aggregate: oneOf(AGGREGATE_KINDS),
  on: optional(oneOf(OBJECTIVE_ON)),
  alpha: optional(number),
  lambda: optional(number),
});

const termMetric = oneOf([...OBJECTIVE_METRICS, ...COST_METRICS]);
const objectiveTerm = shape<ObjectiveTerm>({
  metric: termMetric,
  direction: oneOf(['maximize', 'minimize']),
  aggregate: oneOf(AGGREGATE_KINDS),
  on: optional(oneOf(OBJECTIVE_ON)),
  alpha: optional(number),
  lambda: optional(number),
});
const constraint = shape<Constraint>({ metric: termMetric, max: optional(number), min: optional(number) });

const epochScheduler = shape<EpochSchedulerSpec>({ kind: oneOf(['asha', 'hyperband']), min_epochs: integer, eta: integer, min_reports: integer });
const raceScheduler = shape<RaceSchedulerSpec>({
  kind: oneOf(['race']),
  first_seeds: integer,
  eta: integer,
  min_reports: integer,
  wilcoxon: optional(number),
});
const scheduler = tagged<SchedulerSpec>('kind', { asha: epochScheduler, hyperband: epochScheduler, race: raceScheduler });

const budget = shape<Budget>({
  trials: integer,
  workers: integer,
  epochs: integer,
  seeds: integer,
  unitTimeoutS: optional(number),
  retries: optional(integer),
  workerMemoryMb: optional(integer),
});

const mlpModel = shape<MlpSpec>({ kind: oneOf(['mlp']), hidden: arrayOf(integer), activation: oneOf(ACTIVATIONS), dropout: number });
const convBlock = shape<ConvBlockSpec>({ filters: integer, kernel: integer, stride: integer, pool: integer });
const imageShape: Check<readonly [number, number, number]> = (v, path) => {
  const values = arrayOf(integer)(v, path);
  if (values.length !== 3) throw new CheckError(path, `three sizes [H, W, C] (got ${values.length})`);
  return [values[0]!, values[1]!, values[2]!];
};
const cnnModel = shape<CnnSpec>({
  kind: oneOf(['cnn']),
  input_shape: imageShape,
  conv: arrayOf(convBlock),
  hidden: arrayOf(integer),
  activation: oneOf(ACTIVATIONS),
  dropout: number,
});
const model = tagged<ModelSpec>('kind', { mlp: mlpModel, cnn: cnnModel });

const resolvedStudy = shape<ResolvedStudy>({
  name: string,
  seed: integer,
  file: nullable(string),
  sources: arrayOf(source),
  targets: arrayOf(target),
  model,
  recipe,
  space: arrayOf(paramSpec),
  sampler,
  enqueue: optional(arrayOf(params)),
  warm_start: optional(arrayOf(shape<WarmStartSpec>({ study: string, db: optional(string) }))),
  objective,
  objectives: optional(arrayOf(objectiveTerm)),
  constraints: optional(arrayOf(constraint)),
  screen_prior: optional(oneOf(SCREEN_KINDS)),
  scheduler: optional(scheduler),
  budget,
  artifacts: optional(oneOf(ARTIFACT_POLICIES)),
  storage: nullable(string),
});

/** The resolved study a study record was created with. */
export function studySpecOf(record: Pick<StudyRecord, 'name' | 'spec'>): ResolvedStudy {
  return decode(resolvedStudy, record.spec, `study "${record.name}": its stored spec`);
}

/** A trial's params. */
export function decodeParams(json: Json, where: string): Params {
  return decode(params, json, where);
}

// --- results ----------------------------------------------------------------------------------------
// Results are figures, not meaning: a newer version's extra fields are kept and ignored (open).

const metrics = shape<ClassificationMetrics>(
  { accuracy: number, macro_f1: number, macro_recall: number, confusion: arrayOf(arrayOf(integer)) as Check<number[][]> },
  { open: true },
);
const cost = shape<TrainingCost>({ epochs: integer, samples: integer, ms: number }, { open: true });
/** Extra figures: numbers, or null where the figure was NaN (JSON has no NaN). */
const extra: Check<ExtraMetrics> = recordOf(numberOrNull);
const rung = shape<RungReport>({ epoch: integer, metrics }, { open: true });
const gain = shape<Record<ObjectiveMetric, number>>(
  Object.fromEntries(OBJECTIVE_METRICS.map((m) => [m, number])) as FieldChecks<Record<ObjectiveMetric, number>>,
  { open: true },
);

const scaling = shape<NonNullable<Preprocessing['scaling']>>({
  kind: oneOf(['standard', 'minmax']),
  offset: arrayOf(number),
  scale: arrayOf(number),
  fit: oneOf(SCALING_FITS),
});
const preprocessing = shape<Preprocessing>({ columns: optional(arrayOf(integer)), scaling: optional(scaling) });

const storedUnit = shape<StoredUnit>(
  {
    seedIndex: integer,
    seed: integer,
    metrics,
    cost,
    baseline: metrics,
    gain,
    backend: string,
    workerMs: number,
    rungs: optional(arrayOf(rung)),
    stoppedAt: optional(nullable(integer)),
    extra: optional(extra),
    test: optional(metrics),
    baselineTest: optional(metrics),
    preprocessing: optional(preprocessing),
  },
  { open: true },
);

const evaluatedModel = shape<EvaluatedModel>(
  { metrics, cost, extra: optional(extra), test: optional(metrics), preprocessing: optional(preprocessing) },
  { open: true },
);

/** A finished unit's stored result. */
export function decodeStoredUnit(json: Json, where: string): StoredUnit {
  return decode(storedUnit, json, where);
}

/** A worker's unit result without its model, as the benchmarks' unit cache (bench/unit-cache.ts) keeps it. */
export const unitResultCheck: Check<Omit<UnitResult, 'artifact'>> = shape<Omit<UnitResult, 'artifact'>>({
  transfer: evaluatedModel,
  baseline: nullable(evaluatedModel),
  rungs: arrayOf(rung),
  stoppedAt: nullable(integer),
  backend: oneOf(BACKENDS),
  workerMs: number,
});

/** A stored target-only baseline. */
export function decodeBaseline(json: Json, where: string): EvaluatedModel {
  return decode(evaluatedModel, json, where);
}

// --- model artifacts ---------------------------------------------------------------------------------
// The meta of a model (tasksieve-model.json, a stored artifact): closed, since a field this version
// does not know may change what predictions mean (a preprocessing step it would skip).

const modelMeta = shape<ModelMeta>({
  format: oneOf([ARTIFACT_FORMAT]),
  kind: string,
  featureNames: nullable(arrayOf(string)),
  droppedColumns: optional(arrayOf(string)),
  imputesMissing: optional(oneOf([true])),
  delimiter: optional(oneOf(CSV_DELIMITERS)),
  decimal: optional(oneOf([','])),
  categorical: optional(arrayOf(categoryEncoding)),
  classNames: arrayOf(string),
  preprocessing,
  recipe,
  metrics,
  test: optional(metrics),
  backend: oneOf(BACKENDS),
  origin: optional(shape<NonNullable<ModelMeta['origin']>>({ study: string, trial: integer, target: string, seedIndex: integer })),
  sparsity: optional(number),
});

/** The check of a model's meta, for readers that report their own error (a model folder is the user's file). */
export const modelMetaCheck: Check<ModelMeta> = modelMeta;

/** A stored model's meta. */
export function decodeModelMeta(json: Json, where: string): ModelMeta {
  return decode(modelMeta, json, where);
}

type PerKind = Readonly<Record<ScreenKind, number>>;
/** Screens a table stored before they existed does not have (completed as NaN scores, an empty ranking). */
const LATER_KINDS: readonly ScreenKind[] = ['nce'];
type Stored<T> = Partial<T>;
const perKind = shape<Stored<PerKind>>(
  Object.fromEntries(SCREEN_KINDS.map((k) => [k, LATER_KINDS.includes(k) ? optional(number) : number])) as FieldChecks<Stored<PerKind>>,
  { open: true },
);
type StoredSourceScreen = Omit<SourceScreen, 'score' | 'targets' | 'scoreMs'> & {
  readonly score: Stored<PerKind>;
  readonly targets: readonly { readonly target: string; readonly score: Stored<PerKind> }[];
  readonly scoreMs: Stored<PerKind>;
};
const sourceScreen = shape<StoredSourceScreen>(
  {
    source: string,
    score: perKind,
    targets: arrayOf(shape<StoredSourceScreen['targets'][number]>({ target: string, score: perKind }, { open: true })),
    trainMs: number,
    scoreMs: perKind,
  },
  { open: true },
);
type Ranking = ScreenTable['ranking'];
type StoredScreenTable = Omit<ScreenTable, 'sources' | 'ranking' | 'seconds'> & {
  readonly sources: readonly StoredSourceScreen[];
  readonly ranking: Stored<Ranking>;
  readonly seconds: Stored<PerKind>;
};
const screenTable = shape<StoredScreenTable>(
  {
    sources: arrayOf(sourceScreen),
    ranking: shape<Stored<Ranking>>(
      Object.fromEntries(SCREEN_KINDS.map((k) => [k, LATER_KINDS.includes(k) ? optional(arrayOf(string)) : arrayOf(string)])) as FieldChecks<Stored<Ranking>>,
      { open: true },
    ),
    seconds: perKind,
    backend: string,
    wallMs: number,
  },
  { open: true },
);

function fullPerKind(stored: Stored<PerKind>): PerKind {
  return Object.fromEntries(SCREEN_KINDS.map((k) => [k, stored[k] ?? Number.NaN])) as PerKind;
}

const hasEveryKind = (p: Stored<PerKind> | Stored<Ranking>): boolean => SCREEN_KINDS.every((k) => p[k] !== undefined);

/** Whether a stored table has every screen of this version (then it is a ScreenTable as it stands). */
function isComplete(t: StoredScreenTable): t is StoredScreenTable & ScreenTable {
  return (
    hasEveryKind(t.ranking) &&
    hasEveryKind(t.seconds) &&
    t.sources.every((s) => hasEveryKind(s.score) && hasEveryKind(s.scoreMs) && s.targets.every((x) => hasEveryKind(x.score)))
  );
}

/**
 * A study's stored screen table. What this version writes reads back as the same object; a table
 * stored before a screen existed (LATER_KINDS) is completed: NaN scores and an empty ranking for it.
 */
export function decodeScreenTable(json: Json, where: string): ScreenTable {
  const stored = decode(screenTable, json, where);
  if (isComplete(stored)) return stored;
  const { ranking } = stored;
  return {
    ...stored,
    sources: stored.sources.map((s) => ({
      ...s,
      score: fullPerKind(s.score),
      scoreMs: fullPerKind(s.scoreMs),
      targets: s.targets.map((t) => ({ ...t, score: fullPerKind(t.score) })),
    })),
    ranking: Object.fromEntries(SCREEN_KINDS.map((k) => [k, ranking[k] ?? []])) as Ranking,
    seconds: fullPerKind(stored.seconds),
  };
}

// --- model artifacts --------------------------------------------------------------------------------
// A stored model is meaning, not figures: it is decoded closed, and another format version is refused.

/** The JSON part of a stored model artifact: everything but the weights' bytes. */
export type StoredModelJson = Omit<ModelArtifact, 'weights'>;

const quantization = shape<NonNullable<WeightSpec['quantization']>>({ dtype: oneOf(['uint8', 'uint16']), scale: number, min: number });
const weightSpec = shape<WeightSpec>({
  name: string,
  shape: arrayOf(integer),
  dtype: oneOf(['float32', 'int32']),
  quantization: optional(quantization),
});
// The meta is modelMeta above (shared with model folders).
/** The topology is TF.js's to read; here it must at least be a mapping. */
const topology: Check<unknown> = (v, path) => recordOf((x) => x)(v, path);
// `unknown` admits undefined, so FieldChecks takes an optional check; the topology is required all the same.
const storedModelFields = shape<StoredModelJson>({ meta: modelMeta, topology: optional(topology), weightSpecs: arrayOf(weightSpec) });
const storedModel: Check<StoredModelJson> = (v, path) => {
  const model = storedModelFields(v, path);
  if (model.topology === undefined) throw new CheckError(path ? `${path}.topology` : 'topology', 'missing');
  return model;
};

/** The JSON part of a stored model (meta, topology, weight specs). */
export function decodeStoredModel(json: Json, where: string): StoredModelJson {
  return decode(storedModel, json, where);
}

/** Bytes the weights of these specs take in weights.bin (quantised ones: 1 or 2 bytes a value). */
export function weightBytes(specs: readonly WeightSpec[]): number {
  let total = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    total += count * (spec.quantization === undefined ? 4 : spec.quantization.dtype === 'uint8' ? 1 : 2);
  }
  return total;
}

/** A stored model whose weights are not the size its specs say: refused like any unreadable record. */
export function checkWeightBytes(specs: readonly WeightSpec[], weights: Uint8Array, where: string): void {
  const expected = weightBytes(specs);
  if (weights.byteLength !== expected) {
    throw new StoredRecordError(`${where}: weights hold ${weights.byteLength} bytes, the weight specs need ${expected}; it cannot be read`);
  }
}
