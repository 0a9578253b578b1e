// The database goes away while a study runs: a SQLite file moved away (and back), a PostgreSQL server
// stopped (and started again). A short outage is ridden out (the run blocks and retries, then goes on);
// one past --db-timeout ends the run with exit 1 and one line naming the database. Either way nothing
// finished is lost or counted twice, and a resume finishes the study exactly. Real processes, a real
// SQLite file, a throwaway PostgreSQL cluster of this file's own (stopped and started by the test).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore, redactUrl, SqliteStore, type Store } from '../../src/store/index.js';
import type { TrialRecord } from '../../src/spec/records.js';
import { BIN, ROOT, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { integrityCheck, isFinished, sleep, spawnCli, type Spawned } from './helpers.js';

const SCRIPT = join(ROOT, 'scripts', 'pg-test-server.sh');
// Enough trials that a study is still running when a test stops or moves its database after the first
// few (a trial takes ~50 ms on the stack kernel; at 12 the study could end first).
const TOTAL = 40;

function read(open: () => Store, name: string): TrialRecord[] {
  const store = open();
  try {
    const study = store.getStudy(name);
    return study === null ? [] : store.getTrials(study.id);
  } finally {
    store.close();
  }
}

/** Polls until `count` trials of the study are finished (the run is still going when it returns). */
async function waitFinished(open: () => Store, name: string, count: number, run: Spawned): Promise<void> {
  let exited = false;
  void run.done.then(() => (exited = true));
  const deadline = Date.now() + 120_000;
  for (;;) {
    let finished = 0;
    try {
      finished = read(open, name).filter(isFinished).length;
    } catch {
      // not created yet
    }
    if (finished >= count) return;
    if (exited) throw new Error(`the run ended before ${count} trials were finished: ${run.stderr()}`);
    if (Date.now() > deadline) throw new Error(`not ${count} finished trials within 120 s`);
    await sleep(20);
  }
}

/** Polls until every file of `paths` exists (the run still going). */
async function waitForFiles(paths: readonly string[], run: Spawned): Promise<void> {
  let exited = false;
  void run.done.then(() => (exited = true));
  const deadline = Date.now() + 120_000;
  while (!paths.every((p) => existsSync(p))) {
    if (exited) throw new Error(`the run ended before it created ${paths.join(', ')}: ${run.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no ${paths.join(', ')} within 120 s`);
    await sleep(5);
  }
}

/** Exactly the total, numbers 0..n-1 once each, every trial COMPLETE, and `before` unchanged. */
function expectExact(trials: readonly TrialRecord[], before: readonly TrialRecord[] = []): void {
  expect(trials.map((t) => t.number)).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
  expect(trials.filter((t) => t.state !== 'COMPLETE').map((t) => [t.number, t.state, t.error])).toEqual([]);
  const now = new Map(trials.map((t) => [t.id, t]));
  for (const finished of before.filter(isFinished)) {
    expect(now.get(finished.id)).toMatchObject({ number: finished.number, value: finished.value, finishedAt: finished.finishedAt });
  }
}

describe('SQLite: the file moved away mid-study', () => {
  it('back within --db-timeout: the run waits, then finishes the study exactly', async () => {
    const dir = tempDir('tasksieve-outage-');
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'moved', trials: TOTAL, workers: 1, seeds: 1 }));
    const db = join(dir, 'study.db');
    const open = () => SqliteStore.open(db, { readonly: true });
    const run = spawnCli(['run', file, '--db', db, '--db-timeout', '20']);
    await waitFinished(open, 'moved', 2, run);
    renameSync(db, `${db}.away`);
    await sleep(2_000);
    renameSync(`${db}.away`, db);
    const result = await run.done;
    expect(result.stderr).toMatch(new RegExp(`^database ${db} unavailable \\(${db} is gone \\(deleted or moved away\\)\\); retrying for up to 20 s`, 'm'));
    expect(result.stderr).toMatch(new RegExp(`^database ${db} back after \\d`, 'm'));
    expect(result.status).toBe(0);
    expectExact(read(open, 'moved'));
    expect(integrityCheck(db)).toEqual(['ok']);
  });

  it('away past --db-timeout: exit 1 and one line naming the file; nothing written elsewhere; resume finishes exactly', async () => {
    const dir = tempDir('tasksieve-outage-');
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'gone', trials: TOTAL, workers: 1, seeds: 1 }));
    const db = join(dir, 'study.db');
    const open = () => SqliteStore.open(db, { readonly: true });
    const run = spawnCli(['run', file, '--db', db, '--db-timeout', '2', '--quiet']);
    await waitFinished(open, 'gone', 2, run);
    renameSync(db, `${db}.away`);
    const awayAt = Date.now();
    const result = await run.done;
    // 2 s of retries, then at most one unit's training before the run notices (its slot was busy).
    expect(Date.now() - awayAt).toBeLessThan(15_000);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(
        `^tasksieve run: database ${db} unavailable for [\\d.]+ s, past --db-timeout 2 s \\(${db} is gone \\(deleted or moved away\\)\\); ` +
          'finished trials are kept: run `tasksieve resume` when it is back\\n$',
      ),
    );
    renameSync(`${db}.away`, db);
    expect(integrityCheck(db)).toEqual(['ok']);
    const before = read(open, 'gone');
    expect(before.filter(isFinished).length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(TOTAL);

    const resumed = await spawnCli(['resume', 'gone', '--db', db, '--json']).done;
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ finished: TOTAL, total: TOTAL });
    expectExact(read(open, 'gone'), before);
  });
});

