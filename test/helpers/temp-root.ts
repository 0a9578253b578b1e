// vitest globalSetup: every temporary file of a test run goes under one folder, removed after the run.
// The tests make their databases, study files and models with mkdtemp in os.tmpdir() (as do the CLI
// processes and workers they start); without this a run left ~300 folders in /tmp, and a developer's
// /tmp grew by gigabytes. TMPDIR set here reaches the test processes, which start after it, and every
// process they start. TASKSIEVE_KEEP_TEST_TMP=1 keeps the folder (to look at a failure's files).
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'tasksieve-test-run-'));
  // Like /tmp for the processes the tests run as other users (a runner as nobody, the PostgreSQL
  // server): they must reach the folders made for them inside.
  chmodSync(root, 0o755);
  process.env['TMPDIR'] = root;
  return () => {
    if (process.env['TASKSIEVE_KEEP_TEST_TMP'] === '1') {
      process.stderr.write(`test files kept in ${root}\n`);
      return;
    }
    rmSync(root, { recursive: true, force: true });
  };
}
