// Several runners on one study and one SQLite database at once: `tasksieve run` x3 ends with exactly
// the study's total, unique trial numbers, no "database is locked" (busy timeout + BEGIN IMMEDIATE),
// and every runner's sampler is shown the trials the others created.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FAULT_INJECTION_ENV } from '../../src/util/fault-injection.js';
import { syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { integrityCheck, readStudy, spawnCli, unitInconsistencies } from './helpers.js';

const RUNNER = fileURLToPath(new URL('./fixtures/ask-tell-runner.mjs', import.meta.url));

describe('concurrent runners on one study and database', () => {
  it('three `tasksieve run` processes share the total exactly, without lock errors', async () => {
    const dir = tempDir('tasksieve-concurrent-');
    const trials = 30;
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'shared', trials, workers: 1, seeds: 1 }));
    const db = join(dir, 'shared.db');
    // Each unit sleeps 300 ms in its worker, so the first runner to start cannot spend the budget
    // (at least 9 s alone) before the others have started on a loaded machine.
    const slow = { [FAULT_INJECTION_ENV]: JSON.stringify({ kind: 'slow-units', ms: 300 }) };
    const runs = [0, 1, 2].map(() => spawnCli(['run', file, '--db', db, '--json'], slow));
    const results = await Promise.all(runs.map((r) => r.done));
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ total: trials, interrupted: false });
    }
    // A runner stops once nothing is left to ask for; others may still be finishing their last trial.
    expect(Math.max(...results.map((r) => JSON.parse(r.stdout).finished as number))).toBe(trials);
    const state = readStudy(db, 'shared')!;
    expect(integrityCheck(db)).toEqual(['ok']);
    expect(unitInconsistencies(state)).toEqual([]);
    expect(state.trials.map((t) => t.number)).toEqual([...Array(trials).keys()]);
    expect(state.trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    // Each trial ran once, by one runner; more than one runner took part.
    expect(state.trials.every((t) => t.attempts === 1)).toBe(true);
    const completedByRun = results.map((r) => JSON.parse(r.stdout).completedThisRun as number);
    expect(completedByRun.reduce((a, b) => a + b, 0)).toBe(trials);
    expect(new Set(state.trials.map((t) => t.owner)).size).toBeGreaterThanOrEqual(2);
  }, 600_000);

  it("each runner's sampler sees every trial created before its proposal, whichever process created it", async () => {
    const dir = tempDir('tasksieve-history-');
    const trials = 24;
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'history', trials }));
    const db = join(dir, 'history.db');
    const go = join(dir, 'go');
    let ready = 0;
    let onReady = () => {};
    const runners = [0, 1].map(() => {
      const child = spawn(process.execPath, [RUNNER, db, file, go], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        if (!stdout.includes('ready\n') && (stdout + d).includes('ready\n')) {
          ready++;
          onReady();
        }
        stdout += d;
      });
      child.stderr.on('data', (d) => (stderr += d));
      return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
        child.on('close', (status) => resolve({ status, stdout, stderr })),
      );
    });
    // Both have opened the study before either asks, so their asks interleave.
    await new Promise<void>((resolve) => {
      onReady = () => ready === 2 && resolve();
      onReady();
    });
    writeFileSync(go, '');
    const outputs = (await Promise.all(runners)).map((r) => {
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toBe('ready');
      return JSON.parse(lines[1]!) as { owner: string; seen: { trialNumber: number; history: number[] }[] };
    });
    const ownerOf = new Map(readStudy(db, 'history')!.trials.map((t) => [t.number, t.owner]));
    expect(ownerOf.size).toBe(trials);
    let sawOthers = 0;
    for (const { owner, seen } of outputs) {
      for (const { trialNumber, history } of seen) {
        // Proposed inside the transaction that numbers the trial: everything before it is visible.
        expect(history, `${owner}, trial #${trialNumber}`).toEqual([...Array(trialNumber).keys()]);
        if (history.some((n) => ownerOf.get(n) !== owner)) sawOthers++;
      }
    }
    expect(outputs.every((o) => o.seen.length > 0)).toBe(true);
    expect(sawOthers).toBeGreaterThan(0);
  }, 600_000);
});
