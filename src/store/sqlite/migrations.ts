// Numbered schema migrations of the SQLite store, applied in order (one IMMEDIATE transaction each) and
// recorded in `schema_migrations`. Main thread only; must not import tfjs or worker code.

import type Database from 'better-sqlite3';
import { DatabaseInputError, StoreError } from '../../errors.js';

/** The part of the driver a migration may use: plain DDL, so a migration cannot depend on app code. */
export interface MigrationDb {
  exec(sql: string): unknown;
}

export interface Migration {
  /** 1, 2, 3, … in order; never renumber or edit a released migration, add a new one. */
  readonly version: number;
  readonly name: string;
  up(db: MigrationDb): void;
}

const FINISHED = `('COMPLETE', 'PRUNED', 'FAIL')`;

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'initial-schema',
    up(db: MigrationDb): void {
      // STRICT tables so a wrongly typed bind (a string seed, a text value) fails instead of being
      // stored silently. AUTOINCREMENT so ids of deleted studies/trials are never reused: exports and
      // logs refer to them.
      db.exec(`
        CREATE TABLE studies (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
          spec TEXT NOT NULL CHECK (json_valid(spec)),
          direction TEXT NOT NULL CHECK (direction IN ('maximize', 'minimize')),
          created_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE trials (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
          number INTEGER NOT NULL CHECK (number >= 0),
          state TEXT NOT NULL CHECK (state IN ('WAITING', 'RUNNING', 'COMPLETE', 'PRUNED', 'FAIL')),
          params TEXT NOT NULL CHECK (json_valid(params) AND json_type(params) = 'object'),
          value REAL,
          error TEXT,
          backend TEXT,
          owner TEXT,
          attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
          created_at INTEGER NOT NULL,
          started_at INTEGER,
          finished_at INTEGER,
          heartbeat_at INTEGER,
          UNIQUE (study_id, number),
          CHECK (state <> 'RUNNING' OR owner IS NOT NULL),
          CHECK (state <> 'WAITING' OR owner IS NULL),
          CHECK ((state IN ${FINISHED}) = (finished_at IS NOT NULL))
        ) STRICT;
        -- Budget counts and "oldest WAITING by number" both filter on (study_id, state).
        CREATE INDEX trials_study_state_number ON trials (study_id, state, number);

        CREATE TABLE units (
          trial_id INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
          target TEXT NOT NULL,
          seed INTEGER NOT NULL,
          result TEXT NOT NULL CHECK (json_valid(result)),
          created_at INTEGER NOT NULL,
          UNIQUE (trial_id, target, seed)
        ) STRICT;

        CREATE TABLE intermediates (
          trial_id INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
          step INTEGER NOT NULL CHECK (step >= 0),
          value REAL NOT NULL,
          UNIQUE (trial_id, step)
        ) STRICT;

        CREATE TABLE baselines (
          study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
          key TEXT NOT NULL,
          result TEXT NOT NULL CHECK (json_valid(result)),
          created_at INTEGER NOT NULL,
          PRIMARY KEY (study_id, key)
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'finished-trial-guards',
    up(db: MigrationDb): void {
      // Defence in depth beside the checks in sqlite-store.ts: a finished trial is immutable even for
      // raw SQL or a buggy future code path. DELETE is deliberately not guarded, so that deleting a
      // whole study can still cascade through its trials, units and intermediates.
      db.exec(`
        CREATE TRIGGER trials_finished_immutable BEFORE UPDATE ON trials
        WHEN OLD.state IN ${FINISHED}
        BEGIN SELECT RAISE(ABORT, 'trial is finished'); END;

        -- Re-queueing must keep a trial's identity: the sampler's history refers to it.
        CREATE TRIGGER trials_identity_immutable BEFORE UPDATE OF study_id, number, params ON trials
        WHEN NEW.study_id IS NOT OLD.study_id OR NEW.number IS NOT OLD.number OR NEW.params IS NOT OLD.params
        BEGIN SELECT RAISE(ABORT, 'trial study, number and params are immutable'); END;

        CREATE TRIGGER units_finished_insert BEFORE INSERT ON units
        WHEN (SELECT state FROM trials WHERE id = NEW.trial_id) IN ${FINISHED}
        BEGIN SELECT RAISE(ABORT, 'trial is finished'); END;

        CREATE TRIGGER units_finished_update BEFORE UPDATE ON units
        WHEN (SELECT state FROM trials WHERE id = OLD.trial_id) IN ${FINISHED}
          OR (SELECT state FROM trials WHERE id = NEW.trial_id) IN ${FINISHED}
        BEGIN SELECT RAISE(ABORT, 'trial is finished'); END;

        CREATE TRIGGER intermediates_finished_insert BEFORE INSERT ON intermediates
        WHEN (SELECT state FROM trials WHERE id = NEW.trial_id) IN ${FINISHED}
        BEGIN SELECT RAISE(ABORT, 'trial is finished'); END;

        CREATE TRIGGER intermediates_finished_update BEFORE UPDATE ON intermediates
        WHEN (SELECT state FROM trials WHERE id = OLD.trial_id) IN ${FINISHED}
          OR (SELECT state FROM trials WHERE id = NEW.trial_id) IN ${FINISHED}
        BEGIN SELECT RAISE(ABORT, 'trial is finished'); END;
      `);
    },
  },
  {
    version: 3,
    name: 'screens-table',
    up(db: MigrationDb): void {
      // The screen table had been kept among the baselines under the key 'screen:v1' (the key the
      // code used before this migration; nothing writes it any more). Baselines are target-only
      // results keyed by recipe, target and seed, so the screen moves to a table of its own, one row
      // per study, in this migration's transaction: a database never holds it in both places.
      db.exec(`
        CREATE TABLE screens (
          study_id INTEGER PRIMARY KEY REFERENCES studies (id) ON DELETE CASCADE,
          result TEXT NOT NULL CHECK (json_valid(result)),
          created_at INTEGER NOT NULL
        ) STRICT;

        INSERT INTO screens (study_id, result, created_at)
          SELECT study_id, result, created_at FROM baselines WHERE key = 'screen:v1';
        DELETE FROM baselines WHERE key = 'screen:v1';
      `);
    },
  },
  {
    version: 4,
    name: 'artifacts-table',
    up(db: MigrationDb): void {
      // A unit's trained model (issue 15): its JSON part (meta, topology, weight specs) and its weights,
      // in a table of their own so that reading units never pages through blobs. The foreign key to the
      // unit makes "a model without its unit" impossible, and the store writes both in one transaction;
      // deleting the unit (or its trial, or study) deletes the model. Models of finished trials may be
      // deleted (artifacts: best drops superseded ones) but never inserted or changed.
      db.exec(`
        CREATE TABLE artifacts (
          trial_id INTEGER NOT NULL,
          target TEXT NOT NULL,
          seed INTEGER NOT NULL,
          model TEXT NOT NULL CHECK (json_valid(model) AND json_type(model) = 'object'),
          weights BLOB NOT NULL,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (trial_id, target, seed),
          FOREIGN KEY (trial_id, target, seed) REFERENCES units (trial_id, target, seed) ON DELETE CASCADE
        ) STRICT;

        CREATE TRIGGER artifacts_finished_insert BEFORE INSERT ON artifacts
        WHEN (SELECT state FROM trials WHERE id = NEW.trial_id) IN ${FINISHED}
        BEGIN SELECT RAISE(ABORT, 'trial is finished'); END;

        CREATE TRIGGER artifacts_immutable BEFORE UPDATE ON artifacts
        BEGIN SELECT RAISE(ABORT, 'an artifact is written once'); END;
      `);
    },
  },
  {
    version: 5,
    name: 'trial-vector-values',
    up(db: MigrationDb): void {
      // Multi-objective studies (issue 18): a trial's value per objective and its constraint
      // violations, as JSON lists written with the finish (so the finished-trial guard covers them).
      // NULL for every single-objective trial, whose rows are unchanged. ADD COLUMN with NULL
      // defaults rewrites no row.
      db.exec(`
        ALTER TABLE trials ADD COLUMN objective_values TEXT
          CHECK (objective_values IS NULL OR (json_valid(objective_values) AND json_type(objective_values) = 'array'));
        ALTER TABLE trials ADD COLUMN constraint_values TEXT
          CHECK (constraint_values IS NULL OR (json_valid(constraint_values) AND json_type(constraint_values) = 'array'));
      `);
    },
  },
]);

/** A misnumbered list would silently skip or reorder schema changes: each backend fails at import instead. */
export function assertNumbered(migrations: readonly Migration[], which: string): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`${which} migrations must be numbered 1, 2, 3, … in order; #${i} has version ${m.version}`);
    }
  });
}

