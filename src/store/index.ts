// Public names of the store: the Store contract and its SQLite and PostgreSQL implementations. Main thread only;
// must not import tfjs or worker code.

export { FINISHED_STATES, TRIAL_STATES } from '../spec/records.js';
export type { ArtifactInfo, ArtifactRecord, BaselineRecord, IntermediateRecord, StudyIntermediateRecord, Json, StudyRecord, TrialRecord, TrialState, UnitRecord } from '../spec/records.js';
export type { FinishTrial, KeptArtifacts, NewArtifact, NewTrial, Store } from './types.js';
export { SqliteStore } from './sqlite/sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite/sqlite-store.js';
export { PostgresStore, redactUrl } from './postgres/postgres-store.js';
export type { PostgresStoreOptions } from './postgres/postgres-store.js';
export { isPostgresUrl, openStore, sqlitePath } from './open.js';
export type { OpenStoreOptions } from './open.js';
export { MIGRATIONS, SCHEMA_VERSION } from './sqlite/migrations.js';
export type { Migration, MigrationDb } from './sqlite/migrations.js';
export { DEFAULT_DB_TIMEOUT_MS, OutageGuard, TransientStoreError } from './outage.js';
export type { OutageOptions } from './outage.js';
