// Public names of the store: the Store contract and its SQLite and PostgreSQL implementations. Main thread only;
// must not import tfjs or worker code.

export { FINISHED_STATES, TRIAL_STATES } from './types.js';
export type {
  BaselineRecord,
  FinishTrial,
  IntermediateRecord,
  StudyIntermediateRecord,
  Json,
  NewTrial,
  Store,
  StudyRecord,
  TrialRecord,
  TrialState,
  UnitRecord,
} from './types.js';
export { SqliteStore } from './sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite-store.js';
export { PostgresStore, redactUrl } from './postgres-store.js';
export type { PostgresStoreOptions } from './postgres-store.js';
export { isPostgresUrl, openStore, sqlitePath } from './open.js';
export type { OpenStoreOptions } from './open.js';
export { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
export type { Migration, MigrationDb } from './migrations.js';
