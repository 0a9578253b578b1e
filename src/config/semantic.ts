// Cross-field rules of a study file that JSON Schema cannot express: task names and dataset references,
// ranges against budget.epochs and model depth, the search space's bounds, subset items and `when`
// conditions, and command-line overrides. Main thread. Must not import tfjs, the worker or the store.
import { show, type PathSegment } from './format.js';
import { compareBound, isTextRange } from '../data/row-conditions.js';
import { studyJsonSchema } from './schema.js';
import { samplerIssue } from './sampler.js';
import { schedulerIssue } from './scheduler.js';
import { objectivesIssue } from './objectives.js';
import type { ConfigIssue, RawParam, RawSource, RawTask, Scalar, StudyConfig } from './study-config.js';
import { RECIPE_KEYS, RECIPE_KEY_TABLE, type SelectingKey } from '../spec/recipe.js';
import { ARCHITECTURE_KEY_TABLE, isArchitectureKey, layerOfKey } from '../spec/architecture.js';

export const DEFAULT_EPOCHS = 10;
export const DEFAULT_HIDDEN: readonly number[] = [64];

const EPOCH_KEYS = new Set(['epochs', 'pretrain_epochs']);

/** The first semantic problem of a schema-valid study, in file order, or null. */
export function semanticIssue(study: StudyConfig): ConfigIssue | null {
  return (
    whereIssue(study) ??
    decimalIssue(study) ??
    imputeIssue(study) ??
    taskIssue(study) ??
    modelIssue(study) ??
    recipeIssue(study) ??
    spaceIssue(study) ??
    strategyKeyIssue(study) ??
    lwfIssue(study) ??
    sharingIssue(study) ??
    objectivesIssue(study) ??
    screenIssue(study) ??
    warmStartIssue(study) ??
    samplerIssue(study) ??
    schedulerIssue(study, DEFAULT_EPOCHS)
  );
}

/** Recipe keys read by some strategies or task weightings only, with the key that selects them (the recipe-key table's usedBy). */
const KEY_USERS: Readonly<Record<string, readonly [key: SelectingKey, values: readonly string[]]>> = Object.fromEntries(
  RECIPE_KEYS.flatMap((key) => {
    const users = RECIPE_KEY_TABLE[key].usedBy;
    return users === undefined ? [] : [[key, [users.key, users.values] as const]];
  }),
);

/**
 * A strategy's key set (in `recipe` or searched in `space`) where no trial can use that strategy
 * would be silently ignored: e.g. `distill_alpha` while the strategy is always finetune.
 */
function strategyKeyIssue(study: StudyConfig): ConfigIssue | null {
  const recipe = (study.recipe ?? {}) as Record<string, unknown>;
  const space = study.space ?? {};
  const defaults: Record<string, string> = { strategy: 'finetune', task_weighting: 'equal', head: 'reinit', sharing: 'hard' };
  /** Values a selecting key can take in some trial: the recipe's (or default) and the space's choices. */
  const possibleValues = (key: string): Set<unknown> => {
    const values = new Set<unknown>([recipe[key] ?? defaults[key]]);
    const param = space[key];
    if (param?.type === 'categorical') for (const c of param.choices) values.add(c);
    return values;
  };
  for (const [place, keys] of [
    ['recipe', Object.keys(recipe)],
    ['space', Object.keys(space)],
  ] as const) {
    for (const key of keys) {
      const users = KEY_USERS[key];
      if (users === undefined) continue;
      const [selector, values] = users;
      const possible = possibleValues(selector);
      // A key selected by a key that is itself selected (dwa_temperature by task_weighting by strategy).
      const outer = KEY_USERS[selector];
      if (outer !== undefined && !outer[1].some((v) => possibleValues(outer[0]).has(v))) {
        return issue([place, key], `only used by ${outer[0]} ${outer[1].join(' or ')} (no trial of this study can use it)`);
      }
      if (!values.some((v) => possible.has(v))) {
        return issue([place, key], `only used with ${selector} ${values.join(' or ')} (no trial of this study can use it)`);
      }
    }
  }
  return null;
}

