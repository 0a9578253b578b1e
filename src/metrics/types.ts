// Metric result types; computed in workers, stored and aggregated on the main thread.

export interface ClassificationMetrics {
  readonly accuracy: number;
  readonly macro_f1: number;
  readonly macro_recall: number;
  /** confusion[trueClass][predictedClass] = count. */
  readonly confusion: number[][];
}

/** Names of the scalar metrics an objective may use. */
export const OBJECTIVE_METRICS = ['accuracy', 'macro_f1', 'macro_recall'] as const;
export type ObjectiveMetric = (typeof OBJECTIVE_METRICS)[number];
