// The `objective:` key (one mapping, or a list of them: a multi-objective study) and `constraints:`:
// their JSON Schema, the cross-field checks JSON Schema cannot express, and resolution. Main thread.
// Must not import tfjs, the worker or the store.
import { DEFAULT_ALPHA, DEFAULT_LAMBDA } from '../metrics/aggregate.js';
import { COST_METRICS, OBJECTIVE_METRICS, type TermMetric } from '../spec/metrics.js';
import { AGGREGATES, OBJECTIVE_ON, type Constraint, type Objective, type ObjectiveTerm } from '../spec/study.js';
import type { ConfigIssue, RawObjective, RawObjectiveTerm, StudyConfig } from './study-config.js';

/** At most this many objectives: the hypervolume and the sampler's split grow fast with more. */
export const MAX_OBJECTIVES = 4;

const AGGREGATE = {
  type: 'string',
  enum: [...AGGREGATES],
  description:
    "How a trial's units (target x seed) combine (default mean): mean, median, worst (the worst unit), cvar (mean of the worst `alpha` fraction), mean_minus_std (mean - lambda x std).",
} as const;
const ON = {
  type: 'string',
  enum: [...OBJECTIVE_ON],
  description:
    'Aggregate the metric itself, or its gain over the target-only baseline with the same recipe, target and seed (default metric).',
} as const;
const ALPHA = {
  type: 'number',
  exclusiveMinimum: 0,
  maximum: 1,
  description: 'cvar only: the fraction of the worst units averaged, in (0, 1] (default 0.25).',
} as const;
const LAMBDA = {
  type: 'number',
  minimum: 0,
  description: 'mean_minus_std only: weight of the standard deviation across units, >= 0 (default 1).',
} as const;
const DIRECTION = { type: 'string', enum: ['maximize', 'minimize'], description: 'Default maximize.' } as const;
const TERM_METRIC = {
  type: 'string',
  enum: [...OBJECTIVE_METRICS, ...COST_METRICS],
  description:
    'A metric on the validation rows (accuracy, macro_f1, macro_recall) or a figure of the trained model: bytes (weight storage; int8 quantisation shrinks it), params, nonzeros (weights left after pruning), train_ms (training time per unit), fgsm_accuracy (when the recipe sets or searches fgsm_epsilon).',
} as const;

export const OBJECTIVE_SCHEMA = {
  description:
    "What a trial's value is: one mapping { metric, direction, aggregate, on, alpha, lambda }, or a list of 2 to 4 of them (a multi-objective study: the first is a classification metric; the others may also be bytes, params, nonzeros, train_ms or fgsm_accuracy).",
  anyOf: [
    {
      type: 'object',
      additionalProperties: false,
      properties: {
        metric: { type: 'string', enum: [...OBJECTIVE_METRICS], description: 'Metric on the validation rows (default accuracy).' },
        direction: DIRECTION,
        aggregate: AGGREGATE,
        on: ON,
        alpha: ALPHA,
        lambda: LAMBDA,
      },
    },
    {
      type: 'array',
      minItems: 2,
      maxItems: MAX_OBJECTIVES,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['metric'],
        properties: {
          metric: TERM_METRIC,
          direction: {
            type: 'string',
            enum: ['maximize', 'minimize'],
            description: 'Default: maximize for accuracy, macro_f1, macro_recall and fgsm_accuracy; minimize for bytes, params, nonzeros and train_ms.',
          },
          aggregate: AGGREGATE,
          on: ON,
          alpha: ALPHA,
          lambda: LAMBDA,
        },
      },
    },
  ],
} as const;

export const CONSTRAINTS_SCHEMA = {
  type: 'array',
  minItems: 1,
  description:
    "Multi-objective studies: bounds on the mean over a trial's units of a metric or figure, e.g. [{ metric: bytes, max: 20000 }]. A trial that breaks one ranks after every trial that keeps them all (feasible first).",
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['metric'],
    properties: {
      metric: TERM_METRIC,
      max: { type: 'number', description: 'The mean must be at most this.' },
      min: { type: 'number', description: 'The mean must be at least this.' },
    },
  },
} as const;

const MINIMIZED: readonly TermMetric[] = ['bytes', 'params', 'nonzeros', 'train_ms'];
const isClassification = (metric: TermMetric): boolean => (OBJECTIVE_METRICS as readonly string[]).includes(metric);

/** Whether the study can report fgsm_accuracy: its recipe sets fgsm_epsilon > 0 or its space searches it. */
function hasFgsm(study: StudyConfig): boolean {
  const epsilon = (study.recipe as { fgsm_epsilon?: number } | undefined)?.fgsm_epsilon;
  return (epsilon !== undefined && epsilon > 0) || (study.space ?? {})['fgsm_epsilon'] !== undefined;
}

/**
 * The first problem of the objectives and constraints that the schema cannot see: a list's first
 * entry must be a classification metric (leaderboard, report and early stopping rank by it), `on:
 * gain` needs a classification metric, alpha and lambda their aggregate, fgsm_accuracy an attack, no
 * objective twice, constraints and several objectives together, and neither gp nor a scheduler.
 */
