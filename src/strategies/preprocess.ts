// The unit's preprocessing before any strategy trains: feature scaling fitted on the rows the unit
// trains on (never its validation or test rows), applied to every task the unit reads. Worker side.
// Must not import the store, the CLI or YAML parsing.
import type { FullRecipe } from '../spec/recipe.js';
import type { Preprocessing } from '../spec/units.js';
import { applyScaling, fitScaling, scaledLazily } from '../data/scaling.js';
import type { StrategyInput } from './types.js';

export interface Preprocessed {
  readonly input: StrategyInput;
  /** The scaling applied to the target's rows (what an exported model must apply too); null: none. */
  readonly scaling: Preprocessing['scaling'] | null;
}

/**
 * pooled: one scaling fitted on the target's labelled rows and every chosen source's rows; target:
 * fitted on the target's labelled rows only; per_task: each source scaled with its own statistics,
 * the target's rows with theirs (a simple domain alignment of first and second moments). Validation,
 * test and unlabelled rows are the target's: they are transformed with the target's scaling, never
 * fitted on. A target-only unit (the baseline) fits on its own training rows, whatever the fit.
 */
export function preprocess(input: StrategyInput, recipe: FullRecipe): Preprocessed {
  if (recipe.scaling === 'none') return { input, scaling: null };
  const kind = recipe.scaling;
  const fit = recipe.scaling_fit;
  const stats = fitScaling(kind, fit === 'pooled' ? [input.train, ...input.sources] : [input.train]);
  // Sources can be large and shared between workers: scaled as their rows are read, not copied.
  const sources = input.sources.map((source) => scaledLazily(source, fit === 'per_task' ? fitScaling(kind, [source]) : stats));
  return {
    input: {
      ...input,
      train: applyScaling(input.train, stats),
      validation: applyScaling(input.validation, stats),
      sources,
      ...(input.test ? { test: applyScaling(input.test, stats) } : {}),
    },
    scaling: { ...stats, fit },
  };
}
