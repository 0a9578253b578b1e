// Faults inside trials, end to end through `tasksieve run`: a unit that throws, a worker thread that
// calls process.exit, one that runs out of heap (budget.worker_memory_mb), one that hangs past
// budget.unit_timeout_s (all injected by the test-only TASKSIEVE_FAULT_INJECTION plan), and real
// training that diverges to a NaN/infinite loss (learning rate 10). Each marks its trial FAIL with the
// reason, the pool replaces the dead thread, the study goes on, and budget.retries re-runs a failed
// trial with the same params. One worker thread, so the run is sequential and the expected outcome of
// every trial number can be derived here, independently of the run. The hang has a study of its own:
// filling a heap takes seconds on a busy machine, and a unit timeout would race it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStudy } from '../../src/config/index.js';
import { RandomSampler } from '../../src/search/samplers/index.js';
import type { Params } from '../../src/spec/space.js';
import { FAULT_INJECTION_ENV, type WorkerFault } from '../../src/util/fault-injection.js';
import { cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { integrityCheck, readStudy, spawnCli, unitInconsistencies } from './helpers.js';

const TRIALS = 12;
const RETRIES = 1;

const STUDY = syntheticStudyYaml({ name: 'faults', trials: TRIALS, workers: 1, seeds: 1 })
  .replace(
    '  learning_rate: { type: float, low: 0.003, high: 0.05, log: true }\n',
    [
      '  learning_rate: { type: categorical, choices: [0.05, 10] }',
      '  optimizer: { type: categorical, choices: [sgd] }',
      '  batch_size: { type: categorical, choices: [8] }',
      '  epochs: { type: categorical, choices: [4] }',
      '',
    ].join('\n'),
  )
  .replace('seeds: 1 }', `seeds: 1, retries: ${RETRIES}, worker_memory_mb: 160 }`);

// Trial numbers whose units fail by injection; all are proposals with learning rate 0.05 (see the
// expectations below), so their retries, which get other numbers, can complete. Each unit trains in
// a worker, where the fault fires: a unit without sources whose baseline is stored is answered from
// it, never reaching one (checked below). The out-of-memory hits the retry of the exit's trial.
const FAULTS: readonly WorkerFault[] = [
  { kind: 'throw', trial: 2 },
  { kind: 'exit', trial: 6 },
  { kind: 'oom', trial: 7 },
];

const REASONS: Record<WorkerFault['kind'], (trial: number) => string> = {
  throw: (n) => `target goal seed 0: Error: injected fault: unit of trial #${n} threw`,
  exit: () => 'target goal seed 0: WorkerExitError: the worker thread exited with code 7 while running the unit; it was replaced',
  oom: () => 'target goal seed 0: WorkerOutOfMemoryError: the worker thread ran out of memory (heap limit 160 MB); it was replaced',
  hang: () => 'target goal seed 0: UnitTimeoutError: unit timed out after 12s',
};

interface Expected {
  readonly number: number;
  readonly params: Params;
  readonly retryOf: number | null;
  readonly outcome: 'COMPLETE' | WorkerFault['kind'] | 'diverges';
}

/**
 * What a sequential run must do, trial by trial: retry the oldest failure that has retries left
 * (same params), else take the seeded proposal for the number; a trial fails by its injected fault,
 * else by divergence at learning rate 10, else completes.
 */
function expectedRun(params: (n: number) => Params): Expected[] {
  const out: Expected[] = [];
  const key = (p: Params) => JSON.stringify(p);
  for (let n = 0; n < TRIALS; n++) {
    let retryOf: number | null = null;
    for (const earlier of out) {
      const chain = out.filter((t) => key(t.params) === key(earlier.params));
      const last = chain[chain.length - 1]!;
      const failures = chain.filter((t) => t.outcome !== 'COMPLETE').length;
      if (last === earlier && last.outcome !== 'COMPLETE' && failures <= RETRIES) {
        retryOf = earlier.number;
        break;
      }
    }
    const p = retryOf !== null ? out[retryOf]!.params : params(n);
    const fault = FAULTS.find((f) => f.trial === n);
    const outcome = fault ? fault.kind : p['learning_rate'] === 10 ? 'diverges' : 'COMPLETE';
    out.push({ number: n, params: p, retryOf, outcome });
  }
  return out;
}

describe('faults inside trials (through the CLI, real workers)', () => {
  it('a throw, an exit, an out-of-memory and a NaN loss each fail only their trial; dead threads are replaced; failures are retried', async () => {
    const dir = tempDir('tasksieve-faults-');
    const file = writeStudy(dir, STUDY);
    const db = join(dir, 'faults.db');
    const spec = parseStudy(STUDY, file);
    const sampler = new RandomSampler(spec.seed);
    const expected = expectedRun((n) => sampler.sample({ space: spec.space, direction: 'maximize', history: [], trialNumber: n }));
    // The plan is not trivial: faults on proposals that can succeed, real divergence, successful retries.
    for (const f of FAULTS) expect(expected[f.trial]!.params['learning_rate']).toBe(0.05);
    const trains = (t: Expected) =>
      (t.params['sources'] as string[]).length > 0 ||
      !expected.some((e) => e.number < t.number && e.outcome === 'COMPLETE' && e.params['learning_rate'] === t.params['learning_rate']);
    for (const f of FAULTS) expect(trains(expected[f.trial]!), `trial #${f.trial} trains in a worker`).toBe(true);
    expect(expected.some((t) => t.outcome === 'diverges')).toBe(true);
    expect(expected.some((t) => t.retryOf !== null && t.outcome === 'COMPLETE')).toBe(true);

    const run = spawnCli(['run', file, '--db', db, '--json'], { [FAULT_INJECTION_ENV]: JSON.stringify(FAULTS) });
    const result = await run.done;
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ finished: TRIALS, total: TRIALS, interrupted: false });
    // exit and out of memory each cost a thread; the throw and the NaN do not.
    expect(summary.workerThreadsReplaced).toBe(2);

    const state = readStudy(db, 'faults')!;
    expect(integrityCheck(db)).toEqual(['ok']);
    expect(unitInconsistencies(state)).toEqual([]);
    expect(state.trials).toHaveLength(TRIALS);
    for (const want of expected) {
      const trial = state.trials[want.number]!;
      const label = `trial #${want.number} (${want.outcome}${want.retryOf !== null ? `, retry of #${want.retryOf}` : ''})`;
      expect(trial.params, label).toEqual(want.params);
      if (want.outcome === 'COMPLETE') {
        expect(trial.state, `${label}: ${trial.error}`).toBe('COMPLETE');
      } else if (want.outcome === 'diverges') {
        expect(trial.state, label).toBe('FAIL');
        expect(trial.error, label).toMatch(/^target goal seed 0: NonFiniteLossError: (loss|weights) became (NaN|Infinity|-Infinity|non-finite)/);
      } else {
        expect([trial.state, trial.error], label).toEqual(['FAIL', REASONS[want.outcome](want.number)]);
      }
    }
    // The reasons reach the export too.
    const exported = cli(['export', file, '--db', db, '--format', 'json']);
    expect(exported.status).toBe(0);
    for (const kind of ['WorkerExitError', 'WorkerOutOfMemoryError', 'NonFiniteLossError', 'injected fault']) {
      expect(exported.stdout).toContain(kind);
    }
  }, 600_000);

  it('a unit that hangs past budget.unit_timeout_s fails its trial; its thread is replaced and the study goes on', async () => {
    const dir = tempDir('tasksieve-hang-');
    const text = syntheticStudyYaml({ name: 'hang', trials: 3, workers: 1, seeds: 1 }).replace('seeds: 1 }', 'seeds: 1, unit_timeout_s: 12 }');
    const file = writeStudy(dir, text);
    const db = join(dir, 'hang.db');
    const run = spawnCli(['run', file, '--db', db, '--json'], { [FAULT_INJECTION_ENV]: JSON.stringify([{ kind: 'hang', trial: 1 }]) });
    const result = await run.done;
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ finished: 3, workerThreadsReplaced: 1 });
    const trials = readStudy(db, 'hang')!.trials;
    expect(trials.map((t) => [t.number, t.state, t.error])).toEqual([
      [0, 'COMPLETE', null],
      [1, 'FAIL', REASONS.hang(1)],
      [2, 'COMPLETE', null],
    ]);
  }, 600_000);
});
