// The `enqueue:` key of a study file: configurations to run first (e.g. the target-only baseline and
// "all sources"), checked like values of the search space and resolved to full trial params. A
// parameter an entry leaves out takes the recipe's value (`sources`: none). Main thread. Must not
// import tfjs, the worker or the store.
import type { Condition, Distribution, ParamSpec, ParamValue, Params, SearchSpace } from '../spec/space.js';
import { didYouMean } from './did-you-mean.js';
import { show, type PathSegment } from './format.js';
import type { ConfigIssue, RawEnqueued, StudyConfig } from './study-config.js';
import { withRecipeDefaults, type Recipe } from '../spec/recipe.js';
import { architectureDefault, isArchitectureKey } from '../spec/architecture.js';
import type { ModelSpec } from '../spec/study.js';

/** The subset parameter's value that means every source it may choose from. */
export const ALL_SOURCES = 'all';

export const ENQUEUE_SCHEMA = {
  type: 'array',
  description:
    'Configurations run first, once, in order, when the study is created: space parameters by name; one left out takes the recipe value (sources: none). Example: [ { sources: [] }, { sources: all } ].',
  items: {
    type: 'object',
    description: 'One configuration: values of space parameters (sources: a list of source names, or all).',
    additionalProperties: {
      anyOf: [
        { type: ['string', 'number', 'boolean'] },
        { type: 'array', uniqueItems: true, items: { type: 'string' } },
      ],
    },
  },
} as const;

type Outcome = { readonly params: Params } | { readonly issue: ConfigIssue };

/** Trial params of one entry, or the first problem with it (paths under `enqueue[index]`). */
function resolveEntry(entry: RawEnqueued, index: number, space: SearchSpace, recipe: Recipe, model: ModelSpec): Outcome {
  const at = (...rest: PathSegment[]): PathSegment[] => ['enqueue', index, ...rest];
  const names = space.map((p) => p.name);
  for (const key of Object.keys(entry)) {
    if (names.includes(key)) continue;
    const close = didYouMean(key, names);
    const list = names.length > 0 ? `parameters: ${names.join(', ')}` : 'the space has no parameters';
    const hint = close !== undefined ? `did you mean ${show(close)}? ` : '';
    return { issue: { path: at(key), at: 'key', message: `not a parameter of the space (${hint}${list})` } };
  }
  // Strategy keys a recipe leaves out have their defaults (the worker trains with those); an
  // architecture key left out is the model's.
  const recipeDefaults: Readonly<Record<string, ParamValue | undefined>> = withRecipeDefaults(recipe);
  const defaultOf = (name: string): ParamValue | undefined => (isArchitectureKey(name) ? architectureDefault(model, name) : recipeDefaults[name]);
  const params: Record<string, ParamValue> = {};
  for (const param of space) {
    const given = entry[param.name];
    if (!isActive(param.when, params)) {
      if (given === undefined) continue;
      return { issue: { path: at(param.name), message: `is not active in this configuration (it needs ${conditionText(param.when!)})` } };
    }
    const dist = param.distribution;
    if (given !== undefined) {
      const checked = checkValue(dist, given);
      if ('problem' in checked) return { issue: { path: [...at(param.name), ...checked.under], message: checked.problem } };
      params[param.name] = checked.value;
      continue;
    }
    const fallback = dist.type === 'subset' ? [] : defaultOf(param.name);
    const checked = fallback === undefined ? { problem: 'has no recipe value', under: [] } : checkValue(dist, fallback);
    if ('problem' in checked) {
      const message =
        dist.type === 'subset'
          ? `${param.name} is left out (no source), but space.${param.name} needs ${possibleText(param)}: give ${param.name}`
          : `${param.name} is left out, and its ${isArchitectureKey(param.name) ? "model" : "recipe"} value ${show(fallback)} is not a possible value of ` +
            `space.${param.name} (${possibleText(param)}): give ${param.name}`;
      return { issue: { path: at(), message } };
    }
    params[param.name] = checked.value;
  }
  return { params };
}

