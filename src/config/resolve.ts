// Turns a validated study file into the deeply frozen ResolvedStudy: defaults applied, paths absolute,
// omitted seeds derived from the study seed. Main thread. Must not import tfjs, the worker or the store.
import { dirname, resolve as resolvePath } from 'node:path';
import type { CategoricalColumn, CsvDatasetSpec, DatasetSpec, ModelSourceSpec, RowCondition, TargetSpec, TaskSpec, TransformSpec } from '../spec/tasks.js';
import { DataError } from '../errors.js';
import { modelFolderOf, readModelFolder } from '../data/model-folder.js';
import type { Condition, Distribution, ParamSpec } from '../spec/space.js';
import { hashString, mixSeed } from '../util/rng.js';
import { resolveEnqueue } from './enqueue.js';
import { resolveSampler } from './sampler.js';
import { resolveScheduler } from './scheduler.js';
import { DEFAULT_EPOCHS, DEFAULT_HIDDEN, type Overrides } from './semantic.js';
import type { RawCategorical, RawDataset, RawModelSource, RawParam, RawRowCondition, RawTask, RawTransform, RawWhen, StudyConfig } from './study-config.js';
import { resolveObjectives } from './objectives.js';
import { OPTIONAL_RECIPE_KEYS, STUDY_DEFAULTS, type Recipe } from '../spec/recipe.js';
import { type ModelSpec, type ResolvedStudy } from '../spec/study.js';

export const DEFAULT_NOISE = 0.1;

/**
 * The resolved study of a validated file. `file` is the study file's path (made absolute; relative
 * paths in the file are relative to its folder), or null for a study built in code (paths then
 * relative to the working directory). Without a `sources` parameter in the space, trials use no source.
 */
export function resolveStudy(raw: StudyConfig, file: string | null, overrides?: Overrides): ResolvedStudy {
  const absolute = file === null ? null : resolvePath(file);
  const base = absolute === null ? process.cwd() : dirname(absolute);
  const seed = raw.seed ?? 0;
  const epochs = raw.budget.epochs ?? DEFAULT_EPOCHS;
  const model = resolveModel(raw);
  const recipe: Recipe = {
    strategy: raw.recipe?.strategy ?? 'finetune',
    optimizer: raw.recipe?.optimizer ?? 'adam',
    learning_rate: raw.recipe?.learning_rate ?? 0.01,
    batch_size: raw.recipe?.batch_size ?? 32,
    pretrain_epochs: raw.recipe?.pretrain_epochs ?? epochs,
    epochs: raw.recipe?.epochs ?? epochs,
    freeze_layers: raw.recipe?.freeze_layers ?? 0,
    dropout: raw.recipe?.dropout ?? model.dropout,
    // The strategy keys only when set: their defaults apply in the worker (withRecipeDefaults), so
    // specs stored before they existed stay equal; except the keys whose default for new studies
    // differs from what their absence means (scaling), written out so the stored spec says it.
    ...STUDY_DEFAULTS,
    ...optionalRecipeKeys(raw),
  };
  const sources = (raw.sources ?? []).map((source) => ('model' in source ? resolveModelSource(source, base) : resolveTask(raw, source, base, seed)));
  const targets: TargetSpec[] = raw.targets.map((task) => ({
    ...resolveTask(raw, task, base, seed),
    labelled: task.labelled,
    // Written only when set, so specs stored before `test` existed stay equal.
    ...(task.test !== undefined
      ? {
          test: {
            ...(task.test < 1 ? { share: task.test } : { rows: task.test }),
            seed: task.test_seed ?? mixSeed(seed, hashString(task.name), STREAM_TEST),
          },
        }
      : {}),
  }));
  const sourceNames = sources.map((s) => s.name);
  const scheduler = resolveScheduler(raw);
  const space = Object.entries(raw.space ?? {}).map(([name, param]) => resolveParam(name, param, sourceNames));
  const enqueue = resolveEnqueue(raw, space, recipe, model);
  return deepFreeze({
    name: raw.name,
    seed,
    file: absolute,
    sources,
    targets,
    model,
    recipe,
    space,
    sampler: resolveSampler(raw),
    // Left out when empty, so specs stored before `enqueue` existed stay equal.
    ...(enqueue.length > 0 ? { enqueue } : {}),
    // Likewise for `warm_start`.
    ...(raw.warm_start !== undefined && raw.warm_start.length > 0
      ? { warm_start: raw.warm_start.map((w) => ({ study: w.study, ...(w.db !== undefined ? { db: resolveStorage(base, w.db) } : {}) })) }
      : {}),
    // objectives and constraints only for a list (multi-objective), so single-objective specs stay equal.
    ...resolveObjectives(raw),
    ...(raw.screen_prior !== undefined ? { screen_prior: raw.screen_prior } : {}),
    ...(scheduler !== null ? { scheduler } : {}),
    budget: {
      trials: overrides?.trials ?? raw.budget.trials,
      workers: overrides?.workers ?? raw.budget.workers ?? 2,
      epochs,
      seeds: raw.budget.seeds ?? 1,
      // Written only when set, so specs stored before these keys existed stay equal.
      ...(raw.budget.unit_timeout_s !== undefined ? { unitTimeoutS: raw.budget.unit_timeout_s } : {}),
      ...(raw.budget.retries !== undefined ? { retries: raw.budget.retries } : {}),
      ...(raw.budget.worker_memory_mb !== undefined ? { workerMemoryMb: raw.budget.worker_memory_mb } : {}),
    },
    // Written only when set (absent: best), so specs stored before `artifacts` existed stay equal.
    ...(raw.artifacts !== undefined ? { artifacts: raw.artifacts } : {}),
    storage: raw.storage === undefined ? null : resolveStorage(base, raw.storage),
  });
}

