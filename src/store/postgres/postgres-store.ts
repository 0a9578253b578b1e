// The PostgreSQL Store: the synchronous Store contract over one connection held by a bridge thread
// (sync-client.ts). Numbering serialises on the study row, claiming uses SKIP LOCKED, and
// every statement is parameterised. Main thread only; must not import tfjs or worker code.
import { DatabaseInputError, StoreError, TasksieveError } from '../../errors.js';
import {
  assertFinishable,
  assertRecording,
  checkAfterNumber,
  checkArtifact,
  checkBaselineKey,
  checkFinish,
  checkIntermediate,
  checkMaxTrials,
  checkOwner,
  checkProposal,
  checkStates,
  checkStudy,
  checkTrialIds,
  checkUnitKey,
  messageOf,
  toJsonText,
  vectorText,
} from '../checks.js';
import { checkPostgresSchema, migratePostgres } from './migrations.js';
import { DEFAULT_DB_TIMEOUT_MS, OutageGuard, TransientStoreError, type OutageOptions } from '../outage.js';
import { PgRequestError, SyncPgClient, type QueryResult, type Statement } from './sync-client.js';
import { rowDecoders } from '../rows.js';
import type { StudyDump } from '../study-dump.js';
import { importStudy, type ImportConnection } from './bulk-import.js';
import type { ArtifactInfo, ArtifactRecord, BaselineRecord, IntermediateRecord, Json, ScreenRecord, StudyIntermediateRecord, StudyRecord, TrialRecord, TrialState, UnitRecord } from '../../spec/records.js';
import { FINISHED_STATES } from '../../spec/records.js';
import type { FinishTrial, KeptArtifacts, KeptArtifactsOf, NewArtifact, NewTrial, Store } from '../types.js';

export interface PostgresStoreOptions {
  /** Open an existing database for reading only: never migrates, every write is refused. */
  readonly readonly?: boolean;
  /** How long opening the connection may take; default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long one call may block, lock waits included; default 120 000 ms. */
  readonly requestTimeoutMs?: number;
  /**
   * How long the server may be unreachable (stopped, restarting, connections dropped) before the store
   * gives up with a DatabaseUnavailableError; calls block and retry meanwhile. Default 30 000 ms.
   */
  readonly dbTimeoutMs?: number;
  /** Told when an outage starts and ends. */
  readonly onOutage?: OutageOptions['onOutage'];
}

/** The server went away or is restarting: class 08 (connection exception), 57P01-57P03 (shutdown, startup). */
function isTransientSqlState(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03');
}

// jsonb columns arrive parsed.
const decode = rowDecoders((cell) => cell as Json);

// Our transactions are never idle for more than a sampler's proposal (milliseconds).
const IDLE_IN_TRANSACTION_MS = 60_000;
const LOCK_TIMEOUT_MS = 60_000;

const TRIAL_COLUMNS = `id, study_id, number, state, params, value, objective_values, constraint_values, error, backend, owner,
  attempts, created_at, started_at, finished_at, heartbeat_at`;