/** LwF's soft targets and selftrain's consistency rows cannot share a batch (trainModel refuses it). */
function lwfIssue(study: StudyConfig): ConfigIssue | null {
  const recipe = (study.recipe ?? {}) as Record<string, unknown>;
  const on = (key: string) => typeof recipe[key] === 'number' && (recipe[key] as number) > 0;
  return on('lwf') && on('consistency_weight')
    ? issue(['recipe', 'lwf'], 'cannot be combined with consistency_weight > 0 (consistency rows take no soft targets)')
    : null;
}

/**
 * GradNorm balances gradient norms on a trunk every task shares: soft sharing has none, so no trial
 * may get both (a space may draw both only when a `when` keeps them apart).
 */
function sharingIssue(study: StudyConfig): ConfigIssue | null {
  const recipe = (study.recipe ?? {}) as Record<string, unknown>;
  const space = study.space ?? {};
  const why = 'cannot apply with sharing soft (GradNorm balances the gradients of a shared trunk; soft sharing has none)';
  if (recipe.sharing === 'soft' && recipe.task_weighting === 'gradnorm') return issue(['recipe', 'task_weighting'], `gradnorm ${why}`);
  const soft = possibleValue(study, 'sharing', 'hard', 'soft') && possibleValue(study, 'strategy', 'finetune', 'multitask');
  if (!soft || !possibleValue(study, 'task_weighting', 'equal', 'gradnorm')) return null;
  const excludes = (param: RawParam | undefined, other: string, value: string) => {
    const cond = param?.when?.[other];
    return cond !== undefined && !(Array.isArray(cond) ? cond : [cond]).includes(value);
  };
  if (excludes(space.task_weighting, 'sharing', 'soft') || excludes(space.sharing, 'task_weighting', 'gradnorm')) return null;
  const at = space.sharing !== undefined ? 'sharing' : 'task_weighting';
  return issue(['space', at], `lets a trial draw task_weighting gradnorm with sharing soft, which ${why}: keep them apart with a \`when\``);
}

/** Whether some trial can have `value` for a selecting key: the recipe's (or `fallback`) or a space choice. */
function possibleValue(study: StudyConfig, key: string, fallback: string, value: string): boolean {
  const recipe = (study.recipe ?? {}) as Record<string, unknown>;
  const param = study.space?.[key];
  return (recipe[key] ?? fallback) === value || (param?.type === 'categorical' && param.choices.includes(value));
}

/** A screen prior biases the choice of sources: without a subset to choose there is nothing to bias. */
function screenIssue(study: StudyConfig): ConfigIssue | null {
  if (study.screen_prior === undefined) return null;
  const subset = Object.values(study.space ?? {}).some((p) => p.type === 'subset');
  return subset ? null : issue(['screen_prior'], 'needs a `sources` subset parameter in `space` (there is no source choice to bias)');
}

/** Only the bayes sampler reads earlier trials; a study cannot warm-start from itself in its own database. */
function warmStartIssue(study: StudyConfig): ConfigIssue | null {
  const entries = study.warm_start ?? [];
  if (entries.length === 0) return null;
  // auto resolves to bayes when there is a warm start (sampler.ts).
  const sampler = typeof study.sampler === 'string' ? study.sampler : (study.sampler?.kind ?? 'auto');
  if (sampler !== 'bayes' && sampler !== 'auto') return issue(['warm_start'], `only the bayes sampler uses earlier studies' trials (sampler is ${sampler})`);
  // The earlier trials are ranked by one value; a multi-objective study's sampler ranks by fronts.
  if (Array.isArray(study.objective)) return issue(['warm_start'], 'not with several objectives yet (earlier trials are ranked by one value)');
  for (const [index, entry] of entries.entries()) {
    if (entry.study === study.name && entry.db === undefined) {
      return issue(['warm_start', index, 'study'], `names this study itself: a study cannot warm-start from its own trials`);
    }
  }
  return null;
}

