// A throwaway local PostgreSQL server for benchmarks that were given no --db: the same script the
// tests and CI use (scripts/pg-test-server.sh). Needs Debian's postgresql package.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'pg-test-server.sh');

export function startPgServer(): { url: string; stop(): void } {
  const started = spawnSync('bash', [SERVER_SCRIPT, 'start'], { encoding: 'utf8' });
  const url = /TASKSIEVE_TEST_PG_URL=(\S+)/.exec(started.stdout)?.[1];
  const dir = /TASKSIEVE_TEST_PG_DIR=(\S+)/.exec(started.stdout)?.[1];
  if (started.status !== 0 || !url || !dir) {
    throw new Error(`no --db given and no local server could be started: ${started.stderr.trim()} (install postgresql)`);
  }
  return { url, stop: () => void spawnSync('bash', [SERVER_SCRIPT, 'stop', dir]) };
}