/** The model with its defaults; a CNN's blocks with stride and pool written out (1: none). */
function resolveModel(raw: StudyConfig): ModelSpec {
  const common = {
    hidden: [...(raw.model?.hidden ?? DEFAULT_HIDDEN)],
    activation: raw.model?.activation ?? 'relu',
    dropout: raw.model?.dropout ?? 0,
  };
  if (raw.model?.kind !== 'cnn') return { kind: 'mlp', ...common };
  // semantic.ts checked that a cnn has both.
  const [height, width, channels] = raw.model.input_shape!;
  return {
    kind: 'cnn',
    input_shape: [height, width, channels],
    conv: raw.model.conv!.map((b) => ({ filters: b.filters, kernel: b.kernel, stride: b.stride ?? 1, pool: b.pool ?? 1 })),
    ...common,
  };
}

/** The optional (strategy) recipe keys the study file sets. */
function optionalRecipeKeys(raw: StudyConfig): Partial<Recipe> {
  const out: Record<string, unknown> = {};
  for (const key of OPTIONAL_RECIPE_KEYS) {
    const value = raw.recipe?.[key];
    if (value !== undefined) out[key] = value;
  }
  return out as Partial<Recipe>;
}

/** A csv dataset's spec: the path made absolute, the label column's default, `where` as conditions in the file's order. */
export function resolveCsvDataset(raw: Extract<RawDataset, { csv: string }>, base: string): CsvDatasetSpec {
  return {
    kind: 'csv',
    path: resolvePath(base, raw.csv),
    label: raw.label ?? 'label',
    ...(raw.drop !== undefined ? { drop: [...raw.drop] } : {}),
    ...(raw.where !== undefined ? { where: Object.entries(raw.where).map(([column, c]) => rowCondition(column, c)) } : {}),
    ...(raw.missing === 'drop' || raw.missing === 'impute' ? { missing: raw.missing } : {}),
    ...(raw.delimiter !== undefined && raw.delimiter !== ',' ? { delimiter: raw.delimiter } : {}),
    ...(raw.decimal === ',' ? { decimal: ',' as const } : {}),
    ...(raw.categorical !== undefined ? { categorical: categoricalColumns(raw.categorical) } : {}),
  };
}

function categoricalColumns(raw: RawCategorical): CategoricalColumn[] {
  if (Array.isArray(raw)) return raw.map((column) => ({ column }));
  return Object.entries(raw).map(([column, values]) => ({ column, values: values.map(String) }));
}

function rowCondition(column: string, raw: RawRowCondition): RowCondition {
  if (Array.isArray(raw)) return { kind: 'in', column, values: [...raw] };
  if (typeof raw !== 'object') return { kind: 'in', column, values: [raw] };
  if ('quantile' in raw) return { kind: 'quantile', column, low: raw.quantile[0], high: raw.quantile[1] };
  return { kind: 'range', column, ...(raw.min !== undefined ? { min: raw.min } : {}), ...(raw.max !== undefined ? { max: raw.max } : {}) };
}

/** The dataset spec of a task (synthetic specs depend on the task: rho and the task seed). */
function resolveDataset(raw: RawDataset, task: RawTask, base: string, studySeed: number): DatasetSpec {
  if (raw.synthetic === undefined) return resolveCsvDataset(raw, base);
  const s = raw.synthetic;
  return {
    kind: 'synthetic',
    features: s.features,
    latent: s.latent,
    classes: s.classes,
    rows: s.rows,
    familySeed: s.seed ?? studySeed,
    rho: task.rho ?? 0,
    taskSeed: mixSeed(studySeed, hashString(task.name)),
    noise: s.noise ?? DEFAULT_NOISE,
  };
}

