// Store.snapshot on SQLite: a read-only connection's snapshot stays fixed while another connection
// commits, and it never blocks that writer (what `tasksieve report` of a running study relies on).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

describe('SqliteStore.snapshot', () => {
  let dir: string;
  let writer: SqliteStore;
  let reader: SqliteStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasksieve-snapshot-'));
    const db = path.join(dir, 'study.db');
    writer = SqliteStore.open(db);
    // busyTimeoutMs 0: if the reader's transaction held a lock the writer needs, the write would fail at once.
    reader = SqliteStore.open(db, { readonly: true, busyTimeoutMs: 0 });
  });
  afterEach(() => {
    reader.close();
    writer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one consistent view while another connection commits, without blocking it', () => {
    const study = writer.getOrCreateStudy('s', {}, 'maximize').study;
    const first = writer.createTrial(study.id, 100, () => ({ state: 'RUNNING', owner: 'o', params: {} }))!;
    writer.recordUnit(first.id, 't', 0, { v: 1 });

    const seen = reader.snapshot(() => {
      const before = { trials: reader.countTrials(study.id), units: reader.getStudyUnits(study.id).length };
      // The runner goes on meanwhile: a new trial, a unit and a finish, each its own committed transaction.
      const second = writer.createTrial(study.id, 100, () => ({ state: 'RUNNING', owner: 'o', params: {} }))!;
      writer.recordUnit(second.id, 't', 0, { v: 2 });
      writer.finishTrial(first.id, 'o', { state: 'COMPLETE', value: 0.5, error: null, backend: 'cpu' });
      const after = {
        trials: reader.countTrials(study.id),
        units: reader.getStudyUnits(study.id).length,
        firstState: reader.getTrial(first.id)!.state,
      };
      return { before, after };
    });
    expect(seen.before).toEqual({ trials: 1, units: 1 });
    expect(seen.after).toEqual({ trials: 1, units: 1, firstState: 'RUNNING' });

    // Outside the snapshot the reader sees the writer's commits.
    expect(reader.countTrials(study.id)).toBe(2);
    expect(reader.getStudyUnits(study.id)).toHaveLength(2);
    expect(reader.getTrial(first.id)!.state).toBe('COMPLETE');
  });

  it('refuses writes inside a snapshot of a read-only store', () => {
    const study = writer.getOrCreateStudy('s', {}, 'maximize').study;
    expect(() => reader.snapshot(() => reader.createTrial(study.id, 10, () => ({ state: 'WAITING', owner: null, params: {} })))).toThrow(
      'is open read-only',
    );
    expect(writer.countTrials(study.id)).toBe(0);
  });
});
