// Reads everything a report shows from the store, inside ONE read transaction (Store.snapshot), into a
// plain ReportData object: a running study is reported as of one instant and its runner is never
// blocked. Main thread; reads the store only; must not import the CLI, the DOM side or worker code.
import type { ResolvedStudy } from '../spec/study.js';
import { rankRows, trialRows, type LeaderboardRow, type TargetSummary } from '../study/leaderboard.js';
import type { Params } from '../spec/space.js';
import type { TrialTable } from '../selection/index.js';
import { loadTrialTable } from '../study/trial-table.js';
import type { Json, StudyRecord, TrialState } from '../spec/records.js';
import type { Store } from '../store/types.js';
import { decodeParams, studySpecOf } from '../study/decoders.js';

/** One unit as the report reads it: the numbers are null when a stored result lacks them. */
export interface ReportUnit {
  readonly target: string;
  readonly seed: number;
  /** The objective metric of the transfer model, its paired baseline's, and their difference. */
  readonly metric: number | null;
  readonly baseline: number | null;
  readonly gain: number | null;
  readonly epochs: number | null;
  readonly samples: number | null;
  readonly ms: number | null;
  readonly backend: string | null;
}

export interface ReportTrial {
  readonly number: number;
  readonly state: TrialState;
  readonly value: number | null;
  /** Multi-objective studies: the value per objective and the constraint violations (absent otherwise). */
  readonly values?: readonly number[];
  readonly constraints?: readonly number[];
  /** Recipe parameters (the source subset is in `sources`). */
  readonly params: Params;
  /** Every searched parameter as stored, the subset included (what importance is computed on). */
  readonly rawParams: Params;
  readonly sources: readonly string[];
  readonly targets: readonly TargetSummary[];
  readonly units: readonly ReportUnit[];
  /** Scheduler reports: [step, value], by step. */
  readonly intermediates: readonly (readonly [number, number])[];
  readonly backend: string | null;
  readonly attempts: number;
  readonly error: string | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

export interface ReportData {
  /** When the snapshot was taken (ms since the epoch). */
  readonly takenAt: number;
  readonly name: string;
  readonly direction: 'maximize' | 'minimize';
  readonly createdAt: number;
  /** The resolved study as stored at creation. */
  readonly spec: ResolvedStudy;
  /** Every trial, by number. */
  readonly trials: readonly ReportTrial[];
  /** COMPLETE trials, best first (src/search/leaderboard.ts). */
  readonly leaderboard: readonly LeaderboardRow[];
  /** What source attribution reads (src/selection), or why it could not be read. */
  readonly trialTable: TrialTable | { readonly error: string };
}

/** Reads the study's consistent snapshot. Throws nothing itself when the study is missing: null. */
export function collectReport(store: Store, name: string, now: () => number = Date.now): ReportData | null {
  return store.snapshot(() => {
    const record = store.getStudy(name);
    if (!record) return null;
    return collectStudy(store, record, now());
  });
}

function collectStudy(store: Store, record: StudyRecord, takenAt: number): ReportData {
  const spec = studySpecOf(record);
  const metric = spec.objective?.metric;
  const rows = trialRows(store, record);
  const records = store.getTrials(record.id);
  const unitsByTrial = new Map<number, ReportUnit[]>();
  for (const unit of store.getStudyUnits(record.id)) {
    const list = unitsByTrial.get(unit.trialId) ?? [];
    list.push(readUnit(unit.target, unit.seed, unit.result, metric));
    unitsByTrial.set(unit.trialId, list);
  }
  const trials = rows.map((row, i): ReportTrial => {
    const trial = records[i]!;
    // trialRows and getTrials both list the study's trials by number, in the same snapshot.
    if (trial.number !== row.number) throw new Error(`report: trial order differs at #${row.number}`);
    return {
      ...row,
      rawParams: decodeParams(trial.params, `study "${record.name}" trial #${trial.number}: its params`),
      units: unitsByTrial.get(trial.id) ?? [],
      intermediates: store.getIntermediates(trial.id).map((r) => [r.step, r.value] as const),
    };
  });
  return {
    takenAt,
    name: record.name,
    direction: record.direction,
    createdAt: record.createdAt,
    spec,
    trials,
    leaderboard: rankRows(rows, record.direction),
    trialTable: readTrialTable(store, record),
  };
}

function readTrialTable(store: Store, record: StudyRecord): TrialTable | { readonly error: string } {
  try {
    return loadTrialTable(store, record);
  } catch (error) {
    // Units stored by other code may lack the runner's fields; the rest of the report still stands.
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

// Units are JSON the runner chose to store (src/search/units.ts StoredUnit); anything written by
// other code through the library is read defensively instead of trusted.
function readUnit(target: string, seed: number, result: Json, metric: string | undefined): ReportUnit {
  const r = asObject(result);
  const cost = asObject(r?.['cost']);
  const pick = (o: Record<string, Json> | null, key: string | undefined) => (o && key ? finite(o[key]) : null);
  return {
    target,
    seed,
    metric: pick(asObject(r?.['metrics']), metric),
    baseline: pick(asObject(r?.['baseline']), metric),
    gain: pick(asObject(r?.['gain']), metric),
    epochs: finite(cost?.['epochs']),
    samples: finite(cost?.['samples']),
    ms: finite(cost?.['ms']),
    backend: typeof r?.['backend'] === 'string' ? r['backend'] : null,
  };
}

function asObject(value: Json | undefined): Record<string, Json> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, Json>) : null;
}

function finite(value: Json | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
