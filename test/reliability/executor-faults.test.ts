// Faults inside units, at the pool level: a unit that throws, a worker thread that exits, one that runs
// out of heap, one that hangs past the unit timeout. Each fails only its unit with a plain-data reason;
// the pool replaces the dead thread with an initialised one and the next units run normally.
// The hang runs in its own pool with a short timeout: how long a heap takes to fill depends on the
// machine's load (seconds on a busy box), so the out-of-memory pool has no timeout to race it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolExecutor, UnitFailedError } from '../../src/study/pool-executor.js';
import type { UnitResult } from '../../src/spec/units.js';
import { tinyUnit } from './helpers.js';

let executor: PoolExecutor;
let reference: UnitResult;

beforeAll(async () => {
  executor = await PoolExecutor.start({
    workers: 2,
    backend: null,
    workerMemoryMb: 160,
    faults: [
      { kind: 'throw', trial: 1 },
      { kind: 'exit', trial: 2 },
      { kind: 'oom', trial: 3 },
      { kind: 'hang', trial: 4 },
    ],
  });
  reference = await executor.runUnit(tinyUnit(0));
});
afterAll(async () => {
  await executor?.close();
});

async function reasonOf(trialNumber: number, pool = executor) {
  const error = await pool.runUnit(tinyUnit(trialNumber)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnitFailedError);
  return (error as UnitFailedError).reason;
}

/** Every thread serves a normal unit with the reference's exact metrics (same unit, same seed). */
async function poolIsHealthy(pool = executor) {
  await pool.whenFull();
  expect(pool.readyThreads).toBe(pool.slots);
  const results = await Promise.all(Array.from({ length: pool.slots }, () => pool.runUnit(tinyUnit(0))));
  for (const result of results) {
    expect(result.backend).toBe(pool.backend);
    expect(result.transfer.metrics).toEqual(reference.transfer.metrics);
  }
}

describe('faults inside units (real worker threads)', () => {
  it('a unit that throws fails with its error; the thread lives on', async () => {
    const reason = await reasonOf(1);
    expect(reason).toMatchObject({ name: 'Error', message: 'injected fault: unit of trial #1 threw' });
    expect(executor.replacedThreads).toBe(0);
    await poolIsHealthy();
  });

  it('a thread that calls process.exit fails its unit; piscina starts an initialised replacement', async () => {
    const reason = await reasonOf(2);
    expect(reason).toMatchObject({
      name: 'WorkerExitError',
      message: 'the worker thread exited with code 7 while running the unit; it was replaced',
    });
    await poolIsHealthy();
    expect(executor.replacedThreads).toBe(1);
  });

  it('a thread that runs out of heap dies alone (resourceLimits), not the process', async () => {
    const reason = await reasonOf(3);
    expect(reason).toMatchObject({
      name: 'WorkerOutOfMemoryError',
      code: 'ERR_WORKER_OUT_OF_MEMORY',
      message: 'the worker thread ran out of memory (heap limit 160 MB); it was replaced',
    });
    await poolIsHealthy();
    expect(executor.replacedThreads).toBe(2);
  });

  it('a unit that hangs is aborted at the unit timeout; its thread is terminated and replaced', async () => {
    const timed = await PoolExecutor.start({ workers: 1, backend: null, unitTimeoutMs: 12000, faults: [{ kind: 'hang', trial: 4 }] });
    try {
      const reason = await reasonOf(4, timed);
      expect(reason).toMatchObject({ name: 'UnitTimeoutError', code: 'E_UNIT_TIMEOUT', message: 'unit timed out after 12s' });
      // The next unit's clock starts once the replacement thread is ready, not while tfjs initialises
      // in it (which can take longer than the timeout on a busy machine).
      await poolIsHealthy(timed);
      expect(timed.replacedThreads).toBe(1);
    } finally {
      await timed.close();
    }
  });

  it('a cancelled unit rejects with the abort, not as a failure of the unit', async () => {
    const controller = new AbortController();
    const run = executor.runUnit(tinyUnit(4), controller.signal); // would hang: cancelled first
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    await poolIsHealthy();
  });
});

describe('pool start-up', () => {
  it('stops when its signal is aborted, destroying the threads it started', async () => {
    const controller = new AbortController();
    const starting = PoolExecutor.start({ workers: 1, backend: null, signal: controller.signal });
    controller.abort();
    await expect(starting).rejects.toMatchObject({ name: 'PoolStartAbortedError' });
  });

  it('validates its options with one precise message each', async () => {
    await expect(PoolExecutor.start({ workers: 0, backend: null })).rejects.toThrow('options.workers must be a positive integer');
    await expect(PoolExecutor.start({ workers: 1, backend: null, unitTimeoutMs: 0 })).rejects.toThrow(
      'options.unitTimeoutMs must be a positive number',
    );
    await expect(PoolExecutor.start({ workers: 1, backend: null, workerMemoryMb: 1.5 })).rejects.toThrow(
      'options.workerMemoryMb must be a positive integer',
    );
  });
});
