// The SQLite Store: one connection per process, WAL, every state change one BEGIN IMMEDIATE
// transaction. Main thread only; must not import tfjs or worker code.

import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
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
  jsonEqual,
  messageOf,
  toJsonText,
  vectorText,
} from '../checks.js';
import { assertWritableDatabase, checkSchema, migrate } from './migrations.js';
import { DEFAULT_DB_TIMEOUT_MS, OutageGuard, TransientStoreError, sleepSync, type OutageOptions } from '../outage.js';
import { rowDecoders } from '../rows.js';
import type { ArtifactInfo, ArtifactRecord, BaselineRecord, IntermediateRecord, Json, ScreenRecord, StudyIntermediateRecord, StudyRecord, TrialRecord, TrialState, UnitRecord } from '../../spec/records.js';
import { FINISHED_STATES } from '../../spec/records.js';
import type { FinishTrial, KeptArtifacts, KeptArtifactsOf, NewArtifact, NewTrial, Store } from '../types.js';

export interface SqliteStoreOptions {
  /** How long a write waits for another process's lock before failing; default 10 000 ms. */
  readonly busyTimeoutMs?: number;
  /** Open an existing database for reading only (leaderboards, export): never creates or migrates. */
  readonly readonly?: boolean;
  /**
   * TEST-ONLY seam: runs inside every write transaction, after its statements and before COMMIT;
   * `write.artifact` says whether the transaction stored a model (a unit with its artifact).
   * Reliability tests stall there (src/util/fault-injection.ts) to SIGKILL a process mid-write.
   */
  readonly beforeCommit?: (write: { readonly artifact: boolean }) => void;
  /**
   * How long the file may be unusable (moved or deleted, I/O errors) before the store gives up with a
   * DatabaseUnavailableError; calls block and retry meanwhile. Default 30 000 ms (--db-timeout).
   */
  readonly dbTimeoutMs?: number;
  /** Told when an outage starts and ends. */
  readonly onOutage?: OutageOptions['onOutage'];
}

const DEFAULT_BUSY_TIMEOUT_MS = 10_000;
const NO_ARTIFACT = Object.freeze({ artifact: false });
const WITH_ARTIFACT = Object.freeze({ artifact: true });

// JSON columns are TEXT in SQLite.
const decode = rowDecoders((cell) => JSON.parse(cell as string) as Json);

// Type aliases, not interfaces: the shared decoders (rows.ts) take any record of cells.
type StudyRow = {
  id: number;
  name: string;
  spec: string;
  direction: 'maximize' | 'minimize';
  created_at: number;
};

type TrialRow = {
  id: number;
  study_id: number;
  number: number;
  state: TrialState;
  params: string;
  value: number | null;
  error: string | null;
  backend: string | null;
  owner: string | null;
  attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  heartbeat_at: number | null;
};

type UnitRow = {
  trial_id: number;
  target: string;
  seed: number;
  result: string;
  created_at: number;
};

type IntermediateRow = {
  trial_id: number;
  step: number;
  value: number;
};

type StudyIntermediateRow = IntermediateRow & {
  number: number;
  state: TrialState;
};

interface NewTrialRow {
  study_id: number;
  number: number;
  state: 'WAITING' | 'RUNNING';
  params: string;
  owner: string | null;
  attempts: number;
  created_at: number;
  started_at: number | null;
  heartbeat_at: number | null;
}

interface FinishRow {
  id: number;
  state: FinishTrial['state'];
  value: number | null;
  objective_values: string | null;
  constraint_values: string | null;
  error: string | null;
  backend: string | null;
  finished_at: number;
}

