// The scheduler's path through real worker threads: rung reports come out of a training unit over its
// MessagePort, a stop request goes in, the unit returns early with its metrics, and the same warm
// thread serves the next unit (a stop is never a task abort).
import { existsSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolExecutor } from '../../src/study/pool-executor.js';
import {
  workerEntryPath,
  type UnitCommand,
  type UnitMessage,
  type WorkerRequest,
  type WorkerResponse,
} from '../../src/worker/index.js';
import type { RungReport } from '../../src/spec/units.js';
import { unit } from './units.js';

const ENTRY = workerEntryPath();
/** Far more epochs than a stop needs to arrive in: a unit that ignored it would run them all. */
const LONG = unit({ withBaseline: true, rungs: [1, 2, 4] }, { epochs: 600, pretrain_epochs: 1 });

beforeAll(() => {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: build first (npx tsc -p tsconfig.json)`);
});

describe('stopping a unit through its port', () => {
  const pool = new Piscina<WorkerRequest, WorkerResponse>({
    filename: ENTRY,
    minThreads: 1,
    maxThreads: 1,
    idleTimeout: 60_000,
    workerData: { backend: null },
  });
  afterAll(() => pool.destroy());

  const threadId = async () => {
    const reply = await pool.run({ type: 'info' });
    if (reply.type !== 'info') throw new Error(`expected info, got ${reply.type}`);
    return reply.info.threadId;
  };

  it('reports the first rung live, stops when told, pairs a baseline as short, and the same thread serves the next unit', async () => {
    const before = await threadId();
    const { port1, port2 } = new MessageChannel();
    const live: RungReport[] = [];
    port1.on('message', (message: UnitMessage) => {
      live.push({ epoch: message.epoch, metrics: message.metrics });
      if (message.epoch === 1) port1.postMessage({ type: 'stop' } satisfies UnitCommand);
    });
    let reply: WorkerResponse;
    try {
      reply = await pool.run({ type: 'unit', unit: LONG, port: port2 }, { transferList: [port2] });
    } finally {
      port1.close();
    }
    if (reply.type !== 'unit-result') throw new Error(`expected unit-result, got ${JSON.stringify(reply)}`);
    const result = reply.result;
    expect(result.stoppedAt).not.toBeNull();
    expect(result.stoppedAt!).toBeGreaterThanOrEqual(1);
    expect(result.stoppedAt!).toBeLessThan(600);
    // Cost counts what ran: one pre-training epoch plus the fine-tuning epochs up to the stop.
    expect(result.transfer.cost.epochs).toBe(1 + result.stoppedAt!);
    // Paired with a baseline fine-tuned as long (target only: no pre-training).
    expect(result.baseline!.cost.epochs).toBe(result.stoppedAt!);
    expect(result.rungs[0]!.epoch).toBe(1);
    expect(result.rungs.every((r) => r.epoch <= result.stoppedAt!)).toBe(true);
    expect(live[0]).toEqual(result.rungs[0]);
    expect(result.transfer.metrics.accuracy).toBeGreaterThan(0);

    // The thread was not terminated: the same thread answers, and runs a full unit afterwards.
    expect(await threadId()).toBe(before);
    const next = await pool.run({ type: 'unit', unit: unit({ withBaseline: false, rungs: [2] }) });
    if (next.type !== 'unit-result') throw new Error(`expected unit-result, got ${next.type}`);
    expect(next.result.stoppedAt).toBeNull();
    expect(next.result.transfer.cost.epochs).toBe(2 + 6);
    expect(next.result.rungs.map((r) => r.epoch)).toEqual([2]);
    expect(await threadId()).toBe(before);
  });

  it('a unit without rungs or a port runs as before: no rung evaluations, nothing stopped', async () => {
    const reply = await pool.run({ type: 'unit', unit: unit({ withBaseline: true }) });
    if (reply.type !== 'unit-result') throw new Error(`expected unit-result, got ${reply.type}`);
    expect(reply.result.rungs).toEqual([]);
    expect(reply.result.stoppedAt).toBeNull();
    expect(reply.result.baseline).not.toBeNull();
  });
});

describe('PoolExecutor unit channel', () => {
  let executor: PoolExecutor;
  beforeAll(async () => {
    executor = await PoolExecutor.start({ workers: 1, backend: null });
  });
  afterAll(() => executor.close());

  it('delivers rung reports while the unit trains and stops it on request', async () => {
    const stop = new AbortController();
    const live: number[] = [];
    const result = await executor.runUnit(LONG, undefined, {
      onReport: (report) => {
        live.push(report.epoch);
        if (report.epoch === 2) stop.abort();
      },
      stop: stop.signal,
    });
    expect(live.slice(0, 2)).toEqual([1, 2]);
    expect(result.stoppedAt!).toBeGreaterThanOrEqual(2);
    expect(result.stoppedAt!).toBeLessThan(600);
    expect(result.rungs.slice(0, 2).map((r) => r.epoch)).toEqual([1, 2]);
  });

  it('a stop requested before the unit starts ends it after its first fine-tuning epoch', async () => {
    const stop = new AbortController();
    stop.abort();
    const result = await executor.runUnit(LONG, undefined, { stop: stop.signal });
    expect(result.stoppedAt).toBe(1);
    expect(result.transfer.cost.epochs).toBe(2);
    expect(result.rungs.map((r) => r.epoch)).toEqual([1]);
    // The pool still serves units.
    const after = await executor.runUnit(unit({ withBaseline: false }));
    expect(after.stoppedAt).toBeNull();
  });
});
