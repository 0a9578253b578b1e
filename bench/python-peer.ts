// Runs a Python peer script (bench/peers/*.py) with Debian's /usr/bin/python3: sends a JSON request
// on stdin, parses the JSON it prints. A missing interpreter or module is reported, never thrown, so a
// benchmark still prints our own figures.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
const PEERS = join(dirname(fileURLToPath(import.meta.url)), 'peers');

export type PeerOutcome<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly reason: string };

/** Null when `/usr/bin/python3` imports `module`; else why not, in one line. */
export function peerMissing(module: string): string | null {
  const probe = spawnSync(PYTHON, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} cannot run (${probe.error.message})`;
  if (probe.status !== 0) {
    const last = probe.stderr.trim().split('\n').pop() ?? '';
    return `${PYTHON} cannot import ${module} (${last}); install the Debian package python3-${module}`;
  }
  return null;
}

/** Starts `script` at once and resolves with its parsed JSON output (or why there is none). */
export function runPeer<T>(script: string, request: unknown, module = 'optuna'): Promise<PeerOutcome<T>> {
  const missing = peerMissing(module);
  if (missing !== null) return Promise.resolve({ ok: false, reason: missing });
  return new Promise((resolve) => {
    const child = spawn(PYTHON, [join(PEERS, script)], { stdio: ['pipe', 'pipe', 'pipe'] });
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
      try {
        resolve({ ok: true, data: JSON.parse(out) as T });
      } catch {
        resolve({ ok: false, reason: `${script} printed no JSON` });
      }
    });
    child.stdin.end(JSON.stringify(request));
  });
}
