// Public names of the worker module that the main thread may use: protocol types, backend names,
// worker errors and the path of the compiled entry. Main thread; must not import tfjs or worker code
// at runtime (the pool loads the entry by path).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export * from './protocol.js';
export { BackendUnavailableError } from './errors.js';

/**
 * Absolute path of the compiled worker entry (dist/worker/entry.js), for a piscina `filename`.
 * From the TypeScript sources (tests run through vitest) it points at the build output in dist/.
 */
export function workerEntryPath(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? resolve(dirname(here), '../../dist/worker/entry.js') : resolve(dirname(here), 'entry.js');
}
