// Schedulers end to end through the real CLI, real workers and real training: with an obviously bad
// learning rate among the choices, ASHA stops the bad trials at an early rung (PRUNED with their rung
// value, their units cut short) and lets the good ones finish; a Hyperband study killed with SIGKILL
// resumes with every rung value it had recorded and every trial in the same bracket; a race killed
// with SIGKILL resumes with its decisions and units kept, re-running only the units that were missing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HyperbandScheduler } from '../../src/search/schedulers/index.js';
import type { StoredUnit } from '../../src/spec/units.js';
import { SqliteStore } from '../../src/store/index.js';
import type { IntermediateRecord, TrialRecord } from '../../src/spec/records.js';
import { cli, cliAsync, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { BAD, GOOD, raceStudyText } from '../helpers/race-scenarios.js';

const EPOCHS = 32;
const PRETRAIN = 3;

/**
 * The synthetic test study with long fine-tuning (32 epochs, so that a stop lands long before the
 * end), every trial transferring from the related source, and a learning rate that is either useless
 * (1e-4) or good (0.03): trials with the same rate are identical, so the good ones tie at the top.
 */
function study(name: string, trials: number, scheduler: string): string {
  return syntheticStudyYaml({ name, trials, extra: `scheduler: ${scheduler}` })
    .replace('labelled: 12', 'labelled: 60')
    .replace('recipe: { batch_size: 16, pretrain_epochs: 3, epochs: 4 }', `recipe: { batch_size: 16, pretrain_epochs: ${PRETRAIN}, epochs: ${EPOCHS} }`)
    .replace('learning_rate: { type: float, low: 0.003, high: 0.05, log: true }', 'learning_rate: { type: categorical, choices: [0.0001, 0.03] }')
    .replace('sources: { type: subset, min: 0, max: 2 }', 'sources: { type: subset, min: 1, max: 1, of: [near] }')
    .replace('epochs: 4, seeds', `epochs: ${EPOCHS}, seeds`);
}

interface Snapshot {
  readonly trials: TrialRecord[];
  readonly intermediates: Map<number, IntermediateRecord[]>;
  readonly units: Map<number, StoredUnit[]>;
}

function snapshot(db: string, name: string): Snapshot {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const record = store.getStudy(name);
    const trials = record ? store.getTrials(record.id) : [];
    return {
      trials,
      intermediates: new Map(trials.map((t) => [t.number, store.getIntermediates(t.id)])),
      units: new Map(trials.map((t) => [t.number, store.getUnits(t.id).map((u) => u.result as unknown as StoredUnit)])),
    };
  } finally {
    store.close();
  }
}

