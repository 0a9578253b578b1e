// Datasets parsed once, read by every worker without a copy. The main thread parses a study's CSVs
// when it loads the study (to check them); their rows live in SharedArrayBuffers, which a message to
// a worker shares instead of copying. A unit's or screen's request carries the parses of the files it
// reads; the worker adopts them into its own CSV cache, which still checks each file's size and mtime,
// so a file changed since is parsed again there. Imported by both sides; no tfjs, no worker code.
import { adoptSharedCsv, cacheKey, csvRowsOf, sharedCsv, type SharedCsv } from '../data/csv.js';
import type { SourceSpec } from '../spec/tasks.js';

export type { SharedCsv } from '../data/csv.js';

/**
 * Main side: this thread's current parses of the CSVs `tasks` read (none for a file it has not
 * parsed; model sources read no rows).
 */
export function sharedDatasetsFor(tasks: readonly SourceSpec[]): SharedCsv[] {
  const out: SharedCsv[] = [];
  const seen = new Set<string>();
  for (const task of tasks) {
    if ('model' in task || task.dataset.kind !== 'csv') continue;
    const { path, label } = task.dataset;
    const rows = csvRowsOf(task.dataset);
    const key = cacheKey(path, label, rows);
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = sharedCsv(path, label, rows);
    if (entry !== null) out.push(entry);
  }
  return out;
}

/** Worker side: take the main thread's parses as this thread's. */
export function adoptSharedDatasets(entries: readonly SharedCsv[] | undefined): void {
  for (const entry of entries ?? []) adoptSharedCsv(entry);
}
