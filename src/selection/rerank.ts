// Trials re-ranked by another aggregate of the same per-unit values than the study objective's (the
// worst unit, the median, …): `tasksieve leaderboard --by`. Main thread; pure given a trial table.
import { aggregate } from '../metrics/aggregate.js';
import type { Aggregate } from '../spec/study.js';
import type { TrialTable } from './trial-table.js';

export interface RerankedTrial {
  readonly rank: number;
  readonly number: number;
  /** The `by` aggregate of the trial's per-unit values. */
  readonly score: number;
  /** The study objective's own aggregate of the same values. */
  readonly value: number;
  readonly units: number;
  readonly sources: readonly string[];
  readonly params: TrialTable['trials'][number]['recipe'];
}

/** The table's trials ranked by `by` of their per-unit values, best first (ties: earlier trial first). */
export function rerankTrials(table: TrialTable, by: Aggregate): RerankedTrial[] {
  const { objective } = table;
  const params = { alpha: objective.alpha, lambda: objective.lambda };
  const sign = objective.direction === 'maximize' ? -1 : 1;
  return table.trials
    .map((t) => {
      const values = t.units.map((u) => u.value);
      return {
        number: t.number,
        score: aggregate(values, by, objective.direction, params),
        value: aggregate(values, objective.aggregate, objective.direction, params),
        units: t.units.length,
        sources: t.sources,
        params: t.recipe,
      };
    })
    .sort((a, b) => sign * (a.score - b.score) || a.number - b.number)
    .map((r, i) => ({ rank: i + 1, ...r }));
}