// Root ignores permissions: the runner runs as `nobody` (runuser) so that a read-only folder binds it.
const asNobody = process.getuid?.() === 0 && spawnSync('runuser', ['-u', 'nobody', '--', 'true']).status === 0;

describe.skipIf(!asNobody)('SQLite: the database folder made unwritable mid-study (a runner as nobody)', () => {
  it('changes nothing for the running process: it finishes the study exactly', async () => {
    const dir = tempDir('tasksieve-outage-');
    chmodSync(dir, 0o777);
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'readonly-dir', trials: TOTAL, workers: 1, seeds: 1 }));
    chmodSync(file, 0o644);
    const folder = join(dir, 'db');
    mkdirSync(folder, { mode: 0o777 });
    spawnSync('chown', ['nobody', folder]);
    const db = join(folder, 'study.db');
    const child = spawn('runuser', ['-u', 'nobody', '--', process.execPath, BIN, 'run', file, '--db', db, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    const run = { child, stderr: () => stderr, done: done.then((status) => ({ status, signal: null, stdout: '', stderr })) } as Spawned;
    const open = () => SqliteStore.open(db, { readonly: true });
    // This process is root: a reader it opens before the runner has its WAL files would create the
    // shared-memory file owned by root, which the runner (nobody) then cannot write. Wait for them.
    await waitForFiles([`${db}-wal`, `${db}-shm`], run);
    await waitFinished(open, 'readonly-dir', 2, run);
    chmodSync(folder, 0o555); // its owner, nobody, can no longer create or delete files in it
    try {
      expect(await done).toBe(0);
      expect(stderr).toBe('');
    } finally {
      chmodSync(folder, 0o755);
    }
    expectExact(read(open, 'readonly-dir'));
    expect(integrityCheck(db)).toEqual(['ok']);
  });
});

