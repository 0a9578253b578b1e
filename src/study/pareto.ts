// The Pareto view of a multi-objective study: its non-dominated COMPLETE trials (feasible ones only,
// when it has constraints) and the hypervolume they dominate as trials come in. Main thread; pure
// given the trial rows (src/study/leaderboard.ts).
import { hypervolume } from '../metrics/hypervolume.js';
import { paretoFront } from '../metrics/pareto.js';
import type { TrialRecord } from '../spec/records.js';
import type { ResolvedStudy } from '../spec/study.js';
import type { TrialRow } from './leaderboard.js';

export interface ParetoView {
  /** The non-dominated trials, by the first objective (best first; ties: lower number). */
  readonly front: readonly TrialRow[];
  /** COMPLETE trials with a value per objective. */
  readonly complete: number;
  /** Of those, the ones that satisfy every constraint. */
  readonly feasible: number;
}

/** Whether a row satisfies every constraint (violations <= 0; a study without constraints: always). */
export function isFeasible(row: Pick<TrialRow, 'constraints'>): boolean {
  return (row.constraints ?? []).every((c) => c <= 0);
}

/** A row's objective values as losses (every objective minimised: maximised ones negated). */
function losses(study: Pick<ResolvedStudy, 'objectives'>, row: Pick<TrialRow, 'values'>): number[] {
  const objectives = study.objectives ?? [];
  return row.values!.map((v, k) => (objectives[k]?.direction === 'maximize' ? -v : v));
}

function scored(study: ResolvedStudy, rows: readonly TrialRow[]): TrialRow[] {
  const n = study.objectives?.length ?? 0;
  return rows.filter((r) => r.state === 'COMPLETE' && r.values !== undefined && r.values.length === n);
}

export function paretoView(study: ResolvedStudy, rows: readonly TrialRow[]): ParetoView {
  const complete = scored(study, rows);
  const feasible = complete.filter(isFeasible);
  const front = paretoFront(feasible.map((r) => losses(study, r))).map((i) => feasible[i]!);
  const sign = study.objective.direction === 'maximize' ? -1 : 1;
  front.sort((a, b) => sign * (a.values![0]! - b.values![0]!) || a.number - b.number);
  return { front, complete: complete.length, feasible: feasible.length };
}

/**
 * The ids of the trials on the Pareto front among `trials` (COMPLETE, a value per objective,
 * feasible): what `artifacts: best` keeps the models of in a multi-objective study. Monotone, as
 * the store requires: a dominated or infeasible trial stays so whatever trials are added.
 */
export function paretoTrialIds(study: Pick<ResolvedStudy, 'objectives'>, trials: readonly TrialRecord[]): number[] {
  const n = study.objectives?.length ?? 0;
  const feasible = trials.filter((t) => t.state === 'COMPLETE' && t.values !== undefined && t.values.length === n && isFeasible(t));
  return paretoFront(feasible.map((t) => losses(study, t))).map((i) => feasible[i]!.id);
}

export interface HypervolumePoint {
  /** Trial number after which the value holds. */
  readonly trial: number;
  readonly hypervolume: number;
}

/**
 * The hypervolume of the feasible COMPLETE trials finished up to each trial number, against one
 * reference point for the whole curve: per objective the worst loss any of them reached, pushed out
 * by a tenth of the objective's range (so the worst trials still count). Null when fewer than two
 * such trials exist. The figure is in the objectives' own units; only its rise is meaningful.
 */
export function hypervolumeCurve(study: ResolvedStudy, rows: readonly TrialRow[]): { reference: number[]; points: HypervolumePoint[] } | null {
  const feasible = scored(study, rows).filter(isFeasible).sort((a, b) => a.number - b.number);
  if (feasible.length < 2) return null;
  const all = feasible.map((r) => losses(study, r));
  const reference = all[0]!.map((_, k) => {
    const column = all.map((p) => p[k]!);
    const worst = Math.max(...column);
    const range = worst - Math.min(...column);
    return worst + (range > 0 ? 0.1 * range : Math.max(1e-9, Math.abs(worst) * 0.1));
  });
  const points: HypervolumePoint[] = [];
  for (let i = 0; i < all.length; i++) points.push({ trial: feasible[i]!.number, hypervolume: hypervolume(all.slice(0, i + 1), reference) });
  return { reference, points };
}
