// Finding a study and its database from command-line arguments. Main thread. Loads the study-file
// parser (src/config, YAML, the data checks) only when an argument is a study file.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ResolvedStudy } from '../spec/study.js';
import { StudyConfigError } from '../errors.js';
import { isPostgresUrl, PostgresStore, redactUrl, SqliteStore, sqlitePath, type PostgresStoreOptions, type SqliteStoreOptions } from '../store/index.js';
import type { Store } from '../store/types.js';
import type { StudyRecord } from '../spec/records.js';

export const DEFAULT_DB = 'tasksieve.db';

/** A study argument is a file when it names a YAML file or any existing file; otherwise a name. */
export function isStudyFile(arg: string): boolean {
  if (/\.ya?ml$/i.test(arg)) return true;
  return existsSync(arg) && statSync(arg).isFile();
}

/**
 * `--db` wins, then the study file's `storage`, then tasksieve.db in the working directory. A
 * `postgres://` URL is kept as it is; a path (optionally `sqlite:PATH`) is made absolute.
 */
export function dbPath(db: string | undefined, study?: ResolvedStudy | null): string {
  const location = db ?? study?.storage ?? DEFAULT_DB;
  return isPostgresUrl(location) ? location : resolve(sqlitePath(location));
}

/** The location for messages: a URL's password is masked. */
export function dbLabel(path: string): string {
  return isPostgresUrl(path) ? redactUrl(path) : path;
}

/** Opens, creating when needed, the database a run writes to (a SQLite file's folder is created too). */
export function openForWrite(path: string, options: SqliteStoreOptions & PostgresStoreOptions = {}): Store {
  if (isPostgresUrl(path)) return PostgresStore.open(path, { dbTimeoutMs: options.dbTimeoutMs, onOutage: options.onOutage });
  mkdirSync(dirname(path), { recursive: true });
  return SqliteStore.open(path, options);
}

export function openExisting(path: string, readonly: boolean, options: SqliteStoreOptions & PostgresStoreOptions = {}): Store {
  if (isPostgresUrl(path)) return PostgresStore.open(path, { readonly, dbTimeoutMs: options.dbTimeoutMs, onOutage: options.onOutage });
  if (!existsSync(path)) throw new StudyConfigError(`${path}: database not found`);
  return SqliteStore.open(path, { ...options, readonly });
}

export function findStudy(store: Store, name: string, path: string): StudyRecord {
  const record = store.getStudy(name);
  if (record) return record;
  const names = store.listStudies().map((s) => s.name);
  const known = names.length > 0 ? `studies: ${names.slice(0, 8).join(', ')}` : 'it has no study';
  throw new StudyConfigError(`${dbLabel(path)}: study "${name}" not found (${known})`);
}

/**
 * Opens the database read-only and finds the study named by a file or a name (`--db` as in dbPath).
 * The store is closed again if the study is not there; otherwise the caller closes it.
 */
export async function openStudyToRead(target: string, db: string | undefined): Promise<{ store: Store; record: StudyRecord }> {
  return openStudy(target, db, { readonly: true });
}

/** openStudyToRead, or writable (`readonly: false`) for commands that add to an existing study. */
export async function openStudy(
  target: string,
  db: string | undefined,
  { readonly }: { readonly readonly: boolean },
): Promise<{ store: Store; record: StudyRecord }> {
  const study = isStudyFile(target) ? (await import('../config/index.js')).loadStudyFile(target, { checkData: false }) : null;
  const path = dbPath(db, study);
  const store = openExisting(path, readonly);
  try {
    return { store, record: findStudy(store, study?.name ?? target, path) };
  } catch (error) {
    store.close();
    throw error;
  }
}
