// The bulk import behind `tasksieve migrate`: whole studies copied into PostgreSQL, one statement per
// table whatever a study's size. Main thread only, inside PostgresStore's transaction (importStudies);
// must not import tfjs or worker code.
import { StoreError } from '../../errors.js';
import { FINISHED_STATES } from '../../spec/records.js';
import type { TrialState } from '../../spec/records.js';
import { toJson } from '../../util/json.js';
import { toJsonText } from '../checks.js';
import type { Row } from '../rows.js';
import type { StudyDump } from '../study-dump.js';
import type { QueryResult, Statement } from './sync-client.js';

/** What an import needs of the store's open transaction: its statements run on that connection. */
export interface ImportConnection {
  one(sql: string, params?: readonly unknown[]): QueryResult;
  /** Statements in one trip to the bridge thread. */
  run(statements: readonly Statement[]): QueryResult[];
}

/**
 * Inserts one study with its trials (same numbers, states, params, attempts and timestamps), units,
 * stored models, intermediates, baselines and screen; throws StoreError if a study of that name exists in `where`.
 * Returns the new studies row. Must run inside a transaction: a failure leaves partial rows behind.
 */
export function importStudy(db: ImportConnection, dump: StudyDump, where: string): Row {
  const { study } = dump;
  const created = db.one(
    `INSERT INTO studies (name, spec, direction, created_at) VALUES ($1, $2::jsonb, $3, $4)
     ON CONFLICT (name) DO NOTHING RETURNING *`,
    [study.name, toJsonText(study.spec, 'study spec'), study.direction, study.createdAt],
  ).rows[0];
  if (created === undefined) {
    throw new StoreError(`study "${study.name}" already exists in ${where}; nothing was copied`);
  }
  const id = Number(created['id']);
  const finished = (state: TrialState): boolean => FINISHED_STATES.includes(state);
  const trials = dump.trials.map(({ trial }) => ({
    number: trial.number,
    // Finished trials go in as RUNNING first: the guard trigger refuses units and intermediates of a
    // finished trial, so they are finished below, once their results are in.
    state: finished(trial.state) ? 'RUNNING' : trial.state,
    params: trial.params,
    owner: finished(trial.state) ? (trial.owner ?? 'tasksieve-migrate') : trial.owner,
    attempts: trial.attempts,
    created_at: trial.createdAt,
    started_at: trial.startedAt,
    heartbeat_at: trial.heartbeatAt,
  }));
  const units = dump.trials.flatMap(({ trial, units: list }) =>
    list.map((u) => ({ number: trial.number, target: u.target, seed: u.seed, result: u.result, created_at: u.createdAt })),
  );
  // Weights travel as base64 text inside the jsonb array and are decoded back to bytea in SQL.
  const artifacts = dump.trials.flatMap(({ trial, artifacts: list }) =>
    list.map((a) => ({
      number: trial.number,
      target: a.target,
      seed: a.seed,
      model: a.model,
      weights: Buffer.from(a.weights.buffer, a.weights.byteOffset, a.weights.byteLength).toString('base64'),
      created_at: a.createdAt,
    })),
  );
  const intermediates = dump.trials.flatMap(({ trial, intermediates: list }) =>
    list.map((i) => ({ number: trial.number, step: i.step, value: i.value })),
  );
  const finishes = dump.trials
    .filter(({ trial }) => finished(trial.state))
    .map(({ trial }) => ({
      number: trial.number,
      state: trial.state,
      value: trial.value,
      objective_values: trial.values ?? null,
      constraint_values: trial.constraints ?? null,
      error: trial.error,
      backend: trial.backend,
      owner: trial.owner,
      finished_at: trial.finishedAt,
    }));
  const baselines = dump.baselines.map((b) => ({ key: b.key, result: b.result, created_at: b.createdAt }));
  // One statement per table, whatever the study's size: rows travel as one jsonb array each.
  db.run([
    {
      sql: `INSERT INTO trials (study_id, number, state, params, owner, attempts, created_at, started_at, heartbeat_at)
            SELECT $1, r.number, r.state, r.params, r.owner, r.attempts, r.created_at, r.started_at, r.heartbeat_at
            FROM jsonb_to_recordset($2::jsonb) AS r(number integer, state text, params jsonb, owner text,
              attempts integer, created_at bigint, started_at bigint, heartbeat_at bigint)`,
      params: [id, toJsonText(toJson(trials, 'trials'), 'trials')],
    },
    {
      sql: `INSERT INTO units (trial_id, target, seed, result, created_at)
            SELECT t.id, r.target, r.seed, r.result, r.created_at
            FROM jsonb_to_recordset($2::jsonb) AS r(number integer, target text, seed bigint, result jsonb, created_at bigint)
            JOIN trials t ON t.study_id = $1 AND t.number = r.number`,
      params: [id, toJsonText(toJson(units, 'unit results'), 'unit results')],
    },
    {
      // Before the trials finish below: the guard refuses models of a finished trial.
      sql: `INSERT INTO artifacts (trial_id, target, seed, model, weights, created_at)
            SELECT t.id, r.target, r.seed, r.model, decode(r.weights, 'base64'), r.created_at
            FROM jsonb_to_recordset($2::jsonb) AS r(number integer, target text, seed bigint, model jsonb, weights text, created_at bigint)
            JOIN trials t ON t.study_id = $1 AND t.number = r.number`,
      params: [id, toJsonText(toJson(artifacts, 'stored models'), 'stored models')],
    },
    {
      sql: `INSERT INTO intermediates (trial_id, step, value)
            SELECT t.id, r.step, r.value
            FROM jsonb_to_recordset($2::jsonb) AS r(number integer, step bigint, value double precision)
            JOIN trials t ON t.study_id = $1 AND t.number = r.number`,
      params: [id, toJsonText(toJson(intermediates, 'intermediate values'), 'intermediate values')],
    },
    {
      sql: `UPDATE trials SET state = r.state, value = r.value, objective_values = r.objective_values,
              constraint_values = r.constraint_values, error = r.error, backend = r.backend,
              owner = r.owner, finished_at = r.finished_at
            FROM jsonb_to_recordset($2::jsonb) AS r(number integer, state text, value double precision,
              objective_values jsonb, constraint_values jsonb, error text, backend text, owner text, finished_at bigint)
            WHERE trials.study_id = $1 AND trials.number = r.number`,
      params: [id, toJsonText(toJson(finishes, 'trial outcomes'), 'trial outcomes')],
    },
    {
      sql: `INSERT INTO baselines (study_id, key, result, created_at)
            SELECT $1, r.key, r.result, r.created_at
            FROM jsonb_to_recordset($2::jsonb) AS r(key text, result jsonb, created_at bigint)`,
      params: [id, toJsonText(toJson(baselines, 'baselines'), 'baselines')],
    },
    ...(dump.screen === null
      ? []
      : [
          {
            sql: 'INSERT INTO screens (study_id, result, created_at) VALUES ($1, $2::jsonb, $3)',
            params: [id, toJsonText(dump.screen.result, 'screen table'), dump.screen.createdAt],
          },
        ]),
  ]);
  return created;
}
