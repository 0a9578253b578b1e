// A trial's objective value from its stored units: per unit the metric or its gain over the paired
// target-only baseline, aggregated over targets and seeds (mean, median, worst, cvar, mean_minus_std).
// Main thread; pure. Must not import the store, tfjs or the worker.
import type { Aggregate, Constraint, Objective, ObjectiveOn, ObjectiveTerm } from '../spec/study.js';
import { aggregate, mean } from './aggregate.js';
import type { ClassificationMetrics, ObjectiveMetric, TermMetric } from '../spec/metrics.js';

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

/** The parts of a stored unit the objectives and constraints of a multi-objective study read. */
export interface CostedUnit extends ScoredUnit {
  readonly cost: { readonly ms: number };
  readonly extra?: Readonly<Record<string, number | null>>;
}

/**
 * A unit's value of one term (objective or constraint metric): a classification metric (or its
 * gain), a model-size figure from its extra figures, or its training time. NaN when the unit lacks
 * the figure (a study file is refused before that can happen: src/config/objectives.ts).
 */
export function termUnitValue(term: { readonly metric: TermMetric; readonly on?: ObjectiveOn }, unit: CostedUnit): number {
  const metric = term.metric;
  if (metric === 'train_ms') return unit.cost.ms;
  if (metric === 'bytes' || metric === 'params' || metric === 'nonzeros' || metric === 'fgsm_accuracy') return unit.extra?.[metric] ?? Number.NaN;
  return term.on === 'gain' ? unit.gain[metric] : unit.metrics[metric];
}

/** One objective of a multi-objective study over a trial's units. */
export function termValue(term: ObjectiveTerm, units: readonly CostedUnit[]): number {
  const values = units.map((u) => termUnitValue(term, u));
  return aggregate(values, term.aggregate, term.direction, { alpha: term.alpha, lambda: term.lambda });
}

/**
 * How far a trial is off a constraint, Optuna's convention (<= 0: satisfied): the mean over its units
 * minus `max`, or `min` minus the mean; the larger of the two when both bounds are set.
 */
export function constraintViolation(constraint: Constraint, units: readonly CostedUnit[]): number {
  const values = units.map((u) => termUnitValue(constraint, u));
  const m = mean(values);
  const over = constraint.max !== undefined ? m - constraint.max : -Infinity;
  const under = constraint.min !== undefined ? constraint.min - m : -Infinity;
  return Math.max(over, under);
}

/** `accuracy (maximize, mean)` per objective, for headers. */
export function describeTerm(term: ObjectiveTerm): string {
  const param = term.aggregate === 'cvar' ? `(alpha=${term.alpha ?? 0.25})` : term.aggregate === 'mean_minus_std' ? `(lambda=${term.lambda ?? 1})` : '';
  return `${term.aggregate}${param} ${term.metric}${term.on === 'gain' ? ' gain' : ''} (${term.direction})`;
}