// Optional state filters go through json_each so each query is a single prepared statement whatever
// the number of states asked for.
function prepareStatements(db: Database.Database) {
  return {
    studyByName: db.prepare<[string], StudyRow>('SELECT * FROM studies WHERE name = ?'),
    studyById: db.prepare<[number], StudyRow>('SELECT * FROM studies WHERE id = ?'),
    listStudies: db.prepare<[], StudyRow>('SELECT * FROM studies ORDER BY id'),
    insertStudy: db.prepare<[string, string, string, number], StudyRow>(
      'INSERT INTO studies (name, spec, direction, created_at) VALUES (?, ?, ?, ?) RETURNING *',
    ),

    trialById: db.prepare<[number], TrialRow>('SELECT * FROM trials WHERE id = ?'),
    trialsOfStudy: db.prepare<[number], TrialRow>('SELECT * FROM trials WHERE study_id = ? ORDER BY number'),
    trialsSince: db.prepare<[number, number], TrialRow>(
      'SELECT * FROM trials WHERE study_id = ? AND number > ? ORDER BY number',
    ),
    trialsInStates: db.prepare<[number, string], TrialRow>(
      'SELECT * FROM trials WHERE study_id = ? AND state IN (SELECT value FROM json_each(?)) ORDER BY number',
    ),
    countTrials: db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM trials WHERE study_id = ?'),
    countTrialsInStates: db.prepare<[number, string], { n: number }>(
      'SELECT COUNT(*) AS n FROM trials WHERE study_id = ? AND state IN (SELECT value FROM json_each(?))',
    ),
    budget: db.prepare<[number], { n: number; next: number }>(
      'SELECT COUNT(*) AS n, COALESCE(MAX(number) + 1, 0) AS next FROM trials WHERE study_id = ?',
    ),
    insertTrial: db.prepare<[NewTrialRow], TrialRow>(
      `INSERT INTO trials (study_id, number, state, params, owner, attempts, created_at, started_at, heartbeat_at)
       VALUES (@study_id, @number, @state, @params, @owner, @attempts, @created_at, @started_at, @heartbeat_at)
       RETURNING *`,
    ),
    claim: db.prepare<[{ study_id: number; owner: string; now: number }], TrialRow>(
      `UPDATE trials
       SET state = 'RUNNING', owner = @owner, started_at = @now, heartbeat_at = @now, attempts = attempts + 1
       WHERE id = (SELECT id FROM trials WHERE study_id = @study_id AND state = 'WAITING' ORDER BY number LIMIT 1)
       RETURNING *`,
    ),
    heartbeat: db.prepare<[number, string, string]>(
      `UPDATE trials SET heartbeat_at = ?
       WHERE id IN (SELECT value FROM json_each(?)) AND owner = ? AND state = 'RUNNING'`,
    ),
    finish: db.prepare<[FinishRow], TrialRow>(
      `UPDATE trials
       SET state = @state, value = @value, objective_values = @objective_values, constraint_values = @constraint_values,
           error = @error, backend = @backend, finished_at = @finished_at
       WHERE id = @id AND state = 'RUNNING'
       RETURNING *`,
    ),
    // A WAITING trial is "not started": the attempt's start and heartbeat go; `attempts` keeps history.
    requeue: db.prepare<[number], TrialRow>(
      `UPDATE trials SET state = 'WAITING', owner = NULL, started_at = NULL, heartbeat_at = NULL
       WHERE id = ? AND state = 'RUNNING'
       RETURNING *`,
    ),

    unit: db.prepare<[number, string, number], UnitRow>(
      'SELECT * FROM units WHERE trial_id = ? AND target = ? AND seed = ?',
    ),
    insertUnit: db.prepare<[number, string, number, string, number]>(
      'INSERT INTO units (trial_id, target, seed, result, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    unitsOfTrial: db.prepare<[number], UnitRow>('SELECT * FROM units WHERE trial_id = ? ORDER BY target, seed'),
    unitsOfStudy: db.prepare<[number], UnitRow>(
      `SELECT u.* FROM units u JOIN trials t ON t.id = u.trial_id
       WHERE t.study_id = ? ORDER BY t.number, u.target, u.seed`,
    ),

    intermediate: db.prepare<[number, number], IntermediateRow>(
      'SELECT * FROM intermediates WHERE trial_id = ? AND step = ?',
    ),
    insertIntermediate: db.prepare<[number, number, number]>(
      'INSERT INTO intermediates (trial_id, step, value) VALUES (?, ?, ?)',
    ),
    intermediatesOfTrial: db.prepare<[number], IntermediateRow>(
      'SELECT * FROM intermediates WHERE trial_id = ? ORDER BY step',
    ),
    intermediatesAtStep: db.prepare<[number, number], StudyIntermediateRow>(
      `SELECT i.trial_id, i.step, i.value, t.number, t.state FROM intermediates i JOIN trials t ON t.id = i.trial_id
       WHERE t.study_id = ? AND i.step = ? ORDER BY t.number`,
    ),

    insertBaseline: db.prepare<[number, string, string, number]>(
      'INSERT OR IGNORE INTO baselines (study_id, key, result, created_at) VALUES (?, ?, ?, ?)',
    ),
    baselinesOfStudy: db.prepare<[number], { study_id: number; key: string; result: string; created_at: number }>(
      'SELECT * FROM baselines WHERE study_id = ? ORDER BY key',
    ),
    baseline: db.prepare<[number, string], { result: string }>(
      'SELECT result FROM baselines WHERE study_id = ? AND key = ?',
    ),

    insertArtifact: db.prepare<[number, string, number, string, Buffer, number]>(
      'INSERT OR IGNORE INTO artifacts (trial_id, target, seed, model, weights, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    artifact: db.prepare<[number, string, number], Record<string, unknown>>(
      'SELECT * FROM artifacts WHERE trial_id = ? AND target = ? AND seed = ?',
    ),
    artifactsOfStudy: db.prepare<[number], Record<string, unknown>>(
      `SELECT a.trial_id, t.number, a.target, a.seed, length(a.weights) AS weight_bytes, length(CAST(a.model AS BLOB)) AS model_bytes,
              a.created_at
       FROM artifacts a JOIN trials t ON t.id = a.trial_id
       WHERE t.study_id = ? ORDER BY t.number, a.target, a.seed`,
    ),
    deleteArtifacts: db.prepare<[string]>('DELETE FROM artifacts WHERE trial_id IN (SELECT value FROM json_each(?))'),
    bestMaximize: db.prepare<[number], TrialRow>(
      `SELECT * FROM trials WHERE study_id = ? AND state = 'COMPLETE' AND value IS NOT NULL ORDER BY value DESC, number LIMIT 1`,
    ),
    bestMinimize: db.prepare<[number], TrialRow>(
      `SELECT * FROM trials WHERE study_id = ? AND state = 'COMPLETE' AND value IS NOT NULL ORDER BY value ASC, number LIMIT 1`,
    ),
    deleteArtifactsExcept: db.prepare<[number, number]>(
      `DELETE FROM artifacts WHERE trial_id IN (
         SELECT id FROM trials WHERE study_id = ? AND state IN ('COMPLETE', 'PRUNED', 'FAIL') AND id <> ?)`,
    ),

    insertScreen: db.prepare<[number, string, number]>(
      'INSERT OR IGNORE INTO screens (study_id, result, created_at) VALUES (?, ?, ?)',
    ),
    screen: db.prepare<[number], { study_id: number; result: string; created_at: number }>(
      'SELECT * FROM screens WHERE study_id = ?',
    ),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

export class SqliteStore implements Store {
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    private readonly statements: Statements,
    /** The path as given to open(), for messages. */
    readonly path: string,
    readonly readonly: boolean,
    private readonly guard: OutageGuard,
    /** The file this connection has open; a write checks the path still names it. */
    private readonly file: FileId | null,
    private readonly beforeCommit?: (write: { readonly artifact: boolean }) => void,
  ) {}

  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new StoreError('options.busyTimeoutMs must be a non-negative integer');
    }
    const readonly = options.readonly ?? false;
    // Checked before SQLite sees the path: a reader must never leave an empty database behind.
    if (readonly && !existsSync(path)) throw new StoreError(`database not found: ${path}`);

    let db: Database.Database;
    try {
      db = new Database(path, readonly ? { readonly: true, fileMustExist: true, timeout: busyTimeoutMs } : { timeout: busyTimeoutMs });
    } catch (err) {
      throw openError(path, err);
    }
    try {
      db.pragma('foreign_keys = ON');
      if (readonly) {
        checkSchema(db, path);
      } else {
        assertWritableDatabase(db, path);
        // WAL lets leaderboard readers run while a search writes. It is a property of the file, so
        // read-only connections inherit it.
        enableWal(db, busyTimeoutMs);
        // NORMAL is durable against a crash of the process; only a power loss or OS crash can drop
        // the last commits, and the database stays consistent. A lost trial is re-run on resume,
        // which is cheaper than the fsync that FULL costs on every heartbeat and unit.
        db.pragma('synchronous = NORMAL');
        migrate(db, path);
      }
      const guard = new OutageGuard({ timeoutMs: options.dbTimeoutMs ?? DEFAULT_DB_TIMEOUT_MS, label: path, onOutage: options.onOutage });
      return new SqliteStore(db, prepareStatements(db), path, readonly, guard, fileId(path), options.beforeCommit);
    } catch (err) {
      db.close();
      if (err instanceof TasksieveError) throw err;
      throw openError(path, err);
    }
  }

  getOrCreateStudy(name: string, spec: Json, direction: 'maximize' | 'minimize'): { study: StudyRecord; created: boolean } {
    checkStudy(name, direction);
    const specText = toJsonText(spec, 'study spec');
    return this.write(() => {
      const existing = this.statements.studyByName.get(name);
      if (existing !== undefined) return { study: decode.study(existing), created: false };
      const row = this.statements.insertStudy.get(name, specText, direction, Date.now());
      return { study: decode.study(row!), created: true };
    });
  }

  getStudy(name: string): StudyRecord | null {
    const row = this.read(() => this.statements.studyByName.get(name));
    return row === undefined ? null : decode.study(row);
  }

  listStudies(): StudyRecord[] {
    return this.read(() => this.statements.listStudies.all()).map(decode.study);
  }

  createTrial(studyId: number, maxTrials: number, propose: (number: number) => NewTrial): TrialRecord | null {
    checkMaxTrials(maxTrials);
    return this.write(() => {
      this.requireStudy(studyId);
      // All states count: failed and re-queued trials used budget too, and counting them keeps the
      // total bounded whatever happens to individual trials.
      const { n, next } = this.statements.budget.get(studyId)!;
      if (n >= maxTrials) return null;
      const proposal = propose(next);
      const row = checkProposal(proposal);
      const now = Date.now();
      const running = row.state === 'RUNNING';
      const inserted = this.statements.insertTrial.get({
        study_id: studyId,
        number: next,
        state: row.state,
        params: row.params,
        owner: row.owner,
        attempts: running ? 1 : 0,
        created_at: now,
        started_at: running ? now : null,
        heartbeat_at: running ? now : null,
      });
      return decode.trial(inserted!);
    });
  }

  claimWaitingTrial(studyId: number, owner: string): TrialRecord | null {
    checkOwner(owner);
    return this.write(() => {
      const row = this.statements.claim.get({ study_id: studyId, owner, now: Date.now() });
      return row === undefined ? null : decode.trial(row);
    });
  }

  heartbeat(trialIds: readonly number[], owner: string): void {
    checkOwner(owner);
    if (trialIds.length === 0) return;
    const ids = JSON.stringify(trialIds);
    this.write(() => this.statements.heartbeat.run(Date.now(), ids, owner));
  }

  finishTrial(trialId: number, owner: string, outcome: FinishTrial): TrialRecord {
    checkFinish(owner, outcome);
    return this.write(() => {
      const trial = this.requireTrial(trialId);
      assertFinishable(trial, owner);
      if (outcome.intermediate) this.insertIntermediate(trial, outcome.intermediate.step, outcome.intermediate.value);
      const row = this.statements.finish.get({
        id: trialId,
        state: outcome.state,
        value: outcome.value,
        objective_values: vectorText(outcome.values),
        constraint_values: vectorText(outcome.constraints),
        error: outcome.error,
        backend: outcome.backend,
        finished_at: Date.now(),
      });
      return decode.trial(row!);
    });
  }

  requeueStale(studyId: number, isStale: (trial: TrialRecord) => boolean): TrialRecord[] {
    // The predicate runs inside the write lock, so no heartbeat can land between judging a trial
    // stale and re-queueing it.
    return this.write(() => {
      const requeued: TrialRecord[] = [];
      for (const row of this.statements.trialsInStates.all(studyId, '["RUNNING"]')) {
        if (!isStale(decode.trial(row))) continue;
        const updated = this.statements.requeue.get(row.id);
        if (updated !== undefined) requeued.push(decode.trial(updated));
      }
      return requeued;
    });
  }

  getTrial(trialId: number): TrialRecord | null {
    const row = this.read(() => this.statements.trialById.get(trialId));
    return row === undefined ? null : decode.trial(row);
  }

  getTrials(studyId: number, states?: readonly TrialState[]): TrialRecord[] {
    const rows = this.read(() =>
      states === undefined
        ? this.statements.trialsOfStudy.all(studyId)
        : this.statements.trialsInStates.all(studyId, statesJson(states)),
    );
    return rows.map(decode.trial);
  }

  getTrialsSince(studyId: number, afterNumber: number): TrialRecord[] {
    checkAfterNumber(afterNumber);
    return this.read(() => this.statements.trialsSince.all(studyId, afterNumber)).map(decode.trial);
  }

  countTrials(studyId: number, states?: readonly TrialState[]): number {
    const row = this.read(() =>
      states === undefined
        ? this.statements.countTrials.get(studyId)
        : this.statements.countTrialsInStates.get(studyId, statesJson(states)),
    );
    return row!.n;
  }

  recordUnit(trialId: number, target: string, seed: number, result: Json, artifact?: NewArtifact): void {
    checkUnitKey(target, seed);
    const text = toJsonText(result, 'unit result');
    const model = checkArtifact(artifact);
    // The unit and its model in one IMMEDIATE transaction: a kill leaves both or neither.
    const insertModel = () => {
      if (model !== null) {
        const blob = Buffer.from(model.weights.buffer, model.weights.byteOffset, model.weights.byteLength);
        this.statements.insertArtifact.run(trialId, target, seed, model.model, blob, Date.now());
      }
    };
    this.write(() => {
      const trial = this.requireTrial(trialId);
      assertRecording(trial);
      const existing = this.statements.unit.get(trialId, target, seed);
      if (existing !== undefined) {
        // A re-queued trial re-runs: re-recording the same result is a harmless retry; a different
        // one means the first result would silently be replaced in every aggregate.
        if (jsonEqual(JSON.parse(existing.result) as Json, JSON.parse(text) as Json)) return insertModel();
        throw new StoreError(
          `trial #${trial.number} already has a different result for target "${target}" seed ${seed}; ` +
            `a unit is recorded once (skip units already recorded when resuming)`,
        );
      }
      this.statements.insertUnit.run(trialId, target, seed, text, Date.now());
      insertModel();
    }, model === null ? NO_ARTIFACT : WITH_ARTIFACT);
  }

  getArtifact(trialId: number, target: string, seed: number): ArtifactRecord | null {
    checkUnitKey(target, seed);
    const row = this.read(() => this.statements.artifact.get(trialId, target, seed));
    return row === undefined ? null : decode.artifact(row);
  }

  getStudyArtifacts(studyId: number): ArtifactInfo[] {
    return this.read(() => this.statements.artifactsOfStudy.all(studyId)).map(decode.artifactInfo);
  }

  deleteArtifacts(trialIds: readonly number[]): number {
    const ids = JSON.stringify(checkTrialIds(trialIds));
    if (trialIds.length === 0) return 0;
    return this.write(() => this.statements.deleteArtifacts.run(ids).changes);
  }

  keepBestArtifacts(studyId: number): KeptArtifacts {
    // The write lock is taken before the best is read: no trial can finish between the two.
    return this.write(() => {
      const study = this.statements.studyById.get(studyId);
      if (study === undefined) throw new StoreError(`unknown study id ${studyId}`);
      const row = (study.direction === 'maximize' ? this.statements.bestMaximize : this.statements.bestMinimize).get(studyId);
      const best = row === undefined ? null : decode.trial(row);
      // -1 matches no trial: with no COMPLETE trial yet, every finished trial's models go.
      const deleted = this.statements.deleteArtifactsExcept.run(studyId, best?.id ?? -1).changes;
      return { best, deleted };
    });
  }

  keepArtifactsOf(studyId: number, keep: (finished: readonly TrialRecord[]) => Iterable<number>): KeptArtifactsOf {
    // One write transaction: no trial finishes between the read and the delete.
    return this.write(() => {
      if (this.statements.studyById.get(studyId) === undefined) throw new StoreError(`unknown study id ${studyId}`);
      const finished = this.statements.trialsInStates.all(studyId, statesJson(FINISHED_STATES)).map(decode.trial);
      const keepIds = new Set(keep(finished));
      const gone = finished.filter((t) => !keepIds.has(t.id)).map((t) => t.id);
      const deleted = gone.length === 0 ? 0 : this.statements.deleteArtifacts.run(JSON.stringify(gone)).changes;
      return { kept: finished.filter((t) => keepIds.has(t.id)), deleted };
    });
  }

  getUnits(trialId: number): UnitRecord[] {
    return this.read(() => this.statements.unitsOfTrial.all(trialId)).map(decode.unit);
  }

  getStudyUnits(studyId: number): UnitRecord[] {
    return this.read(() => this.statements.unitsOfStudy.all(studyId)).map(decode.unit);
  }

  recordIntermediate(trialId: number, step: number, value: number): void {
    checkIntermediate(step, value);
    this.write(() => {
      const trial = this.requireTrial(trialId);
      assertRecording(trial);
      this.insertIntermediate(trial, step, value);
    });
  }

  /** Inside a write: the value at `step`, unless the same value is there already. */
  private insertIntermediate(trial: { readonly id: number; readonly number: number }, step: number, value: number): void {
    const existing = this.statements.intermediate.get(trial.id, step);
    if (existing !== undefined) {
      // Same rule as units: schedulers may already have ranked trials on the first value.
      if (existing.value === value) return;
      throw new StoreError(
        `trial #${trial.number} already has value ${existing.value} at step ${step}; ` +
          `an intermediate value is recorded once`,
      );
    }
    this.statements.insertIntermediate.run(trial.id, step, value);
  }

  getIntermediates(trialId: number): IntermediateRecord[] {
    return this.read(() => this.statements.intermediatesOfTrial.all(trialId)).map(decode.intermediate);
  }

  getStudyIntermediates(studyId: number, step: number): StudyIntermediateRecord[] {
    return this.read(() => this.statements.intermediatesAtStep.all(studyId, step)).map(decode.studyIntermediate);
  }

  putBaseline(studyId: number, key: string, result: Json): void {
    checkBaselineKey(key);
    const text = toJsonText(result, 'baseline result');
    this.write(() => {
      this.requireStudy(studyId);
      // First write wins: concurrent workers computing the same baseline agree by construction, and
      // later comparisons must all pair with the same stored numbers.
      this.statements.insertBaseline.run(studyId, key, text, Date.now());
    });
  }

  getBaseline(studyId: number, key: string): Json | null {
    const row = this.read(() => this.statements.baseline.get(studyId, key));
    return row === undefined ? null : (JSON.parse(row.result) as Json);
  }

  getBaselines(studyId: number): BaselineRecord[] {
    return this.read(() => this.statements.baselinesOfStudy.all(studyId)).map(decode.baseline);
  }

  putScreen(studyId: number, table: Json): void {
    const text = toJsonText(table, 'screen table');
    this.write(() => {
      this.requireStudy(studyId);
      // First write wins: every process of the study must sample with the same prior.
      this.statements.insertScreen.run(studyId, text, Date.now());
    });
  }

  getScreen(studyId: number): Json | null {
    return this.getScreenRecord(studyId)?.result ?? null;
  }

  getScreenRecord(studyId: number): ScreenRecord | null {
    const row = this.read(() => this.statements.screen.get(studyId));
    return row === undefined ? null : decode.screen(row);
  }

  snapshot<T>(fn: () => T): T {
    this.assertOpen();
    // A deferred transaction takes no lock until its first read; in WAL mode that read pins a
    // snapshot for the rest of the transaction and never blocks writers.
    return this.guarded(() => this.db.transaction(fn).deferred());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private read<T>(fn: () => T): T {
    this.assertOpen();
    return this.guarded(fn);
  }

  /**
   * Runs a whole call, retried through an outage (OutageGuard). Inside a transaction a failure is
   * only wrapped: the outermost call retries the transaction from its start.
   */
  private guarded<T>(fn: () => T, checkFile = false): T {
    const once = (): T => {
      try {
        if (checkFile) this.assertSameFile();
        return fn();
      } catch (err) {
        throw wrapSqliteError(err, this.path);
      }
    };
    return this.db.inTransaction ? once() : this.guard.run(once);
  }

  /**
   * A connection keeps writing to its file after the path is deleted or moved, and everything it
   * wrote would be lost with it: while the path does not name the file opened, writes wait.
   */
  private assertSameFile(): void {
    if (this.file === null) return;
    const now = fileId(this.path);
    if (now === null) throw new TransientStoreError(`${this.path} is gone (deleted or moved away)`);
    if (now.dev !== this.file.dev || now.ino !== this.file.ino) {
      throw new TransientStoreError(`${this.path} is now another file (replaced)`);
    }
  }

  /**
   * BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes
   * cannot wait for the lock (SQLITE_BUSY at once, the busy timeout does not apply), so concurrent
   * processes would fail instead of queueing.
   */
  private write<T>(fn: () => T, what: { readonly artifact: boolean } = NO_ARTIFACT): T {
    this.assertOpen();
    if (this.readonly) throw new StoreError(`database ${this.path} is open read-only`);
    const hook = this.beforeCommit;
    const body = hook === undefined ? fn : () => {
      const result = fn();
      hook(what);
      return result;
    };
    return this.guarded(() => this.db.transaction(body).immediate(), true);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(`store ${this.path} is closed`);
  }

  private requireStudy(studyId: number): void {
    if (this.statements.studyById.get(studyId) === undefined) throw new StoreError(`unknown study id ${studyId}`);
  }

  private requireTrial(trialId: number): TrialRow {
    const row = this.statements.trialById.get(trialId);
    if (row === undefined) throw new StoreError(`unknown trial id ${trialId}`);
    return row;
  }
}

/**
 * Switches the file to WAL, waiting out other processes doing the same. Several processes opening a
 * fresh file at once race on this switch, and SQLite answers SQLITE_BUSY at once there instead of
 * calling the busy handler (seen in the 3-process race test: "cannot open database: database is
 * locked"), so the wait is ours: short jittered sleeps until the busy timeout.
 */
function enableWal(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      const busy = (err as { code?: unknown }).code === 'SQLITE_BUSY';
      if (!busy || Date.now() >= deadline) throw err;
      sleepSync(Math.min(50, 2 + attempt * 2) * (0.5 + Math.random()));
    }
  }
}

