// A trial's value at a scheduler rung, from the metrics its units reached there: the objective's
// aggregate when all units are in, and, while some are missing, the best value the trial could still
// reach there. Main thread; pure. Must not import the store, tfjs or the worker.
import type { ResolvedStudy } from '../spec/study.js';
import type { Aggregate } from '../spec/study.js';
import type { ClassificationMetrics } from '../spec/metrics.js';
import { objectiveValue } from '../metrics/objective.js';

/**
 * The objective's aggregate of the units' metrics at a rung. A study with a scheduler has
 * `on: metric` (src/config/scheduler.ts): no unit's gain is known at a rung.
 */
export function rungValue(study: ResolvedStudy, metrics: readonly ClassificationMetrics[]): number {
  return objectiveValue({ ...study.objective, on: 'metric' }, metrics.map((m) => ({ metrics: m, gain: m })));
}

/** Aggregates that can only get better when one unit's value does: bounds hold for them. */
const MONOTONE: ReadonlySet<Aggregate> = new Set(['mean', 'median', 'worst', 'cvar']);

/**
 * The best value the trial can still have at the rung when only `reached` of its `unitCount` units
 * got there: the missing units counted at the metric's best (1 when maximising, 0 when minimising;
 * every objective metric is in [0, 1]). A trial whose bound is already outside the top 1/eta would be
 * stopped whatever its missing units report, so stopping it now never loses a trial the full rule
 * keeps. Null when the aggregate is not monotone (mean_minus_std), so no bound holds.
 */
export function rungBound(study: ResolvedStudy, reached: readonly ClassificationMetrics[], unitCount: number): number | null {
  if (!MONOTONE.has(study.objective.aggregate) || reached.length === 0) return null;
  const best = study.objective.direction === 'maximize' ? 1 : 0;
  const metric = study.objective.metric;
  const missing = Array.from({ length: unitCount - reached.length }, () => ({ ...reached[0]!, [metric]: best }));
  return rungValue(study, [...reached, ...missing]);
}
