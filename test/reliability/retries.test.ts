// budget.retries at the ask/tell level, on real SQLite files: a failed trial stays FAIL (finished
// trials are immutable) and a new trial with the same params runs next; retries count toward
// budget.trials so the study still ends; the decision is taken from the stored trials inside the
// creating transaction, so a crash between a failure and its retry loses nothing and two runners
// never both retry one failure.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pendingRetry, StudyHandle } from '../../src/study/study-handle.js';
import type { TrialRecord } from '../../src/spec/records.js';
import { tempDir } from '../helpers/cli.js';
import { sqliteStoresClosedAfterEach } from '../helpers/sqlite-stores.js';
import { resolvedStudy } from '../helpers/resolved-study.js';

const openStore = sqliteStoresClosedAfterEach();

const study = (trials: number, retries?: number) =>
  resolvedStudy({ budget: { trials, workers: 1, epochs: 10, seeds: 1, ...(retries !== undefined ? { retries } : {}) } });

describe('budget.retries', () => {
  it('is off by default: a failure is final and the next trial is a fresh proposal', () => {
    const handle = StudyHandle.open({ store: openStore(join(tempDir(), 'r.db')), study: study(3) });
    const first = handle.ask()!;
    handle.tell(first.id, { state: 'FAIL', error: 'boom' });
    const next = handle.ask()!;
    expect(next.retryOf).toBeUndefined();
    expect(next.params).not.toEqual(first.params);
  });

  it('retries a failure with the same params as a new trial, at most `retries` times, within budget.trials', () => {
    const handle = StudyHandle.open({ store: openStore(join(tempDir(), 'r.db')), study: study(6, 2) });
    const t0 = handle.ask()!;
    handle.tell(t0.id, { state: 'FAIL', error: 'first failure' });
    const t1 = handle.ask()!;
    expect(t1).toMatchObject({ number: 1, retryOf: 0, params: t0.params, attempts: 1 });
    handle.tell(t1.id, { state: 'FAIL', error: 'second failure' });
    const t2 = handle.ask()!;
    expect(t2).toMatchObject({ number: 2, retryOf: 1, params: t0.params });
    handle.tell(t2.id, { state: 'FAIL', error: 'third failure' });
    // Two retries used: the next trial is a fresh proposal.
    const t3 = handle.ask()!;
    expect(t3.retryOf).toBeUndefined();
    expect(t3.params).not.toEqual(t0.params);
    handle.tell(t3.id, { state: 'COMPLETE', value: 0.5 });
    const t4 = handle.ask()!;
    const t5 = handle.ask()!;
    handle.tell(t5.id, { state: 'FAIL', error: 'last one fails' });
    handle.tell(t4.id, { state: 'COMPLETE', value: 0.4 });
    // The budget is used: the last failure cannot be retried, and the study ends at its total.
    expect(handle.ask()).toBe(null);
    const trials = handle.trials();
    expect(trials).toHaveLength(6);
    expect(trials.slice(0, 3).map((t) => [t.state, t.error])).toEqual([
      ['FAIL', 'first failure'],
      ['FAIL', 'second failure'],
      ['FAIL', 'third failure'],
    ]);
  });

  it('a retry that succeeds ends its chain', () => {
    const handle = StudyHandle.open({ store: openStore(join(tempDir(), 'r.db')), study: study(4, 3) });
    const t0 = handle.ask()!;
    handle.tell(t0.id, { state: 'FAIL', error: 'transient' });
    const t1 = handle.ask()!;
    expect(t1.retryOf).toBe(0);
    handle.tell(t1.id, { state: 'COMPLETE', value: 0.7 });
    const t2 = handle.ask()!;
    expect(t2.retryOf).toBeUndefined();
    expect(t2.params).not.toEqual(t0.params);
  });

  it('a runner that died between the failure and its retry: the next runner retries it, once', () => {
    const path = join(tempDir(), 'r.db');
    const dead = StudyHandle.open({ store: openStore(path), study: study(5, 1) });
    const failed = dead.ask()!;
    dead.tell(failed.id, { state: 'FAIL', error: 'worker died' });
    // `dead` never asks again. Two other runners (own connections, as two processes) ask at once.
    const a = StudyHandle.open({ store: openStore(path), study: study(5, 1) });
    const b = StudyHandle.open({ store: openStore(path), study: study(5, 1) });
    const fromA = a.ask()!;
    const fromB = b.ask()!;
    expect([fromA.retryOf, fromB.retryOf]).toEqual([0, undefined]);
    expect(fromA.params).toEqual(failed.params);
    expect(fromB.params).not.toEqual(failed.params);
  });

  it('pendingRetry picks the oldest failure whose chain has retries left, and none once a later trial has its params', () => {
    const trial = (number: number, state: TrialRecord['state'], lr: number): TrialRecord => ({
      id: number + 1,
      studyId: 1,
      number,
      state,
      params: { learning_rate: lr, sources: ['a'] },
      value: state === 'COMPLETE' ? 0.5 : null,
      error: state === 'FAIL' ? 'x' : null,
      backend: null,
      owner: null,
      attempts: 1,
      createdAt: 0,
      startedAt: null,
      finishedAt: null,
      heartbeatAt: null,
    });
    expect(pendingRetry([trial(0, 'FAIL', 0.1)], 0)).toBe(null);
    expect(pendingRetry([trial(0, 'FAIL', 0.1), trial(1, 'FAIL', 0.2)], 1)?.number).toBe(0);
    expect(pendingRetry([trial(0, 'FAIL', 0.1), trial(1, 'FAIL', 0.2), trial(2, 'RUNNING', 0.1)], 1)?.number).toBe(1);
    expect(pendingRetry([trial(0, 'FAIL', 0.1), trial(1, 'FAIL', 0.1)], 1)).toBe(null);
    expect(pendingRetry([trial(0, 'FAIL', 0.1), trial(1, 'FAIL', 0.1)], 2)?.number).toBe(1);
    // Key order of the stored params does not matter.
    const reordered = { ...trial(1, 'COMPLETE', 0.1), params: { sources: ['a'], learning_rate: 0.1 } };
    expect(pendingRetry([trial(0, 'FAIL', 0.1), reordered], 1)).toBe(null);
  });
});