/** Seed stream of a target's test draw (transforms use their index, 0, 1, …, from the same task hash). */
const STREAM_TEST = 1_000_003;

/**
 * A model source with what load time read of it: its digest (so resume notices a changed model) and
 * its shape. A folder that cannot be read resolves to an empty digest and shape; data-check.ts then
 * reports the problem at the source's `model` key.
 */
function resolveModelSource(source: RawModelSource, base: string): ModelSourceSpec {
  const path = modelFolderOf(resolvePath(base, source.model));
  try {
    const folder = readModelFolder(path);
    return { name: source.name, model: { path, digest: folder.digest, inputs: folder.inputs, units: folder.layers.map((l) => l.units), classNames: folder.classNames } };
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    return { name: source.name, model: { path, digest: '', inputs: 0, units: [], classNames: [] } };
  }
}

function resolveTask(raw: StudyConfig, task: RawTask, base: string, studySeed: number): TaskSpec {
  return {
    name: task.name,
    dataset: resolveDataset(raw.datasets[task.dataset] as RawDataset, task, base, studySeed),
    transforms: (task.transforms ?? []).map((t, index) => resolveTransform(t, mixSeed(studySeed, hashString(task.name), index))),
  };
}

/** `derived` is the seed of a transform whose seed the file leaves out. */
function resolveTransform(t: RawTransform, derived: number): TransformSpec {
  if ('rotate' in t) return { kind: 'rotate', degrees: t.rotate };
  if ('noise' in t) {
    return typeof t.noise === 'number'
      ? { kind: 'noise', std: t.noise, seed: derived }
      : { kind: 'noise', std: t.noise.std, seed: t.noise.seed ?? derived };
  }
  if ('permute_labels' in t) return { kind: 'permute_labels', seed: t.permute_labels === true ? derived : t.permute_labels };
  if ('random_labels' in t) {
    const r = t.random_labels;
    return typeof r === 'object'
      ? { kind: 'random_labels', share: r.share ?? 1, seed: r.seed ?? derived }
      : { kind: 'random_labels', share: 1, seed: r === true ? derived : r };
  }
  if ('classes' in t) return { kind: 'classes', keep: [...t.classes] };
  if ('shift' in t) {
    return typeof t.shift === 'number'
      ? { kind: 'shift', amount: t.shift, seed: derived }
      : { kind: 'shift', amount: t.shift.amount, seed: t.shift.seed ?? derived };
  }
  if ('priors' in t) {
    return Array.isArray(t.priors)
      ? { kind: 'priors', priors: [...t.priors], seed: derived }
      : { kind: 'priors', priors: [...t.priors.priors], seed: t.priors.seed ?? derived };
  }
  return typeof t.sample === 'number'
    ? { kind: 'sample', rows: t.sample, seed: derived }
    : { kind: 'sample', rows: t.sample.rows, seed: t.sample.seed ?? derived };
}

function resolveParam(name: string, param: RawParam, sources: readonly string[]): ParamSpec {
  let distribution: Distribution;
  switch (param.type) {
    case 'float':
      distribution = { type: 'float', low: param.low, high: param.high, log: param.log ?? false };
      break;
    case 'int':
      distribution = { type: 'int', low: param.low, high: param.high, log: param.log ?? false, step: param.step ?? 1 };
      break;
    case 'categorical':
      distribution = { type: 'categorical', choices: [...param.choices] };
      break;
    case 'subset': {
      const items = [...(param.of ?? sources)];
      distribution = { type: 'subset', items, min: param.min ?? 0, max: param.max ?? items.length };
      break;
    }
  }
  const when = param.when === undefined ? undefined : resolveWhen(param.when);
  return when === undefined ? { name, distribution } : { name, distribution, when };
}

function resolveWhen(when: RawWhen): Condition {
  return Object.fromEntries(Object.entries(when).map(([k, v]) => [k, Array.isArray(v) ? [...v] : [v]]));
}

/** Freezes `value` and everything reachable from it; returns it typed as read-only. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A `postgres://` URL is kept as it is; a SQLite path (optionally `sqlite:PATH`) is relative to the study file. */
function resolveStorage(base: string, storage: string): string {
  if (/^postgres(ql)?:\/\//i.test(storage)) return storage;
  return resolvePath(base, storage.replace(/^sqlite:/i, ''));
}