/** The first problem of the study's `enqueue` entries against its resolved space and recipe, or null. */
export function enqueueIssue(raw: StudyConfig, space: SearchSpace, recipe: Recipe, model: ModelSpec): ConfigIssue | null {
  for (const [index, entry] of (raw.enqueue ?? []).entries()) {
    const outcome = resolveEntry(entry, index, space, recipe, model);
    if ('issue' in outcome) return outcome.issue;
  }
  return null;
}

/** The entries as trial params (entries with a problem are left out: enqueueIssue reports them). */
export function resolveEnqueue(raw: StudyConfig, space: SearchSpace, recipe: Recipe, model: ModelSpec): Params[] {
  const out: Params[] = [];
  for (const [index, entry] of (raw.enqueue ?? []).entries()) {
    const outcome = resolveEntry(entry, index, space, recipe, model);
    if ('params' in outcome) out.push(outcome.params);
  }
  return out;
}

type Checked = { readonly value: ParamValue } | { readonly problem: string; readonly under: PathSegment[] };

function checkValue(dist: Distribution, value: ParamValue | string): Checked {
  const bad = (problem: string, under: PathSegment[] = []): Checked => ({ problem, under });
  switch (dist.type) {
    case 'float':
      if (typeof value !== 'number') return bad(`must be a number (got ${show(value)})`);
      if (value < dist.low || value > dist.high) return bad(`must be in [${dist.low}, ${dist.high}] (got ${value})`);
      return { value };
    case 'int': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return bad(`must be an integer (got ${show(value)})`);
      if (value < dist.low || value > dist.high) return bad(`must be in ${dist.low}..${dist.high} (got ${value})`);
      if ((value - dist.low) % dist.step !== 0) return bad(`must be on the grid ${dist.low}, ${dist.low + dist.step}, … (step ${dist.step}) (got ${value})`);
      return { value };
    }
    case 'categorical':
      if (Array.isArray(value) || !dist.choices.includes(value as string | number | boolean)) {
        return bad(`${show(value)} is not one of the choices (${dist.choices.map((c) => String(c)).join(', ')})`);
      }
      return { value };
    case 'subset': {
      const names = value === ALL_SOURCES ? dist.items : value;
      if (!Array.isArray(names)) return bad(`must be a list of source names or ${show(ALL_SOURCES)} (got ${show(value)})`);
      for (const [k, name] of (names as readonly unknown[]).entries()) {
        if (typeof name !== 'string' || !dist.items.includes(name)) {
          return bad(`${show(name)} is not a source to choose from (${dist.items.join(', ')})`, [k]);
        }
      }
      const chosen = dist.items.filter((item) => (names as readonly string[]).includes(item));
      if (chosen.length < dist.min || chosen.length > dist.max) {
        return bad(`must have ${dist.min} to ${dist.max} sources (space.sources min and max) (got ${chosen.length})`);
      }
      return { value: chosen };
    }
  }
}

function isActive(when: Condition | undefined, params: Params): boolean {
  if (when === undefined) return true;
  return Object.entries(when).every(([name, allowed]) => {
    const value = params[name];
    return value !== undefined && !Array.isArray(value) && allowed.includes(value as string | number | boolean);
  });
}

function conditionText(when: Condition): string {
  return Object.entries(when)
    .map(([name, allowed]) => `${name} in [${allowed.map((v) => String(v)).join(', ')}]`)
    .join(' and ');
}

function possibleText(param: ParamSpec): string {
  const dist = param.distribution;
  switch (dist.type) {
    case 'float':
      return `range: ${dist.low} to ${dist.high}`;
    case 'int':
      return `range: ${dist.low}..${dist.high}${dist.step > 1 ? ` step ${dist.step}` : ''}`;
    case 'categorical':
      return `choices: ${dist.choices.map((c) => String(c)).join(', ')}`;
    case 'subset':
      return `${dist.min} to ${dist.max} sources`;
  }
}
