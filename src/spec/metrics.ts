// Metric result types and the names of metrics and aggregates: computed in workers, stored and
// aggregated on the main thread. Part of src/spec: types and constant lists only.

export interface ClassificationMetrics {
  readonly accuracy: number;
  readonly macro_f1: number;
  readonly macro_recall: number;
  /** confusion[trueClass][predictedClass] = count. */
  readonly confusion: number[][];
}

/**
 * Optional figures of a trained model beyond the classification metrics, by name (docs/strategies.md,
 * "Extra figures"): always `params`, `nonzeros`, `bytes`; `fgsm_accuracy` when the recipe sets
 * fgsm_epsilon (and `pgd_accuracy` with pgd_steps); `uncompressed_accuracy` when it prunes or quantises; strategy-specific ones
 * (`teacher_accuracy`, `pseudo_labelled`, `task_weight_0`, …). A figure that is NaN (fgsm_accuracy of
 * no rows) is null once stored: JSON has no NaN.
 */
export type ExtraMetrics = Readonly<Record<string, number | null>>;

/** Names of the scalar metrics an objective may use. */
export const OBJECTIVE_METRICS = ['accuracy', 'macro_f1', 'macro_recall'] as const;
export type ObjectiveMetric = (typeof OBJECTIVE_METRICS)[number];

/**
 * Figures of a trained model an objective of a multi-objective study may use besides the
 * classification metrics (they have no paired-baseline gain): `bytes` (storage of the weights:
 * smaller with int8 quantisation), `params`, `nonzeros` (weights left after pruning), `train_ms`
 * (the unit's training time) and `fgsm_accuracy` (when the recipe sets fgsm_epsilon). Read per unit
 * from its extra figures and cost (src/metrics/objective.ts).
 */
export const COST_METRICS = ['bytes', 'params', 'nonzeros', 'train_ms', 'fgsm_accuracy'] as const;
export type CostMetric = (typeof COST_METRICS)[number];
/** What one objective of a multi-objective study, or a constraint, reads per unit. */
export type TermMetric = ObjectiveMetric | CostMetric;

/** The robust aggregates of per-unit values (src/metrics/aggregate.ts). */
export const AGGREGATE_KINDS = ['mean', 'median', 'worst', 'cvar', 'mean_minus_std'] as const;
export type AggregateKind = (typeof AGGREGATE_KINDS)[number];
export type Direction = 'maximize' | 'minimize';