/** The URL with its password masked, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

export class PostgresStore implements Store {
  private closed = false;
  /** A transaction this store is inside of, and whether its BEGIN still waits for the first statement. */
  private transaction: { readonly kind: 'write' | 'snapshot'; begun: boolean; committed: boolean; readonly begin: string } | null =
    null;
  /** Inside an OutageGuard call: nested calls do not retry on their own, the outermost one does. */
  private guarding = false;
  private lastNow = 0;

  private constructor(
    private readonly db: SyncPgClient,
    /** The URL as given to open(), password masked, for messages. */
    readonly path: string,
    readonly readonly: boolean,
    private readonly guard: OutageGuard,
  ) {}

  static open(url: string, options: PostgresStoreOptions = {}): PostgresStore {
    const where = redactUrl(url);
    const readonly = options.readonly ?? false;
    let db: SyncPgClient;
    try {
      db = SyncPgClient.connect(url, {
        connectTimeoutMs: options.connectTimeoutMs,
        requestTimeoutMs: options.requestTimeoutMs,
        onConnect: [
          // Warnings such as "there is no transaction in progress" after a failed request are noise.
          'SET client_min_messages = error',
          // A process frozen inside a transaction (stopped, partitioned) must not hold the study's
          // numbering lock for ever: the server ends its session, and a lock wait gives up with an
          // error before this client's own request timeout.
          `SET idle_in_transaction_session_timeout = ${IDLE_IN_TRANSACTION_MS}`,
          `SET lock_timeout = ${LOCK_TIMEOUT_MS}`,
          ...(readonly ? ['SET default_transaction_read_only = on'] : []),
        ],
      });
    } catch (err) {
      if (err instanceof PgRequestError && err.kind === 'url') {
        throw new DatabaseInputError(`${where}: malformed PostgreSQL URL (${messageOf(err)})`, { cause: err });
      }
      throw new StoreError(`cannot open database ${where}: ${messageOf(err)}`, { cause: err });
    }
    try {
      if (readonly) checkPostgresSchema(db, where);
      else migratePostgres(db, where);
      const guard = new OutageGuard({ timeoutMs: options.dbTimeoutMs ?? DEFAULT_DB_TIMEOUT_MS, label: where, onOutage: options.onOutage });
      return new PostgresStore(db, where, readonly, guard);
    } catch (err) {
      db.close();
      // A PgRequestError is a TasksieveError too, but its message alone does not say which database.
      if (err instanceof TasksieveError && !(err instanceof PgRequestError)) throw err;
      throw new StoreError(`cannot open database ${where}: ${messageOf(err)}`, { cause: err });
    }
  }

  getOrCreateStudy(name: string, spec: Json, direction: 'maximize' | 'minimize'): { study: StudyRecord; created: boolean } {
    checkStudy(name, direction);
    const specText = toJsonText(spec, 'study spec');
    this.assertWritable();
    // ON CONFLICT waits for a concurrent creator and then yields to it; the SELECT sees its row.
    const inserted = this.one(
      `INSERT INTO studies (name, spec, direction, created_at) VALUES ($1, $2::jsonb, $3, $4)
       ON CONFLICT (name) DO NOTHING RETURNING *`,
      [name, specText, direction, Date.now()],
    ).rows[0];
    if (inserted !== undefined) return { study: decode.study(inserted), created: true };
    const existing = this.one('SELECT * FROM studies WHERE name = $1', [name]).rows[0];
    if (existing === undefined) throw new StoreError(`study "${name}" was deleted while it was being opened`);
    return { study: decode.study(existing), created: false };
  }

  getStudy(name: string): StudyRecord | null {
    const row = this.one('SELECT * FROM studies WHERE name = $1', [name]).rows[0];
    return row === undefined ? null : decode.study(row);
  }

  listStudies(): StudyRecord[] {
    return this.one('SELECT * FROM studies ORDER BY id').rows.map(decode.study);
  }

  createTrial(studyId: number, maxTrials: number, propose: (number: number) => NewTrial): TrialRecord | null {
    checkMaxTrials(maxTrials);
    // The attempt's timestamp and owner identify its row if the connection broke after COMMIT.
    const now = this.now();
    let owner: string | null = null;
    const recover = () => (owner === null ? undefined : this.ownAttempt(studyId, owner, now));
    return this.write(() => {
      // The study row is the numbering lock: a second creator waits here, then counts after the first
      // committed (a new statement, so a new snapshot). NO KEY UPDATE leaves the foreign-key locks
      // of concurrent unit and baseline writes free.
      const [lock, budget] = this.run([
        { sql: 'SELECT id FROM studies WHERE id = $1 FOR NO KEY UPDATE', params: [studyId] },
        {
          sql: 'SELECT COUNT(*) AS n, COALESCE(MAX(number) + 1, 0) AS next FROM trials WHERE study_id = $1',
          params: [studyId],
        },
      ]);
      if (lock!.rows.length === 0) throw new StoreError(`unknown study id ${studyId}`);
      // All states count: failed and re-queued trials used budget too.
      const n = Number(budget!.rows[0]!['n']);
      const next = Number(budget!.rows[0]!['next']);
      if (n >= maxTrials) return null;
      const row = checkProposal(propose(next));
      owner = row.owner;
      const running = row.state === 'RUNNING';
      const [inserted] = this.run(
        [
          {
            sql: `INSERT INTO trials (study_id, number, state, params, owner, attempts, created_at, started_at, heartbeat_at)
                  VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9) RETURNING ${TRIAL_COLUMNS}`,
            params: [studyId, next, row.state, row.params, row.owner, running ? 1 : 0, now, running ? now : null, running ? now : null],
          },
        ],
        true,
      );
      return decode.trial(inserted!.rows[0]!);
    }, recover);
  }

  claimWaitingTrial(studyId: number, owner: string): TrialRecord | null {
    checkOwner(owner);
    this.assertWritable();
    const now = this.now();
    return this.guarded(
      () => {
        // SKIP LOCKED: concurrent claimers each take a different WAITING trial instead of queueing on one.
        const row = this.one(
          `UPDATE trials
           SET state = 'RUNNING', owner = $2, started_at = $3, heartbeat_at = $3, attempts = attempts + 1
           WHERE id = (SELECT id FROM trials WHERE study_id = $1 AND state = 'WAITING'
                       ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING ${TRIAL_COLUMNS}`,
          [studyId, owner, now],
        ).rows[0];
        return row === undefined ? null : decode.trial(row);
      },
      () => this.ownAttempt(studyId, owner, now),
    );
  }

  heartbeat(trialIds: readonly number[], owner: string): void {
    checkOwner(owner);
    if (trialIds.length === 0) return;
    this.assertWritable();
    this.one(
      `UPDATE trials SET heartbeat_at = $1 WHERE id = ANY($2::bigint[]) AND owner = $3 AND state = 'RUNNING'`,
      [Date.now(), [...trialIds], owner],
    );
  }

  finishTrial(trialId: number, owner: string, outcome: FinishTrial): TrialRecord {
    checkFinish(owner, outcome);
    this.assertWritable();
    const now = this.now();
    const params = [trialId, owner, outcome.state, outcome.value, outcome.error, outcome.backend, now, vectorText(outcome.values), vectorText(outcome.constraints)];
    // This very finish committed before the connection broke: its timestamp says so.
    const recover = () => this.one(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE id = $1 AND owner = $2 AND finished_at = $3`, [trialId, owner, now]).rows[0];
    const step = outcome.intermediate ?? null;
    // One statement on the usual path; with an intermediate, BEGIN, the value, the finish and COMMIT
    // in one trip. The finish waits for the value: it is refused (no row) when a different value is
    // already recorded at that step, and the refusal below says why.
    const done =
      step === null
        ? this.guarded(
            () =>
              this.one(
                `UPDATE trials SET state = $3, value = $4, error = $5, backend = $6, finished_at = $7,
                   objective_values = $8::jsonb, constraint_values = $9::jsonb
                 WHERE id = $1 AND state = 'RUNNING' AND owner = $2
                 RETURNING ${TRIAL_COLUMNS}`,
                params,
              ).rows[0],
            recover,
          )
        : this.write(
            () =>
              this.run(
                [
                  {
                    sql: `INSERT INTO intermediates (trial_id, step, value)
                          SELECT id, $2, $3 FROM trials WHERE id = $1 AND state = 'RUNNING' AND owner = $4
                          ON CONFLICT (trial_id, step) DO NOTHING`,
                    params: [trialId, step.step, step.value, owner],
                  },
                  {
                    sql: `UPDATE trials SET state = $3, value = $4, error = $5, backend = $6, finished_at = $7,
                            objective_values = $8::jsonb, constraint_values = $9::jsonb
                          WHERE id = $1 AND state = 'RUNNING' AND owner = $2
                            AND NOT EXISTS (SELECT 1 FROM intermediates WHERE trial_id = $1 AND step = $10 AND value <> $11)
                          RETURNING ${TRIAL_COLUMNS}`,
                    params: [...params, step.step, step.value],
                  },
                ],
                true,
              )[1]!.rows[0],
            recover,
          );
    if (done !== undefined) return decode.trial(done);
    const trial = this.requireTrial(trialId);
    assertFinishable(trial, owner);
    if (step !== null) {
      const existing = this.getIntermediates(trialId).find((r) => r.step === step.step);
      if (existing !== undefined && existing.value !== step.value) {
        throw new StoreError(
          `trial #${trial.number} already has value ${existing.value} at step ${step.step}; an intermediate value is recorded once`,
        );
      }
    }
    // Finishable now but not when the UPDATE ran: it was re-queued and claimed again in between.
    throw new StoreError(`trial #${trial.number} is owned by ${String(trial.owner)}, not ${owner}; it cannot finish it`);
  }

  requeueStale(studyId: number, isStale: (trial: TrialRecord) => boolean): TrialRecord[] {
    return this.write(() => {
      // The rows stay locked until COMMIT, so no heartbeat can land between judging a trial stale and
      // re-queueing it. SKIP LOCKED: a trial another process is re-queueing (or heartbeating, or
      // finishing) right now is not ours to judge; whoever locked it first decides, once.
      const running = this.one(
        `SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = $1 AND state = 'RUNNING'
         ORDER BY number FOR UPDATE SKIP LOCKED`,
        [studyId],
      ).rows.map(decode.trial);
      const stale = running.filter((trial) => isStale(trial)).map((trial) => trial.id);
      if (stale.length === 0) return [];
      // A WAITING trial is "not started": the attempt's start and heartbeat go; `attempts` keeps history.
      const [updated] = this.run(
        [
          {
            sql: `UPDATE trials SET state = 'WAITING', owner = NULL, started_at = NULL, heartbeat_at = NULL
                  WHERE id = ANY($1::bigint[]) AND state = 'RUNNING'
                  RETURNING ${TRIAL_COLUMNS}`,
            params: [stale],
          },
        ],
        true,
      );
      const requeued = updated!.rows.map(decode.trial);
      return requeued.sort((a, b) => a.number - b.number);
    });
  }

  getTrial(trialId: number): TrialRecord | null {
    const row = this.one(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE id = $1`, [trialId]).rows[0];
    return row === undefined ? null : decode.trial(row);
  }

  getTrials(studyId: number, states?: readonly TrialState[]): TrialRecord[] {
    const result =
      states === undefined
        ? this.one(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = $1 ORDER BY number`, [studyId])
        : this.one(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = $1 AND state = ANY($2::text[]) ORDER BY number`, [
            studyId,
            [...checkStates(states)],
          ]);
    return result.rows.map(decode.trial);
  }

  getTrialsSince(studyId: number, afterNumber: number): TrialRecord[] {
    checkAfterNumber(afterNumber);
    return this.one(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = $1 AND number > $2 ORDER BY number`, [
      studyId,
      afterNumber,
    ]).rows.map(decode.trial);
  }

  countTrials(studyId: number, states?: readonly TrialState[]): number {
    const result =
      states === undefined
        ? this.one('SELECT COUNT(*) AS n FROM trials WHERE study_id = $1', [studyId])
        : this.one('SELECT COUNT(*) AS n FROM trials WHERE study_id = $1 AND state = ANY($2::text[])', [
            studyId,
            [...checkStates(states)],
          ]);
    return Number(result.rows[0]!['n']);
  }

  recordUnit(trialId: number, target: string, seed: number, result: Json, artifact?: NewArtifact): void {
    checkUnitKey(target, seed);
    const text = toJsonText(result, 'unit result');
    const model = checkArtifact(artifact);
    this.assertWritable();
    // FOR SHARE holds the trial RUNNING until the insert commits: a concurrent finish waits for it.
    const unit: Statement = {
      sql: `INSERT INTO units (trial_id, target, seed, result, created_at)
            SELECT id, $2, $3, $4::jsonb, $5 FROM trials WHERE id = $1 AND state = 'RUNNING' FOR SHARE
            ON CONFLICT (trial_id, target, seed) DO NOTHING
            RETURNING trial_id`,
      params: [trialId, target, seed, text, Date.now()],
    };
    let inserted: QueryResult;
    if (model === null) {
      inserted = this.one(unit.sql, unit.params);
    } else {
      // The unit and its model in one transaction, in one trip: BEGIN, unit, model, COMMIT. The model
      // goes in only beside a unit with exactly this result on a RUNNING trial (a fresh unit, or an
      // identical re-record that had no model yet); a refused unit leaves no model behind.
      inserted = this.write(
        () =>
          this.run(
            [
              unit,
              {
                sql: `INSERT INTO artifacts (trial_id, target, seed, model, weights, created_at)
                      SELECT u.trial_id, u.target, u.seed, $5::jsonb, $6, $7
                      FROM units u JOIN trials t ON t.id = u.trial_id AND t.state = 'RUNNING'
                      WHERE u.trial_id = $1 AND u.target = $2 AND u.seed = $3 AND u.result = $4::jsonb
                      ON CONFLICT (trial_id, target, seed) DO NOTHING`,
                params: [trialId, target, seed, text, model.model, model.weights, Date.now()],
              },
            ],
            true,
          )[0]!,
      );
    }
    if (inserted.rowCount > 0) return;
    const row = this.one(
      `SELECT t.number, t.state, u.result IS NOT NULL AS recorded, u.result = $4::jsonb AS same
       FROM trials t LEFT JOIN units u ON u.trial_id = t.id AND u.target = $2 AND u.seed = $3
       WHERE t.id = $1`,
      [trialId, target, seed, text],
    ).rows[0];
    if (row === undefined) throw new StoreError(`unknown trial id ${trialId}`);
    const trial = { number: Number(row['number']), state: row['state'] as TrialState };
    assertRecording(trial);
    // A re-queued trial re-runs: re-recording the same result is a harmless retry; a different one
    // means the first result would silently be replaced in every aggregate. (jsonb compares
    // structurally, key order aside.)
    if (row['recorded'] === true && row['same'] === true) return;
    throw new StoreError(
      `trial #${trial.number} already has a different result for target "${target}" seed ${seed}; ` +
        `a unit is recorded once (skip units already recorded when resuming)`,
    );
  }

  getUnits(trialId: number): UnitRecord[] {
    return this.one('SELECT * FROM units WHERE trial_id = $1 ORDER BY target, seed', [trialId]).rows.map(decode.unit);
  }

  getStudyUnits(studyId: number): UnitRecord[] {
    return this.one(
      `SELECT u.* FROM units u JOIN trials t ON t.id = u.trial_id
       WHERE t.study_id = $1 ORDER BY t.number, u.target, u.seed`,
      [studyId],
    ).rows.map(decode.unit);
  }

  getArtifact(trialId: number, target: string, seed: number): ArtifactRecord | null {
    checkUnitKey(target, seed);
    const row = this.one('SELECT * FROM artifacts WHERE trial_id = $1 AND target = $2 AND seed = $3', [trialId, target, seed]).rows[0];
    return row === undefined ? null : decode.artifact(row);
  }

  getStudyArtifacts(studyId: number): ArtifactInfo[] {
    return this.one(
      `SELECT a.trial_id, t.number, a.target, a.seed, octet_length(a.weights) AS weight_bytes,
              octet_length(a.model::text) AS model_bytes, a.created_at
       FROM artifacts a JOIN trials t ON t.id = a.trial_id
       WHERE t.study_id = $1 ORDER BY t.number, a.target, a.seed`,
      [studyId],
    ).rows.map(decode.artifactInfo);
  }

  deleteArtifacts(trialIds: readonly number[]): number {
    checkTrialIds(trialIds);
    if (trialIds.length === 0) return 0;
    this.assertWritable();
    return this.one('DELETE FROM artifacts WHERE trial_id = ANY($1::bigint[])', [[...trialIds]]).rowCount;
  }

  keepArtifactsOf(studyId: number, keep: (finished: readonly TrialRecord[]) => Iterable<number>): KeptArtifactsOf {
    this.assertWritable();
    // Two statements: the delete touches only trials finished in the first one's snapshot, so a
    // trial another process finishes in between keeps its models (its finisher judges it), and
    // keep's monotonicity makes every trial dropped here dropped in any later snapshot too.
    const exists = this.one('SELECT 1 FROM studies WHERE id = $1', [studyId]).rows.length > 0;
    if (!exists) throw new StoreError(`unknown study id ${studyId}`);
    const finished = this.one(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = $1 AND state = ANY($2::text[]) ORDER BY number`, [
      studyId,
      [...FINISHED_STATES],
    ]).rows.map(decode.trial);
    const keepIds = new Set(keep(finished));
    const gone = finished.filter((t) => !keepIds.has(t.id)).map((t) => t.id);
    const deleted = gone.length === 0 ? 0 : this.one('DELETE FROM artifacts WHERE trial_id = ANY($1::bigint[])', [gone]).rowCount;
    return { kept: finished.filter((t) => keepIds.has(t.id)), deleted };
  }

  keepBestArtifacts(studyId: number): KeptArtifacts {
    this.assertWritable();
    // ONE statement, so one snapshot: the best and the finished trials whose models go are read
    // together. A trial another process finishes after that snapshot is not finished in it and keeps
    // its models; the next keepBestArtifacts (its finisher's) judges it.
    const row = this.one(
      `WITH study AS (SELECT id, direction FROM studies WHERE id = $1),
       best AS (
         SELECT t.id FROM trials t JOIN study s ON s.id = t.study_id
         WHERE t.state = 'COMPLETE' AND t.value IS NOT NULL
         ORDER BY CASE WHEN s.direction = 'maximize' THEN -t.value ELSE t.value END, t.number
         LIMIT 1
       ),
       gone AS (
         DELETE FROM artifacts a USING trials t
         WHERE a.trial_id = t.id AND t.study_id = $1 AND t.state IN ('COMPLETE', 'PRUNED', 'FAIL')
           AND t.id NOT IN (SELECT id FROM best)
         RETURNING 1
       )
       SELECT (SELECT direction FROM study) AS direction, (SELECT id FROM best) AS best, (SELECT COUNT(*) FROM gone) AS deleted`,
      [studyId],
    ).rows[0]!;
    if (row['direction'] === null) throw new StoreError(`unknown study id ${studyId}`);
    const best = row['best'] === null ? null : this.getTrial(Number(row['best']));
    return { best, deleted: Number(row['deleted']) };
  }

  recordIntermediate(trialId: number, step: number, value: number): void {
    checkIntermediate(step, value);
    this.assertWritable();
    const inserted = this.one(
      `INSERT INTO intermediates (trial_id, step, value)
       SELECT id, $2, $3 FROM trials WHERE id = $1 AND state = 'RUNNING' FOR SHARE
       ON CONFLICT (trial_id, step) DO NOTHING
       RETURNING trial_id`,
      [trialId, step, value],
    );
    if (inserted.rowCount > 0) return;
    const row = this.one(
      `SELECT t.number, t.state, i.value AS existing
       FROM trials t LEFT JOIN intermediates i ON i.trial_id = t.id AND i.step = $2
       WHERE t.id = $1`,
      [trialId, step],
    ).rows[0];
    if (row === undefined) throw new StoreError(`unknown trial id ${trialId}`);
    const trial = { number: Number(row['number']), state: row['state'] as TrialState };
    assertRecording(trial);
    const existing = row['existing'] as number | null;
    // Same rule as units: schedulers may already have ranked trials on the first value.
    if (existing === value) return;
    throw new StoreError(
      `trial #${trial.number} already has value ${String(existing)} at step ${step}; an intermediate value is recorded once`,
    );
  }

  getIntermediates(trialId: number): IntermediateRecord[] {
    return this.one('SELECT trial_id, step, value FROM intermediates WHERE trial_id = $1 ORDER BY step', [trialId]).rows.map(
      decode.intermediate,
    );
  }

  getStudyIntermediates(studyId: number, step: number): StudyIntermediateRecord[] {
    return this.one(
      `SELECT i.trial_id, i.step, i.value, t.number, t.state FROM intermediates i JOIN trials t ON t.id = i.trial_id
       WHERE t.study_id = $1 AND i.step = $2 ORDER BY t.number`,
      [studyId, step],
    ).rows.map(decode.studyIntermediate);
  }

  putBaseline(studyId: number, key: string, result: Json): void {
    checkBaselineKey(key);
    const text = toJsonText(result, 'baseline result');
    this.assertWritable();
    // First write wins: concurrent workers computing the same baseline agree by construction, and
    // later comparisons must all pair with the same stored numbers.
    const inserted = this.one(
      `INSERT INTO baselines (study_id, key, result, created_at)
       SELECT id, $2, $3::jsonb, $4 FROM studies WHERE id = $1
       ON CONFLICT (study_id, key) DO NOTHING
       RETURNING study_id`,
      [studyId, key, text, Date.now()],
    );
    if (inserted.rowCount > 0) return;
    if (this.one('SELECT 1 FROM studies WHERE id = $1', [studyId]).rows.length === 0) {
      throw new StoreError(`unknown study id ${studyId}`);
    }
  }

  getBaseline(studyId: number, key: string): Json | null {
    const row = this.one('SELECT result FROM baselines WHERE study_id = $1 AND key = $2', [studyId, key]).rows[0];
    return row === undefined ? null : (row['result'] as Json);
  }

  getBaselines(studyId: number): BaselineRecord[] {
    return this.one('SELECT * FROM baselines WHERE study_id = $1 ORDER BY key', [studyId]).rows.map(decode.baseline);
  }

  putScreen(studyId: number, table: Json): void {
    const text = toJsonText(table, 'screen table');
    this.assertWritable();
    // First write wins: every process of the study must sample with the same prior.
    const inserted = this.one(
      `INSERT INTO screens (study_id, result, created_at)
       SELECT id, $2::jsonb, $3 FROM studies WHERE id = $1
       ON CONFLICT (study_id) DO NOTHING
       RETURNING study_id`,
      [studyId, text, Date.now()],
    );
    if (inserted.rowCount > 0) return;
    if (this.one('SELECT 1 FROM studies WHERE id = $1', [studyId]).rows.length === 0) {
      throw new StoreError(`unknown study id ${studyId}`);
    }
  }

  getScreen(studyId: number): Json | null {
    return this.getScreenRecord(studyId)?.result ?? null;
  }

  getScreenRecord(studyId: number): ScreenRecord | null {
    const row = this.one('SELECT * FROM screens WHERE study_id = $1', [studyId]).rows[0];
    return row === undefined ? null : decode.screen(row);
  }

  snapshot<T>(fn: () => T): T {
    // REPEATABLE READ pins one snapshot at the first statement; READ ONLY never blocks a writer.
    return this.guarded(() => this.inTransaction('snapshot', 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn));
  }

  /**
   * Runs `fn` in one transaction on this store's connection (used to import a whole study: all of it
   * or nothing). `fn` may call any method of this store.
   */
  atomically<T>(fn: () => T): T {
    return this.write(fn);
  }

  /**
   * Copies whole studies into this database in ONE transaction: every study with its trials (same
   * numbers, states, params, attempts and timestamps), units, intermediates, baselines and screen, or nothing.
   * Refuses (StoreError, nothing written) if a study of the same name exists here. New ids are
   * assigned; numbers are what identifies a trial within its study. Returns the new study records.
   */
  importStudies(dumps: readonly StudyDump[]): StudyRecord[] {
    return this.write(() => {
      const db: ImportConnection = { one: (sql, params) => this.one(sql, params), run: (statements) => this.run(statements) };
      return dumps.map((dump) => decode.study(importStudy(db, dump, this.path)));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private write<T>(fn: () => T, recover?: () => T | undefined): T {
    this.assertWritable();
    return this.guarded(() => this.inTransaction('write', 'BEGIN', fn), recover);
  }

  /**
   * The outermost call retries through an outage (OutageGuard): a whole transaction from BEGIN, or
   * one autocommit statement. Calls inside a transaction or another guarded call only throw.
   */
  private guarded<T>(fn: () => T, recover?: () => T | undefined): T {
    if (this.guarding || this.transaction !== null) return fn();
    this.guarding = true;
    try {
      return this.guard.run(fn, recover);
    } finally {
      this.guarding = false;
    }
  }

  /** The trial this owner started at `at` (a claim or a creation whose answer was lost), if it committed. */
  private ownAttempt(studyId: number, owner: string, at: number): TrialRecord | undefined {
    const row = this.one(
      `SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = $1 AND owner = $2 AND started_at = $3 AND state = 'RUNNING'`,
      [studyId, owner, at],
    ).rows[0];
    return row === undefined ? undefined : decode.trial(row);
  }

  /** Date.now(), strictly increasing per store: a timestamp names one attempt of this store's owner(s). */
  private now(): number {
    this.lastNow = Math.max(Date.now(), this.lastNow + 1);
    return this.lastNow;
  }

  private inTransaction<T>(kind: 'write' | 'snapshot', begin: string, fn: () => T): T {
    this.assertOpen();
    if (this.transaction !== null) {
      // A snapshot inside a snapshot, or any read inside a write, simply joins it.
      if (kind === 'snapshot' || this.transaction.kind === 'write') return fn();
      throw new StoreError('a write cannot run inside snapshot(): snapshots only read');
    }
    const transaction = { kind, begun: false, committed: false, begin };
    this.transaction = transaction;
    try {
      const result = fn();
      if (transaction.begun && !transaction.committed) this.one('COMMIT');
      return result;
    } catch (err) {
      if (transaction.begun && !transaction.committed) {
        try {
          this.db.run([{ sql: 'ROLLBACK' }]);
        } catch {
          // The original error says more; a broken connection rolls back on its own.
        }
      }
      throw err;
    } finally {
      this.transaction = null;
    }
  }

  /**
   * Runs statements in one trip to the bridge thread, prefixed with a pending BEGIN and, with
   * `commit`, followed by the transaction's COMMIT: row locks are held for as few trips as possible.
   */
  private run(statements: readonly Statement[], commit = false): QueryResult[] {
    this.assertOpen();
    return this.guarded(() => this.runOnce(statements, commit));
  }

  private runOnce(statements: readonly Statement[], commit: boolean): QueryResult[] {
    const transaction = this.transaction;
    const begin = transaction !== null && !transaction.begun;
    const end = commit && transaction !== null && transaction.kind === 'write';
    if (begin) transaction.begun = true;
    const all = [...(begin ? [{ sql: transaction.begin }] : []), ...statements, ...(end ? [{ sql: 'COMMIT' }] : [])];
    try {
      const results = this.db.run(all);
      if (end) transaction.committed = true;
      return results.slice(begin ? 1 : 0, begin ? statements.length + 1 : statements.length);
    } catch (err) {
      throw this.wrap(err);
    }
  }

  private one(sql: string, params?: readonly unknown[]): QueryResult {
    return this.run([{ sql, params }])[0]!;
  }

  private wrap(err: unknown): unknown {
    if (!(err instanceof PgRequestError)) return err;
    if (err.kind === 'connection' || (err.kind === 'database' && isTransientSqlState(err.sqlState))) {
      return new TransientStoreError(`PostgreSQL ${this.path}: ${err.message}`);
    }
    if (err.kind === 'database') {
      // Trigger refusals keep their meaning: a finished trial is immutable.
      return new StoreError(`${err.message} (${err.sqlState ?? 'unknown SQLSTATE'})`, { cause: err });
    }
    return new StoreError(`PostgreSQL ${this.path}: ${err.message}`, { cause: err });
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(`store ${this.path} is closed`);
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.readonly) throw new StoreError(`database ${this.path} is open read-only`);
    if (this.transaction?.kind === 'snapshot') throw new StoreError('a write cannot run inside snapshot(): snapshots only read');
  }

  private requireTrial(trialId: number): TrialRecord {
    const trial = this.getTrial(trialId);
    if (trial === null) throw new StoreError(`unknown trial id ${trialId}`);
    return trial;
  }
}
