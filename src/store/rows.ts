// From a database row to a Store record: one mapping of column names to fields for every backend, so
// a new column is added in one place. Main thread only; no driver imports.
//
// Cells are coerced rather than trusted: PostgreSQL returns bigint columns as strings, SQLite returns
// numbers (Number() leaves those as they are). How a JSON column arrives differs by driver (text in
// SQLite, already parsed jsonb in PostgreSQL), so each backend passes its own `json` decoder.
import type { ArtifactInfo, ArtifactRecord, BaselineRecord, IntermediateRecord, Json, ScreenRecord, StudyIntermediateRecord, StudyRecord, TrialRecord, TrialState, UnitRecord } from '../spec/records.js';

export type Row = Readonly<Record<string, unknown>>;

/** Turns one JSON column's cell into its value. */
export type JsonCell = (cell: unknown) => Json;

export interface RowDecoders {
  readonly study: (row: Row) => StudyRecord;
  readonly trial: (row: Row) => TrialRecord;
  readonly unit: (row: Row) => UnitRecord;
  readonly intermediate: (row: Row) => IntermediateRecord;
  /** An intermediates row joined with its trial's `number` and `state`. */
  readonly studyIntermediate: (row: Row) => StudyIntermediateRecord;
  readonly baseline: (row: Row) => BaselineRecord;
  readonly screen: (row: Row) => ScreenRecord;
  readonly artifact: (row: Row) => ArtifactRecord;
  /** An artifacts row without the weights, with its trial's `number` and the sizes `weight_bytes`, `model_bytes`. */
  readonly artifactInfo: (row: Row) => ArtifactInfo;
}

/** A blob cell as a plain Uint8Array view (drivers hand out Buffers, or Uint8Arrays across threads). */
function bytes(cell: unknown): Uint8Array {
  if (!(cell instanceof Uint8Array)) throw new TypeError(`a blob column holds ${typeof cell}, not bytes`);
  return cell.constructor === Uint8Array ? cell : new Uint8Array(cell.buffer, cell.byteOffset, cell.byteLength);
}

/**
 * A vector column (objective values, constraint violations): absent when null, else a list of finite
 * numbers; anything else in the column is a corrupt row, said with its column.
 */
function vector(cell: unknown, json: JsonCell, column: string): readonly number[] | undefined {
  if (cell === null || cell === undefined) return undefined;
  const value = json(cell);
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new TypeError(`trials.${column} holds ${JSON.stringify(value).slice(0, 40)}, not a list of numbers`);
  }
  return value as readonly number[];
}

const nullableNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const nullableString = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export function rowDecoders(json: JsonCell): RowDecoders {
  return {
    study: (row) => ({
      id: Number(row['id']),
      name: String(row['name']),
      spec: json(row['spec']),
      direction: row['direction'] as StudyRecord['direction'],
      createdAt: Number(row['created_at']),
    }),
    trial: (row) => {
      const values = vector(row['objective_values'], json, 'objective_values');
      const constraints = vector(row['constraint_values'], json, 'constraint_values');
      return {
      id: Number(row['id']),
      studyId: Number(row['study_id']),
      number: Number(row['number']),
      state: row['state'] as TrialState,
      params: json(row['params']) as TrialRecord['params'],
      value: nullableNumber(row['value']),
      // Only when set, so single-objective records keep their shape (exports, dumps).
      ...(values !== undefined ? { values } : {}),
      ...(constraints !== undefined ? { constraints } : {}),
      error: nullableString(row['error']),
      backend: nullableString(row['backend']),
      owner: nullableString(row['owner']),
      attempts: Number(row['attempts']),
      createdAt: Number(row['created_at']),
      startedAt: nullableNumber(row['started_at']),
      finishedAt: nullableNumber(row['finished_at']),
      heartbeatAt: nullableNumber(row['heartbeat_at']),
      };
    },
    unit: (row) => ({
      trialId: Number(row['trial_id']),
      target: String(row['target']),
      seed: Number(row['seed']),
      result: json(row['result']),
      createdAt: Number(row['created_at']),
    }),
    intermediate: (row) => ({
      trialId: Number(row['trial_id']),
      step: Number(row['step']),
      value: Number(row['value']),
    }),
    studyIntermediate: (row) => ({
      trialId: Number(row['trial_id']),
      trialNumber: Number(row['number']),
      state: row['state'] as TrialState,
      step: Number(row['step']),
      value: Number(row['value']),
    }),
    baseline: (row) => ({
      studyId: Number(row['study_id']),
      key: String(row['key']),
      result: json(row['result']),
      createdAt: Number(row['created_at']),
    }),
    screen: (row) => ({
      studyId: Number(row['study_id']),
      result: json(row['result']),
      createdAt: Number(row['created_at']),
    }),
    artifact: (row) => ({
      trialId: Number(row['trial_id']),
      target: String(row['target']),
      seed: Number(row['seed']),
      model: json(row['model']),
      weights: bytes(row['weights']),
      createdAt: Number(row['created_at']),
    }),
    artifactInfo: (row) => ({
      trialId: Number(row['trial_id']),
      trialNumber: Number(row['number']),
      target: String(row['target']),
      seed: Number(row['seed']),
      weightBytes: Number(row['weight_bytes']),
      modelBytes: Number(row['model_bytes']),
      createdAt: Number(row['created_at']),
    }),
  };
}
