// Search-space helpers: which parameters are active, and how a trial's params become a recipe, a
// model (architecture parameters) and a source subset. Main thread; pure (no store, no tfjs).
import { OPTIONAL_RECIPE_KEYS, type Recipe } from '../spec/recipe.js';
import { type ModelSpec, type ResolvedStudy } from '../spec/study.js';
import { architectureFor } from '../spec/architecture.js';
import type { SourceSpec } from '../spec/tasks.js';
import { SUBSET_PARAM, chosenSourceNames, type Condition, type ParamSpec, type ParamValue, type Params } from '../spec/space.js';

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
  const overrides: Partial<Record<keyof Recipe, ParamValue>> = {};
  for (const [name, value] of Object.entries(params)) {
    // Optional (strategy) keys are searchable without appearing in the study's recipe block.
    if (name !== SUBSET_PARAM && (name in study.recipe || (OPTIONAL_RECIPE_KEYS as readonly string[]).includes(name))) {
      overrides[name as keyof Recipe] = value;
    }
  }
  // The space's parameters were checked against their recipe keys' value types when the study loaded.
  return { ...study.recipe, ...overrides } as Recipe;
}

/** The study's model with the architecture parameters the trial searched applied (src/spec/architecture.ts). */
export function modelFor(study: ResolvedStudy, params: Params): ModelSpec {
  return architectureFor(study.model, params);
}

export function chosenSources(study: ResolvedStudy, params: Params): readonly SourceSpec[] {
  const names = new Set(chosenSourceNames(params));
  return study.sources.filter((s) => names.has(s.name));
}
