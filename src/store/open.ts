// Opening a store by location: a `postgres://` / `postgresql://` URL opens PostgreSQL, anything else
// (optionally prefixed `sqlite:`) is a SQLite file path. Main thread only; must not import tfjs.
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './types.js';

export interface OpenStoreOptions {
  /** Read only: never creates or migrates, refuses every write. */
  readonly readonly?: boolean;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** `sqlite:runs/a.db` → `runs/a.db`; other locations unchanged. */
export function sqlitePath(location: string): string {
  return location.replace(/^sqlite:/i, '');
}

export function openStore(location: string, options: OpenStoreOptions = {}): Store {
  return isPostgresUrl(location) ? PostgresStore.open(location, options) : SqliteStore.open(sqlitePath(location), options);
}
