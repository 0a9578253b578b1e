// Errors raised by the worker side that the main side may want to recognise by class or code.
// Plain classes, no tfjs: safe to import from the main thread through src/worker/index.ts.
import { TasksieveError } from '../errors.js';

/** A requested tfjs backend cannot load in this process (package missing or its binary broken). */
export class BackendUnavailableError extends TasksieveError {
  readonly code = 'E_BACKEND_UNAVAILABLE';
  // The user asked for it (study file or command line), so it is their input to change.
  override readonly exitCode = 2;
  override readonly name = 'BackendUnavailableError';
}