function issue(path: readonly PathSegment[], message: string): ConfigIssue {
  return { path, message };
}

/** A `where` range or quantile range that keeps nothing by construction (the data is checked later). */
function whereIssue(study: StudyConfig): ConfigIssue | null {
  for (const [name, dataset] of Object.entries(study.datasets)) {
    if (dataset.csv === undefined) continue;
    for (const [column, condition] of Object.entries(dataset.where ?? {})) {
      if (typeof condition !== 'object' || Array.isArray(condition)) continue;
      const at = ['datasets', name, 'where', column];
      if ('quantile' in condition) {
        const [low, high] = condition.quantile;
        if (!(low < high)) return issue([...at, 'quantile'], `low (${low}) must be below high (${high})`);
      } else if (condition.min !== undefined && condition.max !== undefined) {
        // Text bounds order as the cells they meet do (compareBound): as numbers when both are, else as text.
        const text = isTextRange(condition);
        const below = text ? compareBound(String(condition.min).trim(), String(condition.max).trim()) < 0 : condition.min < condition.max;
        const bound = (v: number | string) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
        if (!below) return issue(at, `min (${bound(condition.min)}) must be below max (${bound(condition.max)}): values kept satisfy min <= value < max`);
      }
    }
  }
  return null;
}

/** A decimal comma cannot be told from the comma between fields. */
function decimalIssue(study: StudyConfig): ConfigIssue | null {
  for (const [name, dataset] of Object.entries(study.datasets)) {
    if (dataset.csv !== undefined && dataset.decimal === ',' && (dataset.delimiter ?? ',') === ',') {
      return issue(['datasets', name, 'decimal'], 'a decimal comma needs another delimiter (delimiter: ";", a tab or "|")');
    }
  }
  return null;
}

/**
 * `missing: impute` fills a missing value with the training rows' mean as standard scaling fits it:
 * it needs `scaling: standard` in every trial, and no feature selection (which would score columns
 * holding missing values before they are filled).
 */
function imputeIssue(study: StudyConfig): ConfigIssue | null {
  const imputed = Object.entries(study.datasets).find(([, d]) => d.csv !== undefined && d.missing === 'impute');
  if (imputed === undefined) return null;
  const at = ['datasets', imputed[0], 'missing'];
  const values = (key: string): unknown[] => {
    const param = study.space?.[key];
    const searched = param === undefined ? [] : param.type === 'categorical' ? [...param.choices] : ['(searched)'];
    const fixed = (study.recipe as Record<string, unknown> | undefined)?.[key];
    return [...(fixed === undefined ? [] : [fixed]), ...searched];
  };
  const scaling = values('scaling').find((v) => v !== 'standard');
  if (scaling !== undefined) return issue(at, `impute needs scaling: standard in every trial (the study has scaling ${String(scaling)}): a missing value is filled with the training rows' mean as standard scaling fits it`);
  const selection = values('feature_selection').find((v) => v !== 'none');
  if (selection !== undefined) return issue(at, `impute cannot be used with feature_selection (${String(selection)}): it would score columns holding missing values`);
  return null;
}