describe('PostgreSQL: the server stopped mid-study', () => {
  let server: { url: string; dir: string } | null = null;
  const script = (...args: string[]) => {
    const done = spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8', timeout: 120_000 });
    if (done.status !== 0) throw new Error(`${SCRIPT} ${args.join(' ')}: ${done.stderr}`);
    return done.stdout;
  };
  beforeAll(() => {
    // This file's own cluster: stopping the shared test server would break every other test.
    const out = script('start');
    server = { url: /TASKSIEVE_TEST_PG_URL=(\S+)/.exec(out)![1]!, dir: /TASKSIEVE_TEST_PG_DIR=(\S+)/.exec(out)![1]! };
  });
  afterAll(() => {
    if (server !== null) script('stop', server.dir);
  });
  const open = () => PostgresStore.open(server!.url, { readonly: true });

  it('stopped for 3 s: two workers wait (those that touch it), then finish the study exactly, each trial run once', async () => {
    const dir = tempDir('tasksieve-outage-');
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'restart', trials: TOTAL, workers: 1, seeds: 1 }));
    PostgresStore.open(server!.url).close(); // migrated before the reader polls
    const workers = [0, 1].map(() => spawnCli(['worker', file, '--db', server!.url, '--db-timeout', '30', '--json']));
    await waitFinished(open, 'restart', 3, workers[0]!);
    script('halt', server!.dir);
    await sleep(3_000);
    script('resume', server!.dir);
    const results = await Promise.all(workers.map((w) => w.done));
    const label = server!.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const down = new RegExp(`^database ${label} unavailable \\(PostgreSQL ${label}: .+\\); retrying for up to 30 s \\(--db-timeout\\)$`);
    const up = new RegExp(`^database ${label} back after \\S+$`);
    let outages = 0;
    for (const result of results) {
      // A worker that touched the database while it was stopped says so (a line when the outage began,
      // one when it ended), and nothing else went wrong. A worker that spent the 3 s training a unit
      // (the machine's pace decides) never saw it and prints nothing.
      const lines = result.stderr.split('\n').filter((l) => l !== '');
      expect(lines.filter((l) => !down.test(l) && !up.test(l))).toEqual([]);
      expect(lines.filter((l) => up.test(l)).length).toBe(lines.filter((l) => down.test(l)).length);
      outages += lines.filter((l) => down.test(l)).length;
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ finished: TOTAL, total: TOTAL });
    }
    // The stop landed mid-study: at least one worker waited through it.
    expect(outages).toBeGreaterThanOrEqual(1);
    const trials = read(open, 'restart');
    expectExact(trials);
    // Nobody died: no trial was re-queued, each ran once.
    expect(trials.map((t) => t.attempts)).toEqual(trials.map(() => 1));
  });

  it('stopped past --db-timeout: exit 1 and one line naming the server (password masked); resume finishes exactly', async () => {
    const dir = tempDir('tasksieve-outage-');
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'outage', trials: TOTAL, workers: 1, seeds: 1 }));
    const url = new URL(server!.url);
    url.password = 'hunter2'; // trust auth ignores it; the messages must not show it
    PostgresStore.open(server!.url).close();
    const run = spawnCli(['worker', file, '--db', url.toString(), '--db-timeout', '2', '--quiet']);
    await waitFinished(open, 'outage', 2, run);
    script('halt', server!.dir);
    const stoppedAt = Date.now();
    let result;
    try {
      result = await run.done;
    } finally {
      script('resume', server!.dir);
    }
    expect(Date.now() - stoppedAt).toBeLessThan(20_000);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const label = redactUrl(url.toString()).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(result.stderr).toMatch(
      new RegExp(`^tasksieve worker: database ${label} unavailable for [\\d.]+ s, past --db-timeout 2 s \\(PostgreSQL ${label}: [^\\n]+\\); ` +
        'finished trials are kept: run `tasksieve resume` when it is back\\n$'),
    );
    expect(result.stderr).not.toContain('hunter2');
    const before = read(open, 'outage');
    expect(before.filter(isFinished).length).toBeGreaterThanOrEqual(2);
    expect(before.filter(isFinished).length).toBeLessThan(TOTAL);

    const resumed = await spawnCli(['resume', 'outage', '--db', server!.url, '--json']).done;
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ finished: TOTAL, total: TOTAL });
    const after = read(open, 'outage');
    expectExact(after, before);
    // The trials the stopped runner held were re-run once, by the resume; none was created twice.
    const held = before.filter((t) => t.state === 'RUNNING').map((t) => t.id);
    expect(after.filter((t) => held.includes(t.id)).every((t) => t.attempts === 2)).toBe(true);
  });
});
