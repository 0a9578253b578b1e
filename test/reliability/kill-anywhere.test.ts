// Kill anywhere: SIGKILL `tasksieve run` at seeded random moments of one study — while node loads,
// while the worker pool starts, while units train and results are written, and inside a write
// transaction (stalled there by the test-only fault plan, since real commits last well under a
// millisecond and a timer cannot aim at them) — run it again after every kill, and check the database
// after each one and at the end: nothing finished ever changes, nothing is half-written, and the study
// ends with exactly its total.
//
// Seed: TASKSIEVE_KILL_SEED (default below); the test prints its plan and what each kill hit.
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RandomSampler } from '../../src/search/samplers/index.js';
import type { TrialRecord, UnitRecord } from '../../src/spec/records.js';
import { FAULT_INJECTION_ENV, STALL_MARKER } from '../../src/util/fault-injection.js';
import { Rng } from '../../src/util/rng.js';
import { cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import {
  integrityCheck,
  isFinished,
  readStudyIfAny,
  sleep,
  spawnCli,
  unitInconsistencies,
  waitForStderr,
  type StudyState,
} from './helpers.js';

const SEED = Number(process.env.TASKSIEVE_KILL_SEED ?? 20_251_128);
// Small enough to finish fast, large enough that 12 kills cannot finish it first: a run killed in
// training finishes at most ~3 trials, one killed at write #20 at most ~4 (96: with every phase on the
// stack kernel a run that is not killed in time finishes trials about twice as fast).
const TRIALS = 96;
const NAME = 'killed';

type Aim = 'spawn' | 'startup' | 'training' | 'write';
/** Where the kill landed, from what the process had printed when it was killed. */
type Hit = 'loading' | 'startup' | 'training' | 'write';

// 12 kills: three right after spawn, three during worker start-up, four while trials run, two inside
// a write transaction.
const AIMS: readonly Aim[] = ['spawn', 'spawn', 'spawn', 'startup', 'startup', 'startup', 'training', 'training', 'training', 'training', 'write', 'write'];

function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function hitOf(stderr: string): Hit {
  if (stderr.includes(STALL_MARKER)) return 'write';
  if (/trials in the study/.test(stderr)) return 'training';
  if (/starting \d+ worker thread/.test(stderr)) return 'startup';
  return 'loading';
}

/** Finished trials with their units: what must never change once it is there. */
function finishedOf(state: StudyState | null): Map<number, { trial: TrialRecord; units: UnitRecord[] }> {
  const out = new Map<number, { trial: TrialRecord; units: UnitRecord[] }>();
  for (const trial of state?.trials ?? []) {
    if (isFinished(trial)) out.set(trial.number, { trial, units: state!.units.get(trial.number) ?? [] });
  }
  return out;
}

/** Checks every kill must pass: a consistent database, and every trial finished earlier unchanged. */
function checkAfterKill(db: string, finished: Map<number, { trial: TrialRecord; units: UnitRecord[] }>, label: string): StudyState | null {
  const state = readStudyIfAny(db, NAME);
  if (state === null) {
    expect(finished.size, `${label}: finished trials vanished`).toBe(0);
    return null;
  }
  expect(integrityCheck(db), label).toEqual(['ok']);
  expect(unitInconsistencies(state), label).toEqual([]);
  const numbers = state.trials.map((t) => t.number);
  expect(new Set(numbers).size, `${label}: duplicate trial numbers`).toBe(numbers.length);
  expect(numbers.length, label).toBeLessThanOrEqual(TRIALS);
  for (const trial of state.trials) {
    if (trial.state === 'FAIL') expect.fail(`${label}: trial #${trial.number} failed: ${trial.error}`);
  }
  const now = finishedOf(state);
  for (const [number, before] of finished) {
    const after = now.get(number);
    expect(after, `${label}: finished trial #${number} is gone`).toBeDefined();
    expect(isDeepStrictEqual(after, before), `${label}: finished trial #${number} changed`).toBe(true);
  }
  for (const [number, entry] of now) finished.set(number, entry);
  return state;
}

describe('kill anywhere (SIGKILL at random moments, then resume)', () => {
  it(`${AIMS.length} kills in one study leave it consistent and it ends with exactly its total (seed ${SEED})`, async () => {
    const rng = new Rng(SEED);
    const dir = tempDir('tasksieve-kill-');
    const file = writeStudy(dir, syntheticStudyYaml({ name: NAME, trials: TRIALS, workers: 2, seeds: 2 }));
    const db = join(dir, 'kill.db');
    const finished = new Map<number, { trial: TrialRecord; units: UnitRecord[] }>();
    const log: string[] = [];
    const hits: Hit[] = [];

    for (const [index, aim] of shuffled(rng, AIMS).entries()) {
      const writeAt = rng.int(3, 20);
      const env: Record<string, string> = aim === 'write' ? { [FAULT_INJECTION_ENV]: JSON.stringify({ kind: 'stall-in-write', write: writeAt }) } : {};
      const run = spawnCli(['run', file, '--db', db], env);
      let exited = false;
      void run.done.then(() => (exited = true));
      let plan = '';
      try {
        switch (aim) {
          case 'spawn': {
            const ms = rng.int(0, 400);
            plan = `${ms} ms after spawn`;
            await sleep(ms);
            break;
          }
          case 'startup': {
            const ms = rng.int(0, 800);
            plan = `${ms} ms after "starting worker threads"`;
            await waitForStderr(run, /starting \d+ worker thread/);
            await sleep(ms);
            break;
          }
          case 'training': {
            const k = rng.int(1, 2);
            const ms = rng.int(0, 150);
            plan = `${ms} ms after the ${k}. finished trial of this run`;
            await waitForStderr(run, /^trial #\d+ /, k);
            await sleep(ms);
            break;
          }
          case 'write': {
            plan = `inside write transaction #${writeAt} (stalled before COMMIT)`;
            await waitForStderr(run, new RegExp(STALL_MARKER));
            break;
          }
        }
      } catch {
        // The run ended before the moment came (the study may be finished): not a kill.
      }
      if (exited) {
        const result = await run.done;
        log.push(`#${index + 1} ${aim}: ${plan}: the run had already exited (${result.status})`);
        expect(result.status, result.stderr).toBe(0);
        continue;
      }
      const hit = hitOf(run.stderr());
      run.child.kill('SIGKILL');
      const result = await run.done;
      expect(result.signal).toBe('SIGKILL');
      hits.push(hit);
      const state = checkAfterKill(db, finished, `kill #${index + 1} (${aim}, ${plan})`);
      log.push(
        `#${index + 1} ${aim}: ${plan}: hit ${hit}; ${finished.size}/${TRIALS} finished, ` +
          `${state?.trials.filter((t) => t.state === 'RUNNING').length ?? 0} left RUNNING`,
      );
    }
    console.log(`kill-anywhere seed ${SEED}:\n${log.join('\n')}`);

    // Enough kills, landing where they were aimed.
    expect(hits.length).toBeGreaterThanOrEqual(10);
    expect(hits.filter((h) => h === 'write').length).toBeGreaterThanOrEqual(2);
    expect(hits.filter((h) => h === 'startup').length).toBeGreaterThanOrEqual(1);
    expect(hits.filter((h) => h === 'training').length).toBeGreaterThanOrEqual(3);

    const resumed = cli(['resume', file, '--db', db, '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ finished: TRIALS, total: TRIALS });

    const state = checkAfterKill(db, finished, 'final')!;
    expect(state.trials.map((t) => t.number)).toEqual([...Array(TRIALS).keys()]);
    expect(state.trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    // Kills hit running trials, which ran again (same number, same params) after a re-queue.
    expect(state.trials.some((t) => t.attempts >= 2)).toBe(true);
    // Every trial has the params the seeded sampler gives its number: no trial was proposed twice
    // or lost its params when it was re-queued.
    const sampler = new RandomSampler(state.spec.seed);
    for (const trial of state.trials) {
      const expected = sampler.sample({ space: state.spec.space, direction: 'maximize', history: [], trialNumber: trial.number });
      expect(trial.params, `trial #${trial.number}`).toEqual(expected);
    }
  }, 600_000);
});