export function objectivesIssue(study: StudyConfig): ConfigIssue | null {
  const raw = study.objective;
  if (!Array.isArray(raw)) {
    const single = aggregateIssue(raw ?? {}, ['objective']);
    if (single !== null) return single;
    if (study.constraints !== undefined) {
      return { path: ['constraints'], message: 'only used with several objectives (objective: a list of 2 to 4 mappings)', at: 'key' };
    }
    return null;
  }
  const seen = new Map<string, number>();
  for (const [i, term] of raw.entries()) {
    const path = ['objective', i];
    if (i === 0 && !isClassification(term.metric)) {
      return {
        path: [...path, 'metric'],
        message: `the first objective must be ${OBJECTIVE_METRICS.join(', ')} (got ${term.metric}): leaderboards, the report and early stopping rank by it; list ${term.metric} second`,
      };
    }
    if (term.on === 'gain' && !isClassification(term.metric)) {
      return { path: [...path, 'on'], message: `gain needs a classification metric (${term.metric} has no target-only baseline to gain over)` };
    }
    const agg = aggregateIssue(term, path);
    if (agg !== null) return agg;
    if (term.metric === 'fgsm_accuracy' && !hasFgsm(study)) {
      return { path: [...path, 'metric'], message: 'fgsm_accuracy needs recipe.fgsm_epsilon > 0 or fgsm_epsilon in space (no unit reports it otherwise)' };
    }
    const key = `${term.metric}:${term.on ?? 'metric'}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) return { path: [...path, 'metric'], message: `repeats objective ${earlier} (${term.metric})` };
    seen.set(key, i);
  }
  for (const [i, c] of (study.constraints ?? []).entries()) {
    if (c.max === undefined && c.min === undefined) return { path: ['constraints', i], message: 'needs max or min (or both)' };
    if (c.max !== undefined && c.min !== undefined && c.min > c.max) {
      return { path: ['constraints', i, 'min'], message: `must be <= max (${c.max}) (got ${c.min}): no trial could satisfy it` };
    }
    if (c.metric === 'fgsm_accuracy' && !hasFgsm(study)) {
      return { path: ['constraints', i, 'metric'], message: 'fgsm_accuracy needs recipe.fgsm_epsilon > 0 or fgsm_epsilon in space (no unit reports it otherwise)' };
    }
  }
  const sampler = typeof study.sampler === 'string' ? study.sampler : study.sampler?.kind;
  if (sampler === 'gp') {
    return {
      path: typeof study.sampler === 'string' ? ['sampler'] : ['sampler', 'kind'],
      message: 'gp is single-objective; with several objectives use bayes (a multi-objective TPE) or random',
    };
  }
  const scheduler = typeof study.scheduler === 'string' ? study.scheduler : study.scheduler?.kind;
  if (scheduler !== undefined && scheduler !== 'none') {
    return {
      path: typeof study.scheduler === 'string' ? ['scheduler'] : ['scheduler', 'kind'],
      message: `${scheduler} cannot be combined with several objectives: a rung value is one metric, and a stopped trial has no value for the others`,
    };
  }
  return null;
}

/** `alpha` and `lambda` belong to one aggregate each: elsewhere they would be silently ignored. */
function aggregateIssue(o: RawObjective | RawObjectiveTerm, path: readonly (string | number)[]): ConfigIssue | null {
  const aggregate = o.aggregate ?? 'mean';
  if (o.alpha !== undefined && aggregate !== 'cvar') {
    return { path: [...path, 'alpha'], message: `only used with aggregate: cvar (aggregate is ${aggregate})` };
  }
  if (o.lambda !== undefined && aggregate !== 'mean_minus_std') {
    return { path: [...path, 'lambda'], message: `only used with aggregate: mean_minus_std (aggregate is ${aggregate})` };
  }
  return null;
}

/**
 * Defaults are written out except `on: metric`, which is left out so that a study stored before
 * `on` existed keeps the same spec; `alpha` / `lambda` appear only with the aggregate that uses them.
 */
function resolveTerm<T extends RawObjective | RawObjectiveTerm>(o: T, metric: T['metric'] & string, direction: 'maximize' | 'minimize') {
  const aggregate = o.aggregate ?? 'mean';
  return {
    metric,
    direction: o.direction ?? direction,
    aggregate,
    ...(o.on === 'gain' ? { on: 'gain' as const } : {}),
    ...(aggregate === 'cvar' ? { alpha: o.alpha ?? DEFAULT_ALPHA } : {}),
    ...(aggregate === 'mean_minus_std' ? { lambda: o.lambda ?? DEFAULT_LAMBDA } : {}),
  };
}

/**
 * The study's objective, and for a list its objectives and constraints. `objective` is the first of
 * the list (validated to be a classification metric), so every single-valued view keeps working;
 * `objectives` and `constraints` are left out of single-objective studies, whose stored spec stays
 * as it was.
 */
export function resolveObjectives(raw: StudyConfig): {
  readonly objective: Objective;
  readonly objectives?: readonly ObjectiveTerm[];
  readonly constraints?: readonly Constraint[];
} {
  const o = raw.objective;
  if (!Array.isArray(o)) return { objective: resolveTerm(o ?? {}, o?.metric ?? 'accuracy', 'maximize') };
  const objectives: ObjectiveTerm[] = o.map((term) => resolveTerm(term, term.metric, MINIMIZED.includes(term.metric) ? 'minimize' : 'maximize'));
  const first = objectives[0]!;
  if (!isClassification(first.metric)) throw new RangeError(`the first objective must be a classification metric (got ${first.metric})`);
  const objective: Objective = { ...first, metric: OBJECTIVE_METRICS.find((m) => m === first.metric)! };
  const constraints: Constraint[] = (raw.constraints ?? []).map((c) => ({
    metric: c.metric,
    ...(c.max !== undefined ? { max: c.max } : {}),
    ...(c.min !== undefined ? { min: c.min } : {}),
  }));
  return { objective, objectives, ...(constraints.length > 0 ? { constraints } : {}) };
}
