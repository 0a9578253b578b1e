// Public names of the metrics module: classification metrics and robust aggregates.
// Pure functions; runs on both threads. Must not import tfjs, the store or the CLI.
export type { ClassificationMetrics, ObjectiveMetric } from '../spec/metrics.js';
export { OBJECTIVE_METRICS } from '../spec/metrics.js';
export { classificationMetrics, confusionMatrix } from './classification.js';
export { AGGREGATE_KINDS, type AggregateKind, type Direction } from '../spec/metrics.js';
export { aggregate, cvar, mean, meanMinusStd, median, sampleStd, type AggregateParams } from './aggregate.js';
export { hypervolume } from './hypervolume.js';
export { dominates, nondominatedRanks, paretoFront } from './pareto.js';
export { signedRankTest, type Alternative } from './wilcoxon.js';
