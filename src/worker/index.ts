// Public names of the worker module that the main thread may use: protocol types, backend names,
// worker errors, the path of the compiled entry, the shared parses of data files, and loadTf. Main thread; must not import tfjs or
// worker code at load time (the pool loads the entry by path; loadTf imports tfjs when called).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { BackendName } from '../spec/units.js';

export * from './protocol.js';
export { BackendUnavailableError } from './errors.js';
export { sharedDatasetsFor, type SharedCsv } from './shared-data.js';

/** The tfjs namespace as this package loads it. */
export type Tf = typeof import('./backend.js').tf;

/**
 * tfjs on the calling thread, for the few main-thread commands that run a model themselves
 * (`tasksieve predict`, the library's loadModel): imported on the first call, never before, so
 * nothing else pays its start-up. `preferred` first (a model's own backend gives its exact
 * predictions), else the best that loads.
 */
export async function loadTf(preferred: BackendName | null): Promise<{ readonly tf: Tf; readonly backend: BackendName }> {
  const { tf, initBackend } = await import('./backend.js');
  let backend: BackendName;
  try {
    backend = await initBackend(preferred);
  } catch {
    backend = await initBackend(null);
  }
  return { tf, backend };
}

/**
 * Absolute path of the compiled worker entry (dist/worker/entry.js), for a piscina `filename`.
 * From the TypeScript sources (tests run through vitest) it points at the build output in dist/.
 */
export function workerEntryPath(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? resolve(dirname(here), '../../dist/worker/entry.js') : resolve(dirname(here), 'entry.js');
}
