// Leaderboard and export rows of a stored study: best trials first, with per-target gains over the
// paired target-only baseline. Main thread; reads the store only.
import { mean } from '../metrics/aggregate.js';
import type { ObjectiveMetric } from '../spec/metrics.js';
import type { Store } from '../store/types.js';
import type { StudyRecord, TrialRecord, UnitRecord } from '../spec/records.js';
import { chosenSourceNames, recipeParams } from '../spec/space.js';
import type { Params } from '../spec/space.js';
import type { StoredUnit } from '../spec/units.js';
import { fmtRowCounts } from '../util/format.js';
import { decodeParams, decodeStoredUnit, studySpecOf } from './decoders.js';

export interface TargetSummary {
  readonly target: string;
  /** Mean over seeds of the objective metric. */
  readonly metric: number;
  /** Mean over seeds of the metric minus the paired baseline's. */
  readonly gain: number;
  readonly seeds: number;
  /** Mean over seeds of the metric on the target's test rows; null: the target has none. */
  readonly test: number | null;
  /** How many test rows the target holds out (the same rows for every unit of the study); null: none. */
  readonly testRows: number | null;
}

export interface TrialRow {
  readonly number: number;
  readonly state: TrialRecord['state'];
  readonly value: number | null;
  /** Multi-objective studies: the value per objective (COMPLETE trials); absent otherwise. */
  readonly values?: readonly number[];
  /** Multi-objective studies with constraints: each constraint's violation (<= 0: satisfied); absent otherwise. */
  readonly constraints?: readonly number[];
  readonly params: Params;
  readonly sources: readonly string[];
  readonly targets: readonly TargetSummary[];
  readonly backend: string | null;
  readonly attempts: number;
  readonly error: string | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

export interface LeaderboardRow extends TrialRow {
  readonly rank: number;
}

function summariseTargets(units: readonly UnitRecord[], metric: ObjectiveMetric): TargetSummary[] {
  const byTarget = new Map<string, StoredUnit[]>();
  for (const unit of units) {
    const list = byTarget.get(unit.target) ?? [];
    list.push(decodeStoredUnit(unit.result, `unit ${unit.target}/${unit.seed} of trial id ${unit.trialId}`));
    byTarget.set(unit.target, list);
  }
  return [...byTarget].map(([target, list]) => ({
    target,
    metric: mean(list.map((u) => u.metrics[metric])),
    gain: mean(list.map((u) => u.gain[metric])),
    seeds: list.length,
    test: list.every((u) => u.test !== undefined) ? mean(list.map((u) => u.test![metric])) : null,
    testRows: list[0]?.test === undefined ? null : list[0].test.confusion.flat().reduce((a, b) => a + b, 0),
  }));
}

/** `y80-82: 36 rows, y83: 12 rows`: how many rows each target's test figure rests on. */
export function testRowsText(rows: readonly Pick<TrialRow, 'targets'>[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) for (const t of row.targets) if (t.testRows !== null && !counts.has(t.target)) counts.set(t.target, t.testRows);
  return fmtRowCounts(counts);
}

/**
 * The objective's metric on the test rows, as a mean over every target and seed (never the
 * objective's aggregate: this figure is reported, not optimised); null unless every target has them.
 */
export function testValue(row: Pick<TrialRow, 'targets'>): number | null {
  if (row.targets.length === 0 || row.targets.some((t) => t.test === null)) return null;
  const seeds = row.targets.reduce((n, t) => n + t.seeds, 0);
  return row.targets.reduce((sum, t) => sum + (t.test as number) * t.seeds, 0) / seeds;
}

/** Every trial of the study in number order, with its per-target summaries. */
export function trialRows(store: Store, record: StudyRecord): TrialRow[] {
  const study = studySpecOf(record);
  const unitsByTrial = new Map<number, UnitRecord[]>();
  for (const unit of store.getStudyUnits(record.id)) {
    const list = unitsByTrial.get(unit.trialId) ?? [];
    list.push(unit);
    unitsByTrial.set(unit.trialId, list);
  }
  return store.getTrials(record.id).map((trial) => {
    const params = decodeParams(trial.params, `study "${record.name}" trial #${trial.number}: its params`);
    return {
      number: trial.number,
      state: trial.state,
      value: trial.value,
      // Only when stored, so single-objective exports keep their shape.
      ...(trial.values !== undefined ? { values: trial.values } : {}),
      ...(trial.constraints !== undefined ? { constraints: trial.constraints } : {}),
      params: recipeParams(params),
      sources: chosenSourceNames(params),
      targets: summariseTargets(unitsByTrial.get(trial.id) ?? [], study.objective.metric),
      backend: trial.backend,
      attempts: trial.attempts,
      error: trial.error,
      startedAt: trial.startedAt,
      finishedAt: trial.finishedAt,
    };
  });
}

/** COMPLETE trials, best first (ties: earlier trial first). */
export function leaderboard(store: Store, record: StudyRecord, top = Infinity): LeaderboardRow[] {
  return rankRows(trialRows(store, record), record.direction, top);
}

/** The leaderboard of rows already read (the report reads them once for all its sections). */
export function rankRows(rows: readonly TrialRow[], direction: 'maximize' | 'minimize', top = Infinity): LeaderboardRow[] {
  const sign = direction === 'maximize' ? -1 : 1;
  return rows
    .filter((row) => row.state === 'COMPLETE' && row.value !== null)
    .sort((a, b) => sign * (a.value! - b.value!) || a.number - b.number)
    .slice(0, top)
    .map((row, i) => ({ rank: i + 1, ...row }));
}

/** The best COMPLETE trial (ties: the first in the given order, i.e. the lower number). */
export function bestTrial(trials: readonly TrialRecord[], direction: 'maximize' | 'minimize'): TrialRecord | null {
  let best: TrialRecord | null = null;
  for (const trial of trials) {
    if (trial.state !== 'COMPLETE' || trial.value === null) continue;
    if (!best || (direction === 'maximize' ? trial.value > best.value! : trial.value < best.value!)) best = trial;
  }
  return best;
}
