// SIGINT / SIGTERM stop `tasksieve run` cleanly: exit 130, finished trials kept, running ones handed
// back (nothing RUNNING, nothing half-written), and a resume finishes the study. Also during worker
// start-up, when no trial has started yet. (SIGINT mid-run: test/cli/run-resume.test.ts.)
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { integrityCheck, isFinished, readStudy, spawnCli, unitInconsistencies, waitForStderr } from './helpers.js';

function checkClean(db: string, name: string) {
  const state = readStudy(db, name)!;
  expect(integrityCheck(db)).toEqual(['ok']);
  expect(unitInconsistencies(state)).toEqual([]);
  expect(state.trials.filter((t) => t.state === 'RUNNING')).toEqual([]);
  return state;
}

describe('signals', () => {
  it('SIGTERM mid-run: exit 130, finished trials kept unchanged, running ones re-run on resume', async () => {
    const dir = tempDir('tasksieve-sigterm-');
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'term', trials: 10, workers: 2, seeds: 2 }));
    const db = join(dir, 'term.db');
    const run = spawnCli(['run', file, '--db', db]);
    await waitForStderr(run, /^trial #\d+ /);
    run.child.kill('SIGTERM');
    const stopped = await run.done;
    expect(stopped.status).toBe(130);
    expect(stopped.stderr).toMatch(/^SIGTERM: stopping; finished trials are kept, running ones re-run on resume$/m);
    expect(stopped.stdout).toMatch(/interrupted, run `tasksieve resume` to continue/);
    const before = checkClean(db, 'term');
    const finished = before.trials.filter(isFinished);
    expect(finished.length).toBeGreaterThan(0);
    expect(finished.length).toBeLessThan(10);

    const resumed = cli(['resume', file, '--db', db, '--json']);
    expect(resumed.status).toBe(0);
    const after = checkClean(db, 'term');
    expect(after.trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(10);
    for (const trial of finished) {
      expect(isDeepStrictEqual(after.trials[trial.number], trial)).toBe(true);
      expect(after.units.get(trial.number)).toEqual(before.units.get(trial.number));
    }
  });

  it('SIGINT while the worker pool starts: exit 130 at once, no trial started, resume runs the study', async () => {
    const dir = tempDir('tasksieve-sigint-');
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'early', trials: 3, workers: 2, seeds: 1 }));
    const db = join(dir, 'early.db');
    const run = spawnCli(['run', file, '--db', db]);
    await waitForStderr(run, /^starting 2 worker thread\(s\); sampler \w+…$/);
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.status).toBe(130);
    expect(stopped.stderr).toMatch(/^SIGINT: stopping/m);
    // The run never began: no progress, no summary.
    expect(stopped.stderr).not.toMatch(/trials in the study/);
    expect(stopped.stdout).toBe('');
    expect(checkClean(db, 'early').trials).toEqual([]);

    const resumed = cli(['resume', 'early', '--db', db, '--json']);
    expect(resumed.status).toBe(0);
    expect(checkClean(db, 'early').trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE']);
  });
});