assertNumbered(MIGRATIONS, 'store');

/** The schema version this build writes and expects. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`;

function appliedVersions(db: Database.Database): number[] {
  return db
    .prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version')
    .all()
    .map((row) => row.version);
}

/**
 * A database touched by a newer tasksieve may hold tables or rules this build would violate. Shared by
 * both backends: their migrations carry the same versions.
 */
export function assertNoUnknownMigration(applied: readonly number[], path: string): void {
  const unknown = applied.filter((v) => v > SCHEMA_VERSION || v < 1);
  if (unknown.length > 0) {
    throw new StoreError(
      `database ${path} has schema migration ${Math.max(...unknown)}, but this tasksieve knows migrations ` +
        `1-${SCHEMA_VERSION} only: it was created by a newer tasksieve; upgrade tasksieve to open it`,
    );
  }
}

/**
 * Brings a read-write connection up to SCHEMA_VERSION. Several processes may open a fresh database at
 * once, so each migration re-checks inside its own IMMEDIATE transaction whether it was applied.
 */
export function migrate(db: Database.Database, path: string): void {
  db.transaction(() => db.exec(CREATE_MIGRATIONS_TABLE)).immediate();
  assertNoUnknownMigration(appliedVersions(db), path);
  const isApplied = db.prepare<[number], { one: number }>('SELECT 1 AS one FROM schema_migrations WHERE version = ?');
  const record = db.prepare<[number, string, number]>(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  for (const migration of MIGRATIONS) {
    db.transaction(() => {
      if (isApplied.get(migration.version) !== undefined) return;
      migration.up(db);
      record.run(migration.version, migration.name, Date.now());
    }).immediate();
  }
}

/**
 * Whether the file holds tasksieve's tables, none at all, or someone else's. Read before anything is
 * written (the WAL switch and the migrations both write), so a foreign database is refused unchanged.
 * "Ours" means migration 1 is recorded in our schema_migrations table; a lone empty schema_migrations
 * is a database another tasksieve process is creating right now (it creates that table first).
 */
export function databaseKind(db: Database.Database): { kind: 'empty' | 'tasksieve' } | { kind: 'foreign'; tables: string[] } {
  const tables = db
    .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`)
    .all()
    .map((row) => row.name);
  if (tables.length === 0) return { kind: 'empty' };
  if (!tables.includes('schema_migrations')) return { kind: 'foreign', tables };
  let records: { version: unknown; name: unknown }[];
  try {
    records = db.prepare<[], { version: unknown; name: unknown }>('SELECT version, name FROM schema_migrations').all();
  } catch {
    return { kind: 'foreign', tables }; // another program's schema_migrations, with other columns
  }
  if (records.some((r) => r.version === 1 && r.name === MIGRATIONS[0]!.name)) return { kind: 'tasksieve' };
  if (records.length === 0 && tables.length === 1) return { kind: 'tasksieve' };
  return { kind: 'foreign', tables };
}

/** The one-line refusal of a database that is not tasksieve's; the same words for both backends. */
export function foreignDatabase(path: string, tables: readonly string[]): DatabaseInputError {
  const shown = tables.length > 5 ? [...tables.slice(0, 5), '…'] : tables;
  return new DatabaseInputError(
    `${path} is not a tasksieve database: it has tables ${shown.join(', ')} but no tasksieve migration record ` +
      `(left unchanged; use a new database or a tasksieve one)`,
  );
}

/** Refuses, before any write, a database holding another program's tables. */
export function assertWritableDatabase(db: Database.Database, path: string): void {
  const found = databaseKind(db);
  if (found.kind === 'foreign') throw foreignDatabase(path, found.tables);
}

/** A read-only connection cannot migrate: it only checks that the schema is exactly the known one. */
export function checkSchema(db: Database.Database, path: string): void {
  const found = databaseKind(db);
  if (found.kind === 'foreign') throw foreignDatabase(path, found.tables);
  if (found.kind === 'empty' || appliedVersions(db).length === 0) {
    throw new DatabaseInputError(`${path} is not a tasksieve database (it has no tasksieve migration record)`);
  }
  assertSchemaCurrent(appliedVersions(db), path);
}

/** What a read-only connection of either backend requires of the applied versions: exactly the known ones. */
export function assertSchemaCurrent(applied: readonly number[], path: string): void {
  assertNoUnknownMigration(applied, path);
  if (applied.length < SCHEMA_VERSION) {
    throw new StoreError(
      `database ${path} is at schema version ${applied.length}, this tasksieve needs ${SCHEMA_VERSION}; ` +
        `open it once read-write (e.g. resume the study) to migrate it`,
    );
  }
}
