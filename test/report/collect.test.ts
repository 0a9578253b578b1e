// collectReport reads one consistent snapshot of a real SQLite study, even while another connection
// keeps writing to it in the middle of the read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectReport } from '../../src/report/collect.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { FAKE_TARGETS, makeFakeStudy } from '../helpers/fake-study.js';

describe('collectReport', () => {
  let dir: string;
  let db: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasksieve-report-'));
    db = path.join(dir, 'study.db');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads trials, units in the stored shape, intermediates and the leaderboard', () => {
    const writer = SqliteStore.open(db);
    makeFakeStudy(writer, { name: 'rich', trials: 12, failEvery: 5, rungs: true });
    writer.close();
    const reader = SqliteStore.open(db, { readonly: true });
    try {
      const data = collectReport(reader, 'rich', () => 1234)!;
      expect(data.takenAt).toBe(1234);
      expect(data.name).toBe('rich');
      expect(data.trials.map((t) => t.number)).toEqual([...Array(12).keys()]);
      const states = new Set(data.trials.map((t) => t.state));
      expect(states.has('FAIL') && states.has('COMPLETE')).toBe(true);
      const done = data.trials.find((t) => t.state === 'COMPLETE')!;
      expect(done.units).toHaveLength(FAKE_TARGETS.length * 2);
      for (const u of done.units) {
        expect(u.gain).toBeCloseTo(u.metric! - u.baseline!, 12);
        expect(u.epochs).toBe(10);
        expect(u.samples).toBeGreaterThan(0);
        expect(u.backend).toBe('wasm');
      }
      expect(done.intermediates.length).toBeGreaterThan(0);
      expect(done.intermediates.map(([step]) => step)).toEqual([...done.intermediates.map(([step]) => step)].sort((a, b) => a - b));
      expect(data.trials.find((t) => t.state === 'FAIL')!.error).toBe('NaN loss at epoch 3');
      const values = data.leaderboard.map((r) => r.value!);
      expect(values).toEqual([...values].sort((a, b) => b - a));
      expect(data.leaderboard.length).toBe(data.trials.filter((t) => t.state === 'COMPLETE').length);
      expect('error' in data.trialTable).toBe(false);
      expect(collectReport(reader, 'missing')).toBeNull();
    } finally {
      reader.close();
    }
  });

  it('is one snapshot: writes committed by the runner in the middle of the read do not show', () => {
    const writer = SqliteStore.open(db);
    const handle = makeFakeStudy(writer, { name: 'live', trials: 6, leaveRunning: true });
    const running = handle.trials().find((t) => t.state === 'RUNNING')!;
    const reader = SqliteStore.open(db, { readonly: true, busyTimeoutMs: 0 });
    let wrote = false;
    // The real read-only store; the first intermediates read (after trials and units, before the
    // leaderboard and attribution table) lets the runner finish its trial.
    const interleaved = new Proxy(reader, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== 'getIntermediates' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return (trialId: number) => {
          if (!wrote) {
            wrote = true;
            const donor = handle.trials().find((t) => t.state === 'COMPLETE')!;
            writer.recordUnit(running.id, 't1', 0, writer.getUnits(donor.id)[0]!.result);
            handle.tell(running.id, { state: 'COMPLETE', value: 0.99 });
          }
          return target.getIntermediates(trialId);
        };
      },
    }) as Store;
    try {
      const data = collectReport(interleaved, 'live')!;
      expect(wrote).toBe(true);
      expect(data.trials.find((t) => t.number === running.number)!.state).toBe('RUNNING');
      expect(data.trials.find((t) => t.number === running.number)!.units).toEqual([]);
      expect(data.leaderboard.some((r) => r.number === running.number)).toBe(false);
      expect(data.leaderboard.length).toBe(5);
      // After the snapshot the reader sees the commit.
      expect(collectReport(reader, 'live')!.leaderboard[0]!.number).toBe(running.number);
    } finally {
      reader.close();
      writer.close();
    }
  });
});
