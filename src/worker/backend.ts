// Chooses and initialises the tfjs backend of the current thread (tensorflow > wasm > cpu).
// Worker side (also used directly by tests and benchmarks). The only module that imports tfjs at
// runtime; must not import the store, the CLI or YAML parsing.
import { createRequire } from 'node:module';
import type * as tfjs from '@tensorflow/tfjs';
import { BACKENDS, type BackendName } from '../spec/units.js';
import { BackendUnavailableError } from './errors.js';

// tfjs ships CommonJS bundles of several MB. require() loads them directly; an ESM import would
// first scan each whole bundle for its export names (cjs-module-lexer), which costs every worker
// thread about half a CPU second at start-up.
const require = createRequire(import.meta.url);
export const tf: typeof tfjs = require('@tensorflow/tfjs');

/** Best first: native TensorFlow, then WebAssembly (SIMD, single thread in Node), then plain JS. */
const PREFERENCE: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/**
 * Initialises `requested` (or, for null, the first backend of tensorflow, wasm, cpu that loads) and
 * makes it the active tfjs backend of this thread. Idempotent: a second call for the active backend
 * is cheap. Throws BackendUnavailableError when a requested backend cannot load.
 */
export async function initBackend(requested: BackendName | null): Promise<BackendName> {
  if (requested !== null && !BACKENDS.includes(requested)) {
    // workerData arrives untyped from another thread.
    throw new BackendUnavailableError(`unknown backend ${JSON.stringify(requested)} (known: ${BACKENDS.join(', ')})`);
  }
  if (requested !== null) {
    await activate(requested);
    return requested;
  }
  const reasons: string[] = [];
  for (const name of PREFERENCE) {
    try {
      await activate(name);
      return name;
    } catch (error) {
      reasons.push((error as Error).message);
    }
  }
  throw new BackendUnavailableError(`no tfjs backend is available: ${reasons.join('; ')}`);
}

async function activate(name: BackendName): Promise<void> {
  if (tf.getBackend() === name) return;
  await register(name);
  // setBackend resolves to false instead of throwing when the backend fails to initialise.
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (error) {
    throw unavailable(name, (error as Error).message);
  }
  if (!ok || tf.getBackend() !== name) throw unavailable(name, 'tf.setBackend() refused it');
  await tf.ready();
}

/** Loads the package that registers a backend; `cpu` ships with @tensorflow/tfjs. */
async function register(name: BackendName): Promise<void> {
  if (name === 'cpu') return;
  const pkg = name === 'tensorflow' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-backend-wasm';
  try {
    // A variable specifier: tfjs-node is an optionalDependency that is often absent, so it must not
    // be resolved at compile time.
    require(pkg);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const missing = e.code === 'MODULE_NOT_FOUND' && e.message.includes(`'${pkg}'`);
    throw unavailable(name, missing ? `${pkg} is not installed` : `${pkg} failed to load: ${e.message}`);
  }
}

function unavailable(name: BackendName, reason: string): BackendUnavailableError {
  return new BackendUnavailableError(`backend "${name}" is not available: ${reason}`);
}
