// The backends a unit can run on and what a unit does to a target's rows before its model sees them:
// shared by unit results (units.ts) and model artifacts (artifacts.ts), kept apart so those two do
// not import each other. Part of src/spec: types and constant lists only.
import type { Scaling, ScalingFit } from './recipe.js';

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** A fitted feature scaling: x' = clip((x - offset) / scale), per feature. */
export interface ScalingStats {
  readonly kind: Exclude<Scaling, 'none'>;
  readonly offset: readonly number[];
  readonly scale: readonly number[];
}

/** What a unit did to the target's rows before the model saw them, in order (travels with a model). */
export interface Preprocessing {
  /** Feature selection: the columns kept, in order (absent: every column). */
  readonly columns?: readonly number[];
  /** Absent: no scaling. */
  readonly scaling?: ScalingStats & { readonly fit: ScalingFit };
}
