// Trials re-ranked by another aggregate of their per-unit values (`tasksieve leaderboard --by`), on
// hand-made trial tables: the order follows `by` and the direction, ties go to the earlier trial, and
// the study objective's own value rides along.
import { describe, expect, test } from 'vitest';
import { rerankTrials } from '../../src/selection/rerank.js';
import type { TrialRow, TrialTable } from '../../src/selection/trial-table.js';
import { OBJECTIVE } from './tables.js';

function trial(number: number, values: readonly number[], sources: readonly string[] = ['a']): TrialRow {
  return { number, sources, recipe: { learning_rate: 0.01 * (number + 1) }, units: values.map((value, seedIndex) => ({ target: 't', seedIndex, value, gain: value })) };
}

function tableOf(trials: readonly TrialRow[], objective = OBJECTIVE): TrialTable {
  return { sources: ['a', 'b'], targets: ['t'], objective, trials };
}

describe('rerankTrials', () => {
  // Trial 0 is steady, trial 1 has the best mean and a bad unit, trial 2 is between.
  const data = tableOf([trial(0, [0.5, 0.5, 0.5]), trial(1, [0.9, 0.9, 0.0]), trial(2, [0.6, 0.6, 0.45], ['a', 'b'])]);

  test('by worst puts the steady trial first; by mean the one with the best average', () => {
    expect(rerankTrials(data, 'worst').map((r) => r.number)).toEqual([0, 2, 1]);
    expect(rerankTrials(data, 'mean').map((r) => r.number)).toEqual([1, 2, 0]);
  });

  test('each row: its rank, the `by` score, the objective value, its units, sources and recipe', () => {
    const [first] = rerankTrials(data, 'worst');
    expect(first).toEqual({ rank: 1, number: 0, score: 0.5, value: 0.5, units: 3, sources: ['a'], params: { learning_rate: 0.01 } });
    const byWorst = rerankTrials(data, 'worst');
    expect(byWorst.find((r) => r.number === 1)).toMatchObject({ rank: 3, score: 0, value: 0.6 });
  });

  test('minimising: the lowest score first, and worst is the highest unit', () => {
    const min = tableOf(data.trials, { ...OBJECTIVE, direction: 'minimize' });
    expect(rerankTrials(min, 'mean').map((r) => r.number)).toEqual([0, 2, 1]);
    expect(rerankTrials(min, 'worst').map((r) => [r.number, r.score])).toEqual([[0, 0.5], [2, 0.6], [1, 0.9]]);
  });

  test('ties go to the earlier trial; an empty table ranks nothing', () => {
    const tied = tableOf([trial(3, [0.4]), trial(1, [0.4]), trial(2, [0.4])]);
    expect(rerankTrials(tied, 'median').map((r) => [r.rank, r.number])).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(rerankTrials(tableOf([]), 'mean')).toEqual([]);
  });
});