function taskIssue(study: StudyConfig): ConfigIssue | null {
  const datasetNames = Object.keys(study.datasets);
  const seen = new Map<string, string>();
  const groups: [string, readonly RawSource[]][] = [
    ['sources', study.sources ?? []],
    ['targets', study.targets],
  ];
  for (const [group, entries] of groups) {
    for (const [index, entry] of entries.entries()) {
      const where = `${group}[${index}]`;
      const first = seen.get(entry.name);
      if (first !== undefined) {
        return issue([group, index, 'name'], `duplicate task name ${show(entry.name)} (already used by ${first})`);
      }
      seen.set(entry.name, where);
      if ('model' in entry) {
        // A model source is weights, not rows: nothing to transform, no dataset besides it.
        for (const key of ['dataset', 'transforms', 'rho'] as const) {
          if (key in entry) return issue([group, index, key], `not allowed with \`model\` (a model source is a pretrained model, not a dataset)`);
        }
        continue;
      }
      if (!('dataset' in entry)) return issue([group, index], 'needs `dataset` (a dataset task) or `model` (a pretrained model folder)');
      const task: RawTask = entry;
      const dataset = study.datasets[task.dataset];
      if (dataset === undefined || !Object.hasOwn(study.datasets, task.dataset)) {
        return issue([group, index, 'dataset'], `unknown dataset ${show(task.dataset)} (datasets: ${datasetNames.join(', ')})`);
      }
      if (dataset.synthetic !== undefined && task.rho === undefined) {
        return issue([group, index, 'rho'], `required for the synthetic dataset ${show(task.dataset)} (a number in [-1, 1])`);
      }
      if (dataset.csv !== undefined && task.rho !== undefined) {
        return issue([group, index, 'rho'], `only allowed for a synthetic dataset (${show(task.dataset)} is csv)`);
      }
    }
  }
  return null;
}

/**
 * Layers below the head that freeze_layers counts (a CNN's conv blocks, then the hidden layers) in
 * the deepest model a trial can have, and their name.
 */
function bodyDepthOf(study: StudyConfig): [number, string] {
  const hidden = mostLayers(study, 'hidden_layers');
  return study.model?.kind === 'cnn' ? [mostLayers(study, 'conv_blocks') + hidden, 'the number of conv blocks plus hidden layers'] : [hidden, 'the number of hidden layers'];
}

/** The most dense hidden layers (or conv blocks) a trial's model can have: the model's, or the space's largest. */
function mostLayers(study: StudyConfig, key: 'hidden_layers' | 'conv_blocks'): number {
  const model = study.model ?? {};
  const own = key === 'hidden_layers' ? (model.hidden ?? DEFAULT_HIDDEN).length : (model.conv ?? []).length;
  const param = study.space?.[key];
  if (param === undefined) return own;
  const most = param.type === 'categorical' ? Math.max(...param.choices.filter((c): c is number => typeof c === 'number')) : param.type === 'int' ? param.high : own;
  // conv_blocks takes the first blocks of model.conv: never more than it has.
  return key === 'conv_blocks' ? Math.min(most, own) : most;
}

/** Architecture parameters the study's model cannot use: they would be silently ignored. */
function architectureIssue(study: StudyConfig, name: string): ConfigIssue | null {
  if (!isArchitectureKey(name)) return null;
  const cnn = study.model?.kind === 'cnn';
  if (ARCHITECTURE_KEY_TABLE[name]!.cnnOnly && !cnn) return issue(['space', name], 'only used with model.kind cnn (this model is an mlp)');
  const layer = layerOfKey(name);
  if (layer === null) return null;
  const [key, what] = name.startsWith('conv_') ? (['conv_blocks', 'conv blocks'] as const) : (['hidden_layers', 'hidden layers'] as const);
  const most = mostLayers(study, key);
  return layer > most ? issue(['space', name], `no trial of this study has ${layer} ${what} (at most ${most}): it would never be used`) : null;
}

