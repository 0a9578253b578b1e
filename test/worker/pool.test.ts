// Real piscina pools running the compiled worker (dist/worker/entry.js, built by `pretest`).
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerEntryPath, type WorkerData, type WorkerRequest, type WorkerResponse } from '../../src/worker/index.js';
import { DIVERGING, unit } from './units.js';

const ENTRY = workerEntryPath();

function pool(threads: number, backend: WorkerData['backend'] = null): Piscina<WorkerRequest, WorkerResponse> {
  const workerData: WorkerData = { backend };
  return new Piscina({ filename: ENTRY, minThreads: threads, maxThreads: threads, idleTimeout: 60_000, workerData });
}

async function info(p: Piscina<WorkerRequest, WorkerResponse>) {
  const reply = await p.run({ type: 'info' });
  if (reply.type !== 'info') throw new Error(`expected info, got ${reply.type}`);
  return reply.info;
}

async function result(p: Piscina<WorkerRequest, WorkerResponse>, request: WorkerRequest) {
  const reply = await p.run(request);
  if (reply.type !== 'unit-result') throw new Error(`expected unit-result, got ${JSON.stringify(reply)}`);
  return reply.result;
}

beforeAll(() => {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: build first (npx tsc -p tsconfig.json)`);
});

describe('worker pool', () => {
  const two = pool(2);
  const one = pool(1);
  afterAll(async () => {
    await Promise.all([two.destroy(), one.destroy()]);
  });

  it('reports the wasm backend (tfjs-node is absent) and its start-up time', async () => {
    const reply = await info(two);
    expect(reply.backend).toBe('wasm');
    expect(reply.initMs).toBeGreaterThan(0);
    expect(reply.threadId).toBeGreaterThan(0);
  });

  it('gives identical metrics for the same unit on two threads at once', async () => {
    const [a, b] = await Promise.all([result(two, { type: 'unit', unit: unit() }), result(two, { type: 'unit', unit: unit() })]);
    expect(b.transfer.metrics).toEqual(a.transfer.metrics);
    expect(b.baseline!.metrics).toEqual(a.baseline!.metrics);
    expect(a.transfer.metrics.accuracy).toBeGreaterThan(0.5);
    expect(a.backend).toBe('wasm');
    expect(a.workerMs).toBeGreaterThan(0);
  });

  it('serves several units from one warm thread, initialised once', async () => {
    const first = await info(one);
    await result(one, { type: 'unit', unit: unit({ withBaseline: false }) });
    await result(one, { type: 'unit', unit: unit({ withBaseline: false, seed: 8 }) });
    const last = await info(one);
    // Same thread, and the very same init measurement: the module (and tfjs) was initialised once.
    // (Memory figures are a reading at reply time, so they may differ.)
    const { memory: _m1, ...firstInit } = first;
    const { memory: _m2, ...lastInit } = last;
    expect(lastInit).toEqual(firstInit);
  });

  it('returns a failed unit as plain data and keeps working', async () => {
    const reply = await one.run({ type: 'unit', unit: DIVERGING });
    expect(reply.type).toBe('unit-error');
    if (reply.type !== 'unit-error') return;
    expect(reply.error.name).toBe('NonFiniteLossError');
    expect(reply.error.code).toBe('E_NON_FINITE_LOSS');
    expect(reply.error.message).toMatch(/^(loss|weights) became .* at epoch \d+ of target-only training$/);
    expect(reply.error.stack).toContain('NonFiniteLossError');
    const after = await result(one, { type: 'unit', unit: unit({ withBaseline: false }) });
    expect(after.transfer.metrics.accuracy).toBeGreaterThan(0.5);
  });

  it('reports a data problem of a unit as a DataError', async () => {
    const target = { ...unit().target, labelled: 5 }; // fewer labelled rows than classes
    const reply = await one.run({ type: 'unit', unit: unit({ target }) });
    expect(reply).toMatchObject({ type: 'unit-error', error: { name: 'DataError', code: 'E_DATA' } });
  });
});

describe('worker entry', () => {
  it('refuses to run on the main thread', async () => {
    await expect(import(pathToFileURL(ENTRY).href)).rejects.toThrow('must run in a worker thread');
  });

  it('reports a requested backend that cannot load, with every request', async () => {
    const p = pool(1, 'tensorflow');
    try {
      const message = 'backend "tensorflow" is not available: @tensorflow/tfjs-node is not installed';
      await expect(p.run({ type: 'info' })).rejects.toThrow(message);
      const reply = await p.run({ type: 'unit', unit: unit() });
      expect(reply).toMatchObject({
        type: 'unit-error',
        error: { name: 'BackendUnavailableError', code: 'E_BACKEND_UNAVAILABLE', message },
      });
    } finally {
      await p.destroy();
    }
  });
});
