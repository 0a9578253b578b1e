// The shape every benchmark's summary carries as `goals_met`: each goal of its issue by name, met
// (true), missed (false) or not judged in this run (null: its peer is missing, or the run did not
// measure the figure, e.g. fewer trials than the goal reads). docs/benchmarks.md lists the goals.

export type GoalResult = boolean | null;

/** Goals by short snake_case name. */
export type Goals = Record<string, GoalResult>;

export type Comparison = '<' | '<=' | '>' | '>=' | '==';

/**
 * Whether `ours` compares to `reference` (the peer's figure from the same run, or a threshold) as
 * `cmp` says; null when either is missing (null, undefined or NaN).
 */
export function goal(ours: number | null | undefined, reference: number | null | undefined, cmp: Comparison): GoalResult {
  if (ours === null || ours === undefined || reference === null || reference === undefined) return null;
  if (Number.isNaN(ours) || Number.isNaN(reference)) return null;
  switch (cmp) {
    case '<':
      return ours < reference;
    case '<=':
      return ours <= reference;
    case '>':
      return ours > reference;
    case '>=':
      return ours >= reference;
    case '==':
      return ours === reference;
  }
}
