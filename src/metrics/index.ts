// Public names of the metrics module: classification metrics and robust aggregates.
// Pure functions; runs on both threads. Must not import tfjs, the store or the CLI.
export type { ClassificationMetrics, ObjectiveMetric } from './types.js';
export { OBJECTIVE_METRICS } from './types.js';
export { classificationMetrics, confusionMatrix } from './classification.js';
export {
  AGGREGATE_KINDS,
  aggregate,
  cvar,
  mean,
  meanMinusStd,
  median,
  sampleStd,
  type AggregateKind,
  type AggregateParams,
  type Direction,
} from './aggregate.js';
