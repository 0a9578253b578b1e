// Finding a study and its database from command-line arguments. Main thread.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ResolvedStudy } from '../config/types.js';
import { StudyConfigError } from '../errors.js';
import { SqliteStore } from '../store/index.js';
import type { Store, StudyRecord } from '../store/types.js';

export const DEFAULT_DB = 'tasksieve.db';

/** A study argument is a file when it names a YAML file or any existing file; otherwise a name. */
export function isStudyFile(arg: string): boolean {
  if (/\.ya?ml$/i.test(arg)) return true;
  return existsSync(arg) && statSync(arg).isFile();
}

/** `--db` wins, then the study file's `storage`, then tasksieve.db in the working directory. */
export function dbPath(db: string | undefined, study?: ResolvedStudy | null): string {
  return resolve(db ?? study?.storage ?? DEFAULT_DB);
}

export function openExisting(path: string, readonly: boolean): Store {
  if (!existsSync(path)) throw new StudyConfigError(`${path}: database not found`);
  return SqliteStore.open(path, { readonly });
}

export function findStudy(store: Store, name: string, path: string): StudyRecord {
  const record = store.getStudy(name);
  if (record) return record;
  const names = store.listStudies().map((s) => s.name);
  const known = names.length > 0 ? `studies: ${names.slice(0, 8).join(', ')}` : 'it has no study';
  throw new StudyConfigError(`${path}: study "${name}" not found (${known})`);
}
