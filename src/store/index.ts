// Public names of the store: the Store contract and its SQLite implementation. Main thread only;
// must not import tfjs or worker code.

export { FINISHED_STATES, TRIAL_STATES } from './types.js';
export type {
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
export { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
export type { Migration, MigrationDb } from './migrations.js';
