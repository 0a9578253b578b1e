// Metric result types; computed in workers, stored and aggregated on the main thread.

export interface ClassificationMetrics {
  readonly accuracy: number;
  readonly macro_f1: number;
  readonly macro_recall: number;
  /** confusion[trueClass][predictedClass] = count. */
  readonly confusion: number[][];
}

/**
 * Optional figures of a trained model beyond the classification metrics, by name (README
 * "Strategies"): always `params`, `nonzeros`, `bytes`; `fgsm_accuracy` when the recipe sets
 * fgsm_epsilon; `uncompressed_accuracy` when it prunes or quantises; strategy-specific ones
 * (`teacher_accuracy`, `pseudo_labelled`, `task_weight_0`, …). Plain numbers: JSON-safe.
 */
export type ExtraMetrics = Readonly<Record<string, number>>;

/** Names of the scalar metrics an objective may use. */
export const OBJECTIVE_METRICS = ['accuracy', 'macro_f1', 'macro_recall'] as const;
export type ObjectiveMetric = (typeof OBJECTIVE_METRICS)[number];