/** A CNN needs its image shape and conv blocks, an MLP has neither; the blocks must leave an image. */
function modelIssue(study: StudyConfig): ConfigIssue | null {
  const model = study.model;
  if (model === undefined) return null;
  const kind = model.kind ?? 'mlp';
  if (kind === 'mlp') {
    for (const key of ['input_shape', 'conv'] as const) {
      if (model[key] !== undefined) return issue(['model', key], 'only used with kind: cnn (this model is an mlp)');
    }
    return null;
  }
  if (model.input_shape === undefined) return issue(['model'], 'kind cnn needs input_shape: [H, W, C] (the image a row is)');
  if (model.conv === undefined) return issue(['model'], 'kind cnn needs conv: a list of { filters, kernel, stride?, pool? } blocks');
  let [height, width] = model.input_shape;
  for (const [index, block] of model.conv.entries()) {
    const stride = block.stride ?? 1;
    const pool = block.pool ?? 1;
    height = Math.floor(Math.ceil(height / stride) / pool);
    width = Math.floor(Math.ceil(width / stride) / pool);
    if (height < 1 || width < 1) {
      return issue(['model', 'conv', index], `shrinks the image to nothing (stride ${stride}, pool ${pool} on what the blocks above leave)`);
    }
  }
  // Feature selection drops columns: the rows would no longer be input_shape images.
  for (const place of ['recipe', 'space'] as const) {
    const selection = place === 'recipe' ? study.recipe?.feature_selection : study.space?.feature_selection;
    if (selection !== undefined && !(place === 'recipe' && selection === 'none')) {
      return issue([place, 'feature_selection'], 'cannot be used with model.kind cnn (dropping features breaks the input_shape images)');
    }
  }
  return null;
}

function recipeIssue(study: StudyConfig): ConfigIssue | null {
  const recipe = study.recipe ?? {};
  const epochs = study.budget.epochs ?? DEFAULT_EPOCHS;
  const [depth, depthName] = bodyDepthOf(study);
  for (const key of ['pretrain_epochs', 'epochs'] as const) {
    const value = recipe[key];
    if (value !== undefined && value > epochs) {
      return issue(['recipe', key], `must be <= budget.epochs (${epochs}) (got ${value})`);
    }
  }
  if (recipe.freeze_layers !== undefined && recipe.freeze_layers > depth) {
    return issue(['recipe', 'freeze_layers'], `must be <= ${depthName} (${depth}) (got ${recipe.freeze_layers})`);
  }
  return null;
}

/** Upper bound of a recipe key that depends on the rest of the study, with its name. */
function studyBound(study: StudyConfig, key: string): [number, string] | null {
  if (EPOCH_KEYS.has(key)) return [study.budget.epochs ?? DEFAULT_EPOCHS, 'budget.epochs'];
  if (key === 'freeze_layers') return bodyDepthOf(study);
  if (key === 'conv_blocks') return [(study.model?.conv ?? []).length, 'the number of model.conv blocks'];
  return null;
}

function spaceIssue(study: StudyConfig): ConfigIssue | null {
  const space = study.space ?? {};
  const names = Object.keys(space);
  for (const [index, name] of names.entries()) {
    const param = space[name] as RawParam;
    const found = architectureIssue(study, name) ?? paramIssue(study, name, param) ?? whenIssue(space, names, index);
    if (found !== null) return found;
  }
  return null;
}

function paramIssue(study: StudyConfig, name: string, param: RawParam): ConfigIssue | null {
  const at = (...rest: PathSegment[]) => ['space', name, ...rest];
  const bound = studyBound(study, name);
  switch (param.type) {
    case 'float':
    case 'int': {
      if (param.type === 'float' ? param.high <= param.low : param.high < param.low) {
        return issue(at('high'), `must be ${param.type === 'float' ? '>' : '>='} low (${param.low}) (got ${param.high})`);
      }
      if (bound !== null && param.high > bound[0]) {
        return issue(at('high'), `must be <= ${bound[1]} (${bound[0]}) (got ${param.high})`);
      }
      if (param.log === true && param.low <= 0) {
        return issue(at('low'), `must be > 0 on a log scale (got ${param.low})`);
      }
      if (param.type === 'int' && param.log === true && param.step !== undefined && param.step > 1) {
        return issue(at('step'), `cannot be combined with log: true (got ${param.step})`);
      }
      return null;
    }
    case 'categorical': {
      if (bound === null) return null;
      const index = param.choices.findIndex((c) => typeof c === 'number' && c > bound[0]);
      return index < 0 ? null : issue(at('choices', index), `must be <= ${bound[1]} (${bound[0]}) (got ${show(param.choices[index])})`);
    }
    case 'subset': {
      const sources = (study.sources ?? []).map((s) => s.name);
      const items = param.of ?? sources;
      const index = items.findIndex((item) => !sources.includes(item));
      if (index >= 0) {
        const known = sources.length > 0 ? sources.join(', ') : 'none';
        return issue(at('of', index), `unknown source ${show(items[index])} (sources: ${known})`);
      }
      if (items.length === 0) {
        return issue(['space', name], 'there are no sources to choose from (add sources, or remove this parameter)');
      }
      const min = param.min ?? 0;
      const max = param.max ?? items.length;
      if (max > items.length) return issue(at('max'), `must be <= the number of sources to choose from (${items.length}) (got ${max})`);
      if (min > max) return issue(at('min'), `must be <= max (${max}) (got ${min})`);
      return null;
    }
  }
}

