// A trial's units (target x seed), the stored form of their results, and the paired target-only
// baseline they are compared with. Main thread; pure apart from hashing.
import { createHash } from 'node:crypto';
import type { Recipe } from '../spec/recipe.js';
import type { ModelSpec, ResolvedStudy } from '../spec/study.js';
import type { SourceSpec, TargetSpec, TaskSpec } from '../spec/tasks.js';
import { OBJECTIVE_METRICS, type ClassificationMetrics, type ObjectiveMetric } from '../spec/metrics.js';
import type { Json } from '../spec/records.js';
import type { EvaluatedModel, StoredUnit, TrialUnit, UnitResult } from '../spec/units.js';
import { unitSeed } from '../util/seeds.js';

export interface UnitPlan {
  readonly target: TargetSpec;
  /** 0-based seed index: units of different trials with the same index are paired. */
  readonly seedIndex: number;
  readonly unit: TrialUnit;
  readonly baselineKey: string;
}

/**
 * Baseline results are shared by every trial with the same recipe, model, target and seed. The model
 * is hashed in only when a trial's architecture differs from the study's, so keys of studies without
 * architecture parameters stay as they were.
 */
export function baselineKey(recipe: Recipe, target: string, seedIndex: number, model: ModelSpec | null = null): string {
  const digest = createHash('sha256').update(JSON.stringify(model === null ? recipe : { recipe, model })).digest('hex').slice(0, 16);
  return `${digest}:${target}:${seedIndex}`;
}

export function planUnits(
  study: ResolvedStudy,
  trialNumber: number,
  recipe: Recipe,
  sources: readonly SourceSpec[],
  rungs: readonly number[] = [],
  model: ModelSpec = study.model,
): UnitPlan[] {
  const plans: UnitPlan[] = [];
  const ownModel = model === study.model || JSON.stringify(model) === JSON.stringify(study.model);
  for (const target of study.targets) {
    for (let seedIndex = 0; seedIndex < study.budget.seeds; seedIndex++) {
      plans.push({
        target,
        seedIndex,
        baselineKey: baselineKey(recipe, target.name, seedIndex, ownModel ? null : model),
        unit: {
          trialNumber,
          target,
          sources,
          model,
          recipe,
          seed: unitSeed(study.seed, seedIndex),
          withBaseline: false,
          // Left out without a scheduler, so units (and what is hashed or stored of them) stay as before.
          ...(rungs.length > 0 ? { rungs } : {}),
        },
      });
    }
  }
  return plans;
}

export function gainOf(metrics: ClassificationMetrics, baseline: ClassificationMetrics): Record<ObjectiveMetric, number> {
  const gain = {} as Record<ObjectiveMetric, number>;
  for (const name of OBJECTIVE_METRICS) gain[name] = metrics[name] - baseline[name];
  return gain;
}

/** Combines a worker's result with the (cached or fresh) baseline into what the store keeps. */
export function storedUnit(plan: UnitPlan, result: UnitResult, cachedBaseline: EvaluatedModel | null): StoredUnit {
  const baseline =
    plan.unit.sources.length === 0
      ? result.transfer
      : result.stoppedAt !== null
        ? result.baseline // as short as the stopped unit; never the cached full-length one
        : (result.baseline ?? cachedBaseline);
  if (!baseline) throw new Error(`unit ${plan.target.name}/${plan.seedIndex} has no baseline`);
  return {
    seedIndex: plan.seedIndex,
    seed: plan.unit.seed,
    metrics: result.transfer.metrics,
    cost: result.transfer.cost,
    baseline: baseline.metrics,
    gain: gainOf(result.transfer.metrics, baseline.metrics),
    backend: result.backend,
    workerMs: result.workerMs,
    rungs: result.rungs,
    stoppedAt: result.stoppedAt,
    ...(result.transfer.extra ? { extra: result.transfer.extra } : {}),
    ...(result.transfer.test ? { test: result.transfer.test } : {}),
    ...(baseline.test ? { baselineTest: baseline.test } : {}),
    ...(result.transfer.preprocessing ? { preprocessing: result.transfer.preprocessing } : {}),
  };
}

export function asJson(value: unknown): Json {
  return value as Json;
}