/** Polls `check` (a throw, e.g. the database not yet migrated by the runner, counts as not yet). */
async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ready = () => {
    try {
      return check();
    } catch {
      return false;
    }
  };
  while (!ready()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const RUNGS = [1, 2, 4, 8, 16]; // min_epochs 1, eta 2, below 32 epochs

describe('scheduler: asha', () => {
  it('prunes the trials with the useless learning rate at an early rung and completes the good ones', () => {
    const dir = tempDir();
    const file = writeStudy(dir, study('asha', 8, '{ kind: asha, min_epochs: 1, eta: 2, min_reports: 2 }'));
    const db = join(dir, 'asha.db');
    const result = cli(['run', file, '--db', db]);
    expect(result.status).toBe(0);
    const { trials, intermediates, units } = snapshot(db, 'asha');
    expect(trials).toHaveLength(8);
    const good = trials.filter((t) => t.params.learning_rate === 0.03);
    const bad = trials.filter((t) => t.params.learning_rate === 0.0001);
    expect(good.length).toBeGreaterThan(0);
    expect(bad.length).toBeGreaterThan(0);

    for (const trial of good) {
      expect(trial.state).toBe('COMPLETE');
      // A trial that ran to the end recorded every rung, and its units trained every epoch.
      expect(intermediates.get(trial.number)!.map((r) => r.step)).toEqual(RUNGS);
      for (const unit of units.get(trial.number)!) {
        expect(unit.stoppedAt).toBeNull();
        expect(unit.cost.epochs).toBe(PRETRAIN + EPOCHS);
      }
    }
    let stoppedUnits = 0;
    for (const trial of bad) {
      expect(trial.state).toBe('PRUNED');
      // Its value is the one recorded at the rung that stopped it: its last intermediate.
      const recorded = intermediates.get(trial.number)!;
      const last = recorded.at(-1)!;
      expect(trial.value).toBe(last.value);
      expect(RUNGS).toContain(last.step);
      expect(last.step).toBeLessThan(EPOCHS);
      expect(recorded.every((r) => RUNGS.includes(r.step))).toBe(true);
      // Its units were stopped (or never started): every one that ran trained fewer epochs.
      const ran = units.get(trial.number)!;
      expect(ran.length).toBeGreaterThan(0);
      for (const unit of ran) {
        if (unit.stoppedAt == null) continue; // it finished before the verdict: nothing left to stop
        expect(unit.stoppedAt).toBeLessThan(EPOCHS);
        expect(unit.cost.epochs).toBe(PRETRAIN + unit.stoppedAt);
      }
      stoppedUnits += ran.filter((u) => u.stoppedAt != null).length;
      expect(trial.value!).toBeLessThan(Math.min(...good.map((g) => g.value!)));
    }
    // Whether a given pruned trial still had a unit running when its verdict came depends on timing
    // (on a loaded machine both may have finished); across the study the stop path must have been
    // used. test/worker/unit-stop.test.ts proves the stop itself deterministically.
    expect(stoppedUnits).toBeGreaterThan(0);
    // The progress line and the leaderboard: PRUNED trials are shown as such and are not ranked.
    expect(result.stderr).toMatch(/trial #\d+ PRUNED at epoch \d+ \(accuracy 0\.\d+\)/);
    expect(result.stdout).toMatch(new RegExp(`this run: ${good.length} complete, ${bad.length} pruned, 0 failed`));
    const board = cli(['leaderboard', file, '--db', db, '--json']);
    expect(JSON.parse(board.stdout).rows.map((r: { number: number }) => r.number).sort()).toEqual(good.map((t) => t.number).sort());
    const studies = cli(['studies', '--db', db, '--json']);
    expect(JSON.parse(studies.stdout)[0]).toMatchObject({ complete: good.length, pruned: bad.length, failed: 0 });
  });
});

describe('scheduler: hyperband', () => {
  it('resumes after SIGKILL with every recorded rung value kept and every trial in the same bracket', async () => {
    const TOTAL = 32;
    const dir = tempDir();
    const name = 'hb-killed';
    // 32 trials, killed after 3: on a quiet machine most trials are pruned at the first rung within
    // milliseconds, and an 8-trial study once finished between two polls.
    const file = writeStudy(dir, study(name, TOTAL, '{ kind: hyperband, min_epochs: 1, eta: 4, min_reports: 1 }'));
    const db = join(dir, 'hb.db');
    const { child, done } = cliAsync(['run', file, '--db', db, '--quiet']);
    const finished = (s: Snapshot) => s.trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED').length;
    await waitFor(() => existsSync(db) && finished(snapshot(db, name)) >= 3, 120_000);
    child.kill('SIGKILL');
    expect((await done).status).toBe(null);
    const before = snapshot(db, name);
    expect(finished(before)).toBeLessThan(TOTAL);

    const resumed = cli(['resume', file, '--db', db, '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    const after = snapshot(db, name);
    expect(after.trials).toHaveLength(TOTAL);
    expect(after.trials.every((t) => t.state === 'COMPLETE' || t.state === 'PRUNED')).toBe(true);

    // Rung values recorded before the kill are all still there, unchanged (a rung is recorded once,
    // also by the re-run of a trial that was running at the kill).
    for (const [number, records] of before.intermediates) {
      const now = after.intermediates.get(number)!;
      for (const record of records) expect(now).toContainEqual(record);
    }
    // Every trial recorded rungs of its own bracket only, as a fresh scheduler assigns it now.
    const store = SqliteStore.open(db, { readonly: true });
    try {
      const studyId = store.getStudy(name)!.id;
      const fresh = new HyperbandScheduler(
        { store, studyId, direction: 'maximize' },
        { minEpochs: 1, eta: 4, minReports: 1, maxEpochs: EPOCHS, seed: 11 },
      );
      for (const trial of after.trials) {
        const ladder = fresh.rungs(trial.number, EPOCHS);
        const steps = after.intermediates.get(trial.number)!.map((r) => r.step);
        for (const step of steps) expect(ladder).toContain(step);
        if (trial.state === 'COMPLETE') expect(steps).toEqual(ladder);
      }
      // More than one bracket is in use (otherwise this would test plain ASHA).
      expect(new Set(after.trials.map((t) => fresh.bracketOf(t.number))).size).toBeGreaterThan(1);
    } finally {
      store.close();
    }
    // Finished trials were never touched.
    for (const trial of before.trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED')) {
      expect(after.trials.find((t) => t.number === trial.number)).toEqual(trial);
    }
  });
});

describe('scheduler: race', () => {
  // Three seeds on two targets, eta 3: one rung, after seed 0 on both targets (2 of 6 units).
  const RACE = '{ kind: race, first_seeds: 1, eta: 3, min_reports: 2, wilcoxon: off }';
  const RATES = [GOOD, BAD, GOOD, BAD, BAD, GOOD, BAD, GOOD, BAD, BAD];

  it('prints raced-out trials, leaves them off the leaderboard and exports them PRUNED with their partial value', () => {
    const dir = tempDir();
    const file = writeStudy(dir, raceStudyText('race-cli', RATES.slice(0, 4), RACE, 3, 1));
    const db = join(dir, 'race.db');
    const result = cli(['run', file, '--db', db]);
    expect(result.status).toBe(0);
    // Units one at a time: #0 and #2 (good) complete; #1 and #3 are stopped at the rung.
    expect(result.stderr).toMatch(/trial #1 PRUNED after 2 of 6 units, by the rung rule \(accuracy 0\.\d+\)/);
    expect(result.stdout).toMatch(/this run: 2 complete, 2 pruned, 0 failed/);
    const board = cli(['leaderboard', file, '--db', db, '--json']);
    expect(JSON.parse(board.stdout).rows.map((r: { number: number }) => r.number).sort()).toEqual([0, 2]);
    const exported = (JSON.parse(cli(['export', file, '--db', db, '--format', 'json']).stdout) as { trials: { number: number; state: string; value: number }[] }).trials;
    const { trials } = snapshot(db, 'race-cli');
    expect(exported.map((t) => [t.number, t.state, t.value])).toEqual(trials.map((t) => [t.number, t.state, t.value]));
    expect(exported.filter((t) => t.state === 'PRUNED').map((t) => t.number)).toEqual([1, 3]);
  });

  it('resumes after SIGKILL with every decision and unit kept, re-running only the missing units', async () => {
    const dir = tempDir();
    const name = 'race-killed';
    // Forty trials: with units on the stack kernel a trial's window between its rung and its end is
    // short, and a poll must find one inside it before the study ends.
    const rates = [...RATES, ...RATES, ...RATES, ...RATES];
    const file = writeStudy(dir, raceStudyText(name, rates, RACE, 3, 2));
    const db = join(dir, 'race.db');
    const { child, done } = cliAsync(['run', file, '--db', db, '--quiet']);
    // Killed while a trial that passed the rung is still training its other units.
    const passed = (s: Snapshot) => s.trials.filter((t) => t.state === 'RUNNING' && s.intermediates.get(t.number)!.length > 0);
    await waitFor(() => existsSync(db) && passed(snapshot(db, name)).length > 0, 120_000);
    child.kill('SIGKILL');
    expect((await done).status).toBe(null);
    const before = snapshot(db, name);
    const unitsBefore = unitRecords(db, name);

    const resumed = cli(['resume', file, '--db', db, '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    const after = snapshot(db, name);
    const unitsAfter = unitRecords(db, name);
    expect(after.trials).toHaveLength(rates.length);
    // Finished trials were never touched; rung values are all still there, unchanged.
    for (const trial of before.trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED')) {
      expect(after.trials.find((t) => t.number === trial.number)).toEqual(trial);
    }
    for (const [number, records] of before.intermediates) expect(after.intermediates.get(number)).toEqual(expect.arrayContaining(records));
    // A trial that had passed the rung at the kill was not judged again: it completed.
    for (const trial of passed(before)) expect(after.trials.find((t) => t.number === trial.number)!.state).toBe('COMPLETE');
    // Every unit recorded before the kill is the same row now (not trained again).
    for (const [key, createdAt] of unitsBefore) expect(unitsAfter.get(key)).toBe(createdAt);
    for (const trial of after.trials) {
      const count = after.units.get(trial.number)!.length;
      const steps = after.intermediates.get(trial.number)!.map((r) => r.step);
      expect(steps).toEqual([2]);
      if (trial.state === 'COMPLETE') expect(count).toBe(6);
      else expect([trial.state, count]).toEqual(['PRUNED', 2]);
    }
  });
});

/** Every stored unit of the study by trial number, target and seed, with when it was recorded. */
function unitRecords(db: string, name: string): Map<string, number> {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const record = store.getStudy(name)!;
    const trials = store.getTrials(record.id);
    return new Map(trials.flatMap((t) => store.getUnits(t.id).map((u) => [`${t.number}:${u.target}:${u.seed}`, u.createdAt] as const)));
  } finally {
    store.close();
  }
}
