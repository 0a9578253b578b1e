// A resume right after a crash must not report success with trials still RUNNING under the dead
// process. The sequence of a user whose machine keeps dying (test/helpers/crash-sequence.ts: run,
// SIGKILL the process group at 1/5, 2/5, 3/5 of the trials by progress, restart at once, then ONE
// resume at once), with the killed runs reaped at once or left zombies (a zombie's pid still answers
// kill -0, which is what made resume take its owner for alive); a trial held by a live process that
// is not its owner (a reused pid); and one held by a runner on another host, which only its
// heartbeat can judge. The full count is `npm run bench -- crash-resume`.
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import { SqliteStore } from '../../src/store/index.js';
import { cli, cliAsync, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { crashSequence, type CrashSequenceOutcome } from '../helpers/crash-sequence.js';
import { freshDatabaseForSuite } from '../helpers/pg.js';
import { killedAfterEach, processStartTime as startOf } from '../helpers/processes.js';

const TOTAL = 10;
const KILLS = [2, 4, 6];

function expectExact(outcome: CrashSequenceOutcome): void {
  expect(outcome.leftOver, 'trials left unfinished after one resume').toEqual([]);
  expect(outcome.resumeStatus, outcome.resumeStderr).toBe(0);
  expect(outcome.finished).toBe(TOTAL);
  expect(outcome.summaryFinished).toBe(TOTAL);
  expect(outcome.uniqueNumbers).toBe(true);
  expect(outcome.changed, 'finished trials changed by a later run').toEqual([]);
}

function studyFile(name: string): string {
  return writeStudy(tempDir('tasksieve-crash-'), syntheticStudyYaml({ name, trials: TOTAL, workers: 2, seeds: 2 }));
}

const track = killedAfterEach();

describe('one resume after repeated crashes finishes the study exactly', () => {
  const database = freshDatabaseForSuite();

  it('SQLite, the killed runs left zombies until the end', async () => {
    const file = studyFile('crashed');
    const db = join(tempDir('tasksieve-crash-'), 'study.db');
    expectExact(await crashSequence({ file, db, name: 'crashed', killAt: KILLS, reap: 'late' }));
  }, 240_000);

  it('SQLite, the killed runs reaped at once', async () => {
    const file = studyFile('crashed');
    const db = join(tempDir('tasksieve-crash-'), 'study.db');
    expectExact(await crashSequence({ file, db, name: 'crashed', killAt: KILLS, reap: 'at-once' }));
  }, 240_000);

  it('PostgreSQL, the killed runs left zombies until the end', async () => {
    const file = studyFile('crashed');
    expectExact(await crashSequence({ file, db: database.url, name: 'crashed', killAt: KILLS, reap: 'late' }));
  }, 240_000);
});

/** A study whose trial #0 is RUNNING under `owner` (as if that runner had claimed it), in a SQLite file. */
function studyHeldBy(owner: string, trials = 2): { file: string; db: string; trialId: number } {
  const file = writeStudy(tempDir('tasksieve-held-'), syntheticStudyYaml({ name: 'held', trials, workers: 1, seeds: 1 }));
  const db = join(tempDir('tasksieve-held-'), 'study.db');
  const store = SqliteStore.open(db);
  try {
    const handle = StudyHandle.open({ store, study: loadStudyFile(file), owner });
    return { file, db, trialId: handle.ask()!.id };
  } finally {
    store.close();
  }
}

describe('owners that cannot finish, and owners that may', () => {
  it('a reused pid (a live process that is not the owner) does not keep its trial: re-queued at once and re-run', () => {
    const impostor = track(spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' }));
    const pid = impostor.pid!;
    // The owner had this pid but started at another time: the pid now belongs to the sleep.
    const { file, db, trialId } = studyHeldBy(`${hostname()}:${pid}:${Number(startOf(pid)) - 100}:dead`);
    const result = cli(['resume', file, '--db', db, '--json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ finished: 2, total: 2, requeued: 1, unfinished: [] });
    const store = SqliteStore.open(db, { readonly: true });
    try {
      expect(store.getTrial(trialId)).toMatchObject({ state: 'COMPLETE', attempts: 2 });
    } finally {
      store.close();
    }
  });

  it('another host with a fresh heartbeat: --no-wait exits 3 naming the trial; a waiting resume ends when that owner finishes it', async () => {
    const remote = 'another-machine:4242:777:cafe';
    const { file, db, trialId } = studyHeldBy(remote);
    const early = cli(['resume', file, '--db', db, '--no-wait']);
    expect(early.status).toBe(3);
    expect(early.stderr.split('\n').at(-2)).toMatch(/^study held is not finished \(1\/2\): #0 RUNNING under another-machine:4242:777:cafe \(heartbeat [\d.]+s ago\); run `tasksieve resume` without --no-wait to wait for them$/);
    expect(early.stdout).toMatch(/^study held: 1\/2 trials finished/);

    // Waits: the remote runner is alive as far as anyone here can tell.
    const waiting = cliAsync(['resume', file, '--db', db]);
    track(waiting.child);
    let stderr = '';
    waiting.child.stderr!.on('data', (d) => (stderr += d));
    for (let i = 0; i < 600 && !stderr.includes('waiting for trial(s)'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toMatch(/waiting for trial\(s\) still running elsewhere: #0 \(another-machine:4242:777:cafe, heartbeat [\d.]+s ago\)\n/);
    // The remote runner finishes its trial (its value is its own business here).
    const store = SqliteStore.open(db);
    try {
      const handle = StudyHandle.open({ store, study: loadStudyFile(file), owner: remote });
      handle.tell(trialId, { state: 'COMPLETE', value: 0.5 });
    } finally {
      store.close();
    }
    const done = await waiting.done;
    expect(done.status).toBe(0);
    expect(done.stdout).toMatch(/^study held: 2\/2 trials finished \(this run: 0 complete, 0 failed\)/);
    const reader = SqliteStore.open(db, { readonly: true });
    try {
      // Its own result, never re-queued.
      expect(reader.getTrial(trialId)).toMatchObject({ state: 'COMPLETE', value: 0.5, attempts: 1, owner: remote });
    } finally {
      reader.close();
    }
  }, 120_000);

  it('another host whose heartbeat went stale: re-queued by the heartbeat rule and re-run', () => {
    const remote = 'another-machine:4242:777:cafe';
    const { file, db, trialId } = studyHeldBy(remote);
    // Its last heartbeat was two minutes ago (the default rule re-queues after one).
    const conn = new Database(db);
    conn.prepare('UPDATE trials SET heartbeat_at = ? WHERE id = ?').run(Date.now() - 120_000, trialId);
    conn.close();
    const result = cli(['resume', file, '--db', db, '--json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ finished: 2, total: 2, requeued: 1 });
  });
});