function whenIssue(space: Record<string, RawParam>, names: readonly string[], index: number): ConfigIssue | null {
  const name = names[index] as string;
  const when = (space[name] as RawParam).when ?? {};
  const above = names.slice(0, index);
  for (const [other, raw] of Object.entries(when)) {
    const path = ['space', name, 'when', other];
    if (!above.includes(other)) {
      if (names.includes(other)) {
        return issue(path, `${show(other)} is not above ${name} (a condition may only name parameters defined above it)`);
      }
      const list = above.length > 0 ? `parameters above ${name}: ${above.join(', ')}` : `no parameter is above ${name}`;
      return issue(path, `${show(other)} is not a parameter of the space (${list})`);
    }
    const target = space[other] as RawParam;
    if (target.type === 'subset') return issue(path, `cannot depend on the subset parameter ${show(other)}`);
    const values = Array.isArray(raw) ? raw : [raw];
    for (const [i, value] of values.entries()) {
      if (!possible(target, value)) {
        const where = Array.isArray(raw) ? [...path, i] : path;
        return issue(where, `${show(value)} is not a possible value of ${other} (${possibleValues(target)})`);
      }
    }
  }
  return null;
}

function possible(param: RawParam, value: Scalar): boolean {
  switch (param.type) {
    case 'categorical':
      return param.choices.some((c) => c === value);
    case 'float':
      return typeof value === 'number' && value >= param.low && value <= param.high;
    case 'int': {
      const step = param.step ?? 1;
      return (
        typeof value === 'number' &&
        Number.isInteger(value) &&
        value >= param.low &&
        value <= param.high &&
        (value - param.low) % step === 0
      );
    }
    case 'subset':
      return false;
  }
}

function possibleValues(param: RawParam): string {
  switch (param.type) {
    case 'categorical':
      return `choices: ${param.choices.map((c) => (typeof c === 'string' ? c : String(c))).join(', ')}`;
    case 'float':
      return `range: ${param.low} to ${param.high}`;
    case 'int':
      return `range: ${param.low}..${param.high}${(param.step ?? 1) > 1 ? ` step ${param.step}` : ''}`;
    case 'subset':
      return 'a subset';
  }
}

/** Command-line replacements of budget keys (undefined: keep the file's value). */
export interface Overrides {
  readonly trials?: number | undefined;
  readonly workers?: number | undefined;
}

/** An override is checked like the budget key it replaces: `budget.trials (override): …`. */
export function overrideIssue(overrides: Overrides | undefined): string | null {
  for (const key of ['trials', 'workers'] as const) {
    const value = overrides?.[key];
    if (value === undefined) continue;
    const { minimum, maximum } = studyJsonSchema.properties.budget.properties[key];
    const field = `budget.${key} (override)`;
    if (typeof value !== 'number' || !Number.isInteger(value)) return `${field}: must be an integer (got ${show(value)})`;
    if (value < minimum) return `${field}: must be an integer >= ${minimum} (got ${value})`;
    if (value > maximum) return `${field}: must be an integer <= ${maximum} (got ${value})`;
  }
  return null;
}
