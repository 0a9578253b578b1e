// Stacked runs (--stack 2) under SIGKILL: a study whose trials' units train stacked is killed while
// it trains, several times, then resumed (stacked); every unit a killed run recorded is kept as it
// was (a killed stack re-runs only its unfinished units), the database stays consistent, and the
// finished study holds exactly the values of the same study run one unit at a time.
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UnitRecord } from '../../src/spec/records.js';
import { cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { integrityCheck, readStudyIfAny, sleep, spawnCli, unitInconsistencies, waitForStderr } from './helpers.js';

const NAME = 'stacked';
const TRIALS = 24;

describe('stacked runs killed and resumed', () => {
  it('keep every recorded unit, stay consistent and end with the values of an unstacked run', async () => {
    const dir = tempDir('tasksieve-stack-kill-');
    // 2 seeds: two units per trial, which a worker trains as one stack.
    const file = writeStudy(dir, syntheticStudyYaml({ name: NAME, trials: TRIALS, workers: 1, seeds: 2 }));
    const db = join(dir, 'stacked.db');
    const recorded = new Map<string, UnitRecord>();
    let kills = 0;
    for (const [k, ms] of [[1, 30], [1, 120], [2, 60]] as const) {
      const run = spawnCli(['run', file, '--db', db, '--stack', '2']);
      let exited = false;
      void run.done.then(() => (exited = true));
      try {
        await waitForStderr(run, /^trial #\d+ /, k);
        await sleep(ms);
      } catch {
        // Finished before the moment came: not a kill.
      }
      if (exited) continue;
      run.child.kill('SIGKILL');
      expect((await run.done).signal).toBe('SIGKILL');
      kills += 1;
      const state = readStudyIfAny(db, NAME)!;
      expect(integrityCheck(db)).toEqual(['ok']);
      expect(unitInconsistencies(state)).toEqual([]);
      for (const units of state.units.values()) {
        for (const u of units) {
          const key = `${u.trialId}/${u.target}/${u.seed}`;
          const before = recorded.get(key);
          if (before) expect(isDeepStrictEqual(u, before), `unit ${key} changed after a kill`).toBe(true);
          recorded.set(key, u);
        }
      }
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    const resumed = cli(['resume', file, '--db', db, '--stack', '2', '--json']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ finished: TRIALS, total: TRIALS });
    const final = readStudyIfAny(db, NAME)!;
    expect(unitInconsistencies(final)).toEqual([]);
    // Nothing recorded before a kill was re-run: each unit record is the one first written.
    for (const units of final.units.values()) {
      for (const u of units) {
        const before = recorded.get(`${u.trialId}/${u.target}/${u.seed}`);
        if (before) expect(isDeepStrictEqual(u, before)).toBe(true);
      }
    }
    // The same study one unit at a time, uninterrupted: the same value for every trial.
    const plainDb = join(dir, 'plain.db');
    const plain = cli(['run', file, '--db', plainDb, '--json']);
    expect(plain.status, plain.stderr).toBe(0);
    const values = (db: string) => readStudyIfAny(db, NAME)!.trials.map((t) => [t.number, t.state, t.value]);
    expect(values(db)).toEqual(values(plainDb));
  }, 600_000);
});
