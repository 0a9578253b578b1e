// The search space: parameters, their distributions and conditions, a trial's params, and how a
// trial's params name its source subset. Part of src/spec: types, constant lists and the one-line
// rules that read them; imports nothing of the project.

export type ParamValue = number | string | boolean | readonly string[];
export type Params = Readonly<Record<string, ParamValue>>;

/** `when`: the parameter is active only if every named parameter has one of the listed values. */
export type Condition = Readonly<Record<string, readonly (string | number | boolean)[]>>;

export type Distribution =
  | { readonly type: 'float'; readonly low: number; readonly high: number; readonly log: boolean }
  | {
      readonly type: 'int';
      readonly low: number;
      readonly high: number;
      readonly log: boolean;
      readonly step: number;
    }
  | { readonly type: 'categorical'; readonly choices: readonly (string | number | boolean)[] }
  /** A set of source-task names; the value is sorted in the order of `items`. */
  | { readonly type: 'subset'; readonly items: readonly string[]; readonly min: number; readonly max: number };

export interface ParamSpec {
  readonly name: string;
  readonly distribution: Distribution;
  readonly when?: Condition;
}

/** Parameters in dependency order: a parameter's conditions only name parameters before it. */
export type SearchSpace = readonly ParamSpec[];

/** The name of the first-class subset parameter over the study's sources. */
export const SUBSET_PARAM = 'sources';
/** Names of the sources a trial transfers from (none when the space has no subset parameter). */
export function chosenSourceNames(params: Params): readonly string[] {
  const value = params[SUBSET_PARAM];
  return Array.isArray(value) ? (value as readonly string[]) : [];
}
/** Recipe params only (the subset removed): what a target-only baseline shares with its trial. */
export function recipeParams(params: Params): Params {
  const { [SUBSET_PARAM]: _subset, ...rest } = params;
  return rest;
}
