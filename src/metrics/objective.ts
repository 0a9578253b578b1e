// A trial's objective value from its stored units: per unit the metric or its gain over the paired
// target-only baseline, aggregated over targets and seeds (mean, median, worst, cvar, mean_minus_std).
// Main thread; pure. Must not import the store, tfjs or the worker.
import type { Aggregate, Objective, ObjectiveOn } from '../spec/study.js';
import { aggregate } from './aggregate.js';
import type { ClassificationMetrics, ObjectiveMetric } from '../spec/metrics.js';

/** The parts of a stored unit an objective reads. */
export interface ScoredUnit {
  readonly metrics: Pick<ClassificationMetrics, ObjectiveMetric>;
  readonly gain: Readonly<Record<ObjectiveMetric, number>>;
}

export function objectiveOn(objective: Objective): ObjectiveOn {
  return objective.on ?? 'metric';
}

/** The per-unit value the objective aggregates. */
export function unitValue(objective: Objective, unit: ScoredUnit): number {
  return objectiveOn(objective) === 'gain' ? unit.gain[objective.metric] : unit.metrics[objective.metric];
}

/** The objective value of a set of units, optionally with another aggregate (re-ranking). */
export function objectiveValue(objective: Objective, units: readonly ScoredUnit[], by: Aggregate = objective.aggregate): number {
  const values = units.map((u) => unitValue(objective, u));
  return aggregate(values, by, objective.direction, { alpha: objective.alpha, lambda: objective.lambda });
}

/** A short description for headers: `cvar(alpha=0.25) of accuracy gain`. */
export function describeObjective(objective: Objective, by: Aggregate = objective.aggregate): string {
  const param =
    by === 'cvar' ? `(alpha=${objective.alpha ?? 0.25})` : by === 'mean_minus_std' ? `(lambda=${objective.lambda ?? 1})` : '';
  return `${by}${param} of ${objective.metric}${objectiveOn(objective) === 'gain' ? ' gain' : ''}`;
}
