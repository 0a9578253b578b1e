// Runs a Python peer script (bench/peers/*.py) with Debian's /usr/bin/python3: sends a JSON request
// on stdin, parses the JSON it prints and decodes it with the caller's check (a reply of another
// shape is a missing peer with the path of the mismatch, never a cast). A missing interpreter or
// module is reported, never thrown, so a benchmark still prints our own figures.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckError, arrayOf, number, shape, string, type Check } from '../src/util/check.js';

export const PYTHON = '/usr/bin/python3';
/** The venv with the newest Optuna (5.x) and a CPU torch, made from PYTHON with --system-site-packages. */
export const VENV_PYTHON = '/work/venv/bin/python';

export interface PeerOptions {
  /** Module whose import proves the peer can run (default optuna). */
  readonly module?: string;
  /** Interpreter (default PYTHON). */
  readonly python?: string;
  /** Extra environment variables of the peer process (e.g. OMP_NUM_THREADS). */
  readonly env?: Readonly<Record<string, string>>;
}
const PEERS = join(dirname(fileURLToPath(import.meta.url)), 'peers');

export type PeerOutcome<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly reason: string };

/** Null when `python` imports `module`; else why not, in one line. */
export function peerMissing(module: string, python = PYTHON): string | null {
  const probe = spawnSync(python, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8' });
  if (probe.error) return `${python} cannot run (${probe.error.message})`;
  if (probe.status !== 0) {
    const last = probe.stderr.trim().split('\n').pop() ?? '';
    const hint = python === PYTHON ? `install the Debian package python3-${module}` : 'see docs/benchmarks.md for the venv';
    return `${python} cannot import ${module} (${last}); ${hint}`;
  }
  return null;
}

/** The version `python` reports for `module`, or null when it cannot import it. */
export function peerVersion(module: string, python = PYTHON): string | null {
  const probe = spawnSync(python, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

/** Starts `script` at once and resolves with its JSON output, decoded by `check` (or why there is none). */
export function runPeer<T>(script: string, request: unknown, check: Check<T>, options: string | PeerOptions = 'optuna'): Promise<PeerOutcome<T>> {
  const { module = 'optuna', python = PYTHON, env = {} } = typeof options === 'string' ? { module: options } : options;
  const missing = peerMissing(module, python);
  if (missing !== null) return Promise.resolve({ ok: false, reason: missing });
  return new Promise((resolve) => {
    const child = spawn(python, [join(PEERS, script)], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.on('error', (e) => resolve({ ok: false, reason: `${script}: ${e.message}` }));
    child.on('close', (code) => {
      if (code !== 0) {
        resolve({ ok: false, reason: `${script} exited with ${code}: ${err.trim().split('\n').pop() ?? ''}` });
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(out);
      } catch {
        resolve({ ok: false, reason: `${script} printed no JSON` });
        return;
      }
      try {
        resolve({ ok: true, data: check(parsed, '') });
      } catch (error) {
        if (!(error instanceof CheckError)) throw error;
        resolve({ ok: false, reason: `${script} printed another reply than expected: ${error.message}` });
      }
    });
    child.stdin.end(JSON.stringify(request));
  });
}

/** What bench/peers/torch_training.py prints (the training and CNN benchmarks), decoded. */
export const TORCH_SPEEDS = shape<{ torch: string; samples_per_s: readonly number[]; samples_per_cpu_s: readonly number[] }>(
  { torch: string, samples_per_s: arrayOf(number), samples_per_cpu_s: arrayOf(number) },
  { open: true },
);
