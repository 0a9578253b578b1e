// Search-space helpers: which parameters are active, and how a trial's params become a recipe and a
// source subset. Main thread; pure (no store, no tfjs).
import { OPTIONAL_RECIPE_KEYS, type Recipe, type ResolvedStudy } from '../config/types.js';
import type { TaskSpec } from '../data/types.js';
import type { Condition, ParamSpec, ParamValue, Params } from './types.js';

/** The name of the first-class subset parameter over the study's sources. */
export const SUBSET_PARAM = 'sources';

/** A parameter is active when every parameter its `when` names has one of the listed values. */
export function isActive(when: Condition | undefined, params: Params): boolean {
  if (!when) return true;
  for (const [name, allowed] of Object.entries(when)) {
    const value = params[name];
    if (value === undefined || Array.isArray(value)) return false;
    if (!allowed.includes(value as string | number | boolean)) return false;
  }
  return true;
}

/** Samples every active parameter in order with `sampleOne`; inactive parameters are left out. */
export function sampleSpace(
  space: readonly ParamSpec[],
  sampleOne: (param: ParamSpec, sofar: Params) => ParamValue,
): Params {
  const params: Record<string, ParamValue> = {};
  for (const param of space) {
    if (isActive(param.when, params)) params[param.name] = sampleOne(param, params);
  }
  return params;
}

/** The study's recipe with every recipe key the trial searched overridden. */
export function recipeFor(study: ResolvedStudy, params: Params): Recipe {
  const recipe: Record<string, unknown> = { ...study.recipe };
  for (const [name, value] of Object.entries(params)) {
    // Optional (strategy) keys are searchable without appearing in the study's recipe block.
    if (name !== SUBSET_PARAM && (name in recipe || (OPTIONAL_RECIPE_KEYS as readonly string[]).includes(name))) recipe[name] = value;
  }
  return recipe as unknown as Recipe;
}

/** Names of the sources a trial transfers from (none when the space has no subset parameter). */
export function chosenSourceNames(params: Params): readonly string[] {
  const value = params[SUBSET_PARAM];
  return Array.isArray(value) ? (value as readonly string[]) : [];
}

export function chosenSources(study: ResolvedStudy, params: Params): readonly TaskSpec[] {
  const names = new Set(chosenSourceNames(params));
  return study.sources.filter((s) => names.has(s.name));
}

/** Recipe params only (the subset removed): what a target-only baseline shares with its trial. */
export function recipeParams(params: Params): Params {
  const { [SUBSET_PARAM]: _subset, ...rest } = params;
  return rest;
}