function openError(path: string, err: unknown): TasksieveError {
  // The first read of a file that is not SQLite's: the user named the wrong file.
  if (err instanceof Database.SqliteError && err.code === 'SQLITE_NOTADB') {
    return new DatabaseInputError(`${path} is not a SQLite database (SQLite: ${messageOf(err)}); nothing was written`, { cause: err });
  }
  return new StoreError(`cannot open database ${path}: ${messageOf(err)}`, { cause: err });
}

function statesJson(states: readonly TrialState[]): string {
  return JSON.stringify(checkStates(states));
}

interface FileId {
  readonly dev: number;
  readonly ino: number;
}

function fileId(path: string): FileId | null {
  try {
    const { dev, ino } = statSync(path);
    return { dev, ino };
  } catch {
    return null;
  }
}

/** I/O errors and a file that cannot be opened may pass (a moved file comes back, a disk is remounted). */
function isTransientSqlite(code: string): boolean {
  return code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN';
}

function wrapSqliteError(err: unknown, path: string): unknown {
  if (!(err instanceof Database.SqliteError)) return err;
  if (isTransientSqlite(err.code)) return new TransientStoreError(`${path}: ${err.message} (${err.code})`);
  // Not retried: the run ends, and a resume continues once space is freed.
  if (err.code === 'SQLITE_FULL') return new StoreError(`database ${path} is full: ${err.message} (SQLITE_FULL)`, { cause: err });
  return new StoreError(`${err.message} (${err.code})`, { cause: err });
}
