// A full disk, for real: a 2 MB tmpfs (mounted by the test; needs root) fills up while a study runs.
// SQLITE_FULL ends the run with exit 1 and one line naming the database, the database stays
// consistent (PRAGMA integrity_check), and a resume after freeing space finishes the study exactly.
// The HTML report on a full disk fails with one line and leaves the previous report (or none), never
// a half-written file.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/index.js';
import type { TrialRecord } from '../../src/spec/records.js';
import { BIN, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { integrityCheck, isFinished, sleep, spawnCli, unitInconsistencies, readStudy } from './helpers.js';

const TOTAL = 12;
const base = tempDir('tasksieve-full-');
const disk = join(base, 'disk');
mkdirSync(disk);
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk]).status === 0;
if (!mounted) console.warn(`disk-full tests skipped: cannot mount a tmpfs at ${disk} (they need root)`);

afterAll(() => {
  if (mounted) spawnSync('umount', [disk]);
  rmSync(base, { recursive: true, force: true });
});

/** Fills the file system with `name` until it has no space left (the last write fails with ENOSPC). */
function fill(name: string): void {
  spawnSync('dd', ['if=/dev/zero', `of=${join(disk, name)}`, 'bs=4k'], { stdio: 'ignore' });
  const free = Number(spawnSync('df', ['--output=avail', '-B1', disk], { encoding: 'utf8' }).stdout.trim().split('\n')[1]);
  expect(free).toBe(0);
}

function trials(db: string, name: string): TrialRecord[] {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    return store.getTrials(store.getStudy(name)!.id);
  } finally {
    store.close();
  }
}

describe.skipIf(!mounted)('a full disk (2 MB tmpfs)', () => {
  const empty = () => {
    for (const entry of readdirSync(disk)) rmSync(join(disk, entry), { recursive: true, force: true });
  };
  beforeEach(empty);

  it('SQLITE_FULL mid-study: exit 1 and one line, integrity ok, resume after freeing space finishes exactly', async () => {
    const file = writeStudy(base, syntheticStudyYaml({ name: 'full', trials: TOTAL, workers: 1, seeds: 1 }));
    const db = join(disk, 'study.db');
    const run = spawnCli(['run', file, '--db', db, '--quiet']);
    const deadline = Date.now() + 120_000;
    let exited = false;
    void run.done.then(() => (exited = true));
    for (;;) {
      let finished = 0;
      try {
        finished = trials(db, 'full').filter(isFinished).length;
      } catch {
        // not created yet
      }
      if (finished >= 2) break;
      if (exited || Date.now() > deadline) throw new Error(`no 2 finished trials: ${run.stderr()}`);
      await sleep(20);
    }
    fill('filler');
    const result = await run.done;
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^tasksieve run: database ${db} is full: database or disk is full \\(SQLITE_FULL\\)\\n$`));

    rmSync(join(disk, 'filler'));
    expect(integrityCheck(db)).toEqual(['ok']);
    const before = trials(db, 'full');
    const finishedBefore = before.filter(isFinished);
    expect(finishedBefore.length).toBeGreaterThanOrEqual(2);
    expect(finishedBefore.length).toBeLessThan(TOTAL);

    const resumed = await spawnCli(['resume', 'full', '--db', db, '--json']).done;
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ finished: TOTAL, total: TOTAL });
    const after = trials(db, 'full');
    expect(after.map((t) => t.number)).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
    expect(after.every((t) => t.state === 'COMPLETE')).toBe(true);
    const byId = new Map(after.map((t) => [t.id, t]));
    for (const t of finishedBefore) expect(byId.get(t.id)).toMatchObject({ value: t.value, finishedAt: t.finishedAt });
    expect(unitInconsistencies(readStudy(db, 'full')!)).toEqual([]);
    expect(integrityCheck(db)).toEqual(['ok']);
  });

  it('the HTML report on a full disk: one line, exit 1, the previous report unchanged and no temporary file', () => {
    // A finished study on a roomy disk; only the report goes to the small one.
    const file = writeStudy(base, syntheticStudyYaml({ name: 'reported', trials: 2, workers: 1, seeds: 1 }), 'reported.yaml');
    const db = join(base, 'reported.db');
    expect(spawnSync(process.execPath, [BIN, 'run', file, '--db', db, '--quiet']).status).toBe(0);
    const out = join(disk, 'report.html');
    const report = (): ReturnType<typeof spawnSync> =>
      spawnSync(process.execPath, [BIN, 'report', 'reported', '--db', db, '-o', out], { encoding: 'utf8' });

    fill('filler');
    const none = report();
    expect(none.status).toBe(1);
    expect(none.stderr).toBe(`tasksieve report: cannot write ${out}: no space left on device (ENOSPC); ${out} is unchanged\n`);
    expect(readdirSync(disk)).toEqual(['filler']);

    rmSync(join(disk, 'filler'));
    expect(report().status).toBe(0);
    const previous = readFileSync(out);
    expect(previous.toString()).toMatch(/<\/html>\s*$/);
    fill('filler');
    const again = report();
    expect(again.status).toBe(1);
    expect(again.stderr).toBe(`tasksieve report: cannot write ${out}: no space left on device (ENOSPC); ${out} is unchanged\n`);
    expect(readFileSync(out).equals(previous)).toBe(true);
    expect(readdirSync(disk).sort()).toEqual(['filler', 'report.html']);
    empty();
  });
});
