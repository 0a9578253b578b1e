// Search-space and sampler types. Main thread only.

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
