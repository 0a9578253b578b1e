// End to end through the real CLI: SIGKILL mid-study then resume; determinism across fresh databases;
// a failing unit marks its trial FAIL and the study goes on.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/index.js';
import type { TrialRecord } from '../../src/spec/records.js';
import { cli, cliAsync, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';

function readTrials(db: string, name: string): TrialRecord[] {
  // The runner creates the file a moment before it migrates it: until then there is nothing to read.
  let store: SqliteStore;
  try {
    store = SqliteStore.open(db, { readonly: true });
  } catch {
    return [];
  }
  try {
    const study = store.getStudy(name);
    return study ? store.getTrials(study.id) : [];
  } finally {
    store.close();
  }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('tasksieve run / resume', () => {
  it('survives SIGKILL mid-study: resume finishes exactly the total and never changes a finished trial', async () => {
    const dir = tempDir();
    // Enough trials that the run is still going when the poll sees two finished (a trial takes ~50 ms).
    const total = 40;
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'killed', trials: total }));
    const db = join(dir, 'kill.db');
    const { child, done } = cliAsync(['run', file, '--db', db, '--quiet']);
    await waitFor(() => existsSync(db) && readTrials(db, 'killed').filter((t) => t.state === 'COMPLETE').length >= 2, 120_000);
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.status).toBe(null);

    const before = readTrials(db, 'killed');
    const finishedBefore = before.filter((t) => t.state === 'COMPLETE');
    expect(finishedBefore.length).toBeGreaterThanOrEqual(2);
    expect(finishedBefore.length).toBeLessThan(total);

    const resumed = cli(['resume', file, '--db', db, '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.finished).toBe(total);

    const after = readTrials(db, 'killed');
    expect(after.filter((t) => t.state === 'COMPLETE')).toHaveLength(total);
    expect(after).toHaveLength(total);
    expect(new Set(after.map((t) => t.number))).toEqual(new Set(Array.from({ length: total }, (_, n) => n)));
    for (const trial of finishedBefore) {
      const now = after.find((t) => t.number === trial.number)!;
      expect(now.params).toEqual(trial.params);
      expect(now.value).toBe(trial.value);
      expect(now.finishedAt).toBe(trial.finishedAt);
    }
    // Trials that were RUNNING at the kill ran again with the same params.
    for (const trial of before.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')) {
      const now = after.find((t) => t.number === trial.number)!;
      expect(now.params).toEqual(trial.params);
      expect(now.attempts).toBeGreaterThanOrEqual(2);
    }
    // A finished study resumes to a no-op.
    const again = cli(['resume', 'killed', '--db', db, '--json']);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).completedThisRun).toBe(0);
  });

  it('stops cleanly on SIGINT (exit 130): finished trials kept, running ones handed back for resume', async () => {
    const dir = tempDir();
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'interrupted', trials: 8 }));
    const db = join(dir, 'int.db');
    const { child, done } = cliAsync(['run', file, '--db', db]);
    await waitFor(() => existsSync(db) && readTrials(db, 'interrupted').some((t) => t.state === 'COMPLETE'), 120_000);
    child.kill('SIGINT');
    const stopped = await done;
    expect(stopped.status).toBe(130);
    expect(stopped.stderr).toMatch(/SIGINT: stopping/);
    const before = readTrials(db, 'interrupted');
    expect(before.some((t) => t.state === 'RUNNING')).toBe(false);
    const finished = before.filter((t) => t.state === 'COMPLETE');
    expect(finished.length).toBeGreaterThan(0);
    const resumed = cli(['resume', 'interrupted', '--db', db, '--json']);
    expect(resumed.status).toBe(0);
    const after = readTrials(db, 'interrupted');
    expect(after.filter((t) => t.state === 'COMPLETE')).toHaveLength(8);
    for (const trial of finished) expect(after.find((t) => t.number === trial.number)).toEqual(trial);
  });

  it('is deterministic: the same study and seed in two fresh databases gives the same proposals and metrics', () => {
    const dir = tempDir();
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'twice', trials: 4 }));
    const runs = ['a.db', 'b.db'].map((name) => {
      const db = join(dir, name);
      const result = cli(['run', file, '--db', db, '--quiet']);
      expect(result.status).toBe(0);
      const store = SqliteStore.open(db, { readonly: true });
      try {
        const study = store.getStudy('twice')!;
        return store.getTrials(study.id).map((t) => ({
          number: t.number,
          params: t.params,
          value: t.value,
          backend: t.backend,
          units: store
            .getUnits(t.id)
            .map((u) => ({ target: u.target, seed: u.seed, metrics: (u.result as { metrics: unknown }).metrics }))
            .sort((x, y) => x.seed - y.seed),
        }));
      } finally {
        store.close();
      }
    });
    expect(runs[0]).toHaveLength(4);
    expect(runs[1]).toEqual(runs[0]);
    // Not trivially equal: the proposals differ from trial to trial.
    expect(new Set(runs[0]!.map((t) => JSON.stringify(t.params))).size).toBe(4);
  });

  it('marks a trial whose training diverges (NaN loss) FAIL with the reason, and goes on', () => {
    const dir = tempDir();
    const extra = `  optimizer: { type: categorical, choices: [sgd] }\n  batch_size: { type: categorical, choices: [8] }\n  epochs: { type: categorical, choices: [4] }\n`;
    const text = syntheticStudyYaml({ name: 'diverges', trials: 6 }).replace(
      '  learning_rate: { type: float, low: 0.003, high: 0.05, log: true }\n',
      `  learning_rate: { type: categorical, choices: [0.05, 10] }\n${extra}`,
    );
    const file = writeStudy(dir, text);
    const db = join(dir, 'nan.db');
    const result = cli(['run', file, '--db', db]);
    expect(result.status).toBe(0);
    const trials = readTrials(db, 'diverges');
    expect(trials).toHaveLength(6);
    const failed = trials.filter((t) => t.state === 'FAIL');
    const complete = trials.filter((t) => t.state === 'COMPLETE');
    expect(failed.length).toBeGreaterThan(0);
    expect(complete.length).toBeGreaterThan(0);
    for (const t of failed) {
      expect(t.params.learning_rate).toBe(10);
      expect(t.error).toMatch(/NonFiniteLossError: (loss|weights) became (NaN|Infinity|-Infinity|non-finite)/);
      expect(t.value).toBe(null);
    }
    for (const t of complete) expect(t.params.learning_rate).toBe(0.05);
    // The run names its sampler as resolved (here the file's random; `auto` shows gp or bayes).
    expect(result.stderr).toMatch(/starting 2 worker thread\(s\); sampler random…/);
    // The reason is shown: in the run's progress lines and in the leaderboard.
    expect(result.stderr).toMatch(/FAIL: target goal seed \d: NonFiniteLossError/);
    const board = cli(['leaderboard', file, '--db', db]);
    expect(board.status).toBe(0);
    expect(board.stdout).toMatch(/NonFiniteLossError/);
  });
});
