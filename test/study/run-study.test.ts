// runStudy, directly: one round over a real SQLite store with the real worker pool on a tiny
// synthetic study. Its events and summary agree with what the store holds (the progress it reports
// after each trial is kept incrementally, not re-read); a signal stops it with finished trials kept
// and running ones handed back; a second runner's round picks up where the first stopped.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import type { TrialRecord } from '../../src/spec/records.js';
import { SqliteStore } from '../../src/store/index.js';
import { PoolExecutor } from '../../src/study/pool-executor.js';
import { bestTrial, runStudy, type StudyEvent } from '../../src/study/run-study.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import { syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';

const FINISHED = ['COMPLETE', 'PRUNED', 'FAIL'] as const;

describe('runStudy', () => {
  let executor: PoolExecutor;
  beforeAll(async () => {
    executor = await PoolExecutor.start({ workers: 2, backend: null });
  });
  afterAll(async () => {
    await executor.close();
  });

  it('runs the budget; each trial-end reports what the store holds at that moment', async () => {
    const study = loadStudyFile(writeStudy(tempDir(), syntheticStudyYaml({ name: 'direct', trials: 6, seeds: 2 })));
    const store = SqliteStore.open(join(tempDir(), 'direct.db'));
    try {
      const handle = StudyHandle.open({ store, study });
      const events: StudyEvent[] = [];
      const seen: { finished: number; best: TrialRecord | null }[] = [];
      const summary = await runStudy({
        handle,
        executor,
        onEvent: (event) => {
          events.push(event);
          if (event.type === 'trial-end') {
            const trials = store.getTrials(handle.id, FINISHED);
            seen.push({ finished: trials.length, best: bestTrial(trials, 'maximize') });
          }
        },
      });
      expect(events[0]).toEqual({ type: 'start', total: 6, finished: 0, requeued: 0 });
      const ends = events.filter((e) => e.type === 'trial-end');
      expect(events.filter((e) => e.type === 'trial-start')).toHaveLength(6);
      expect(ends).toHaveLength(6);
      ends.forEach((event, i) => {
        expect(event.finished, `trial-end ${i}`).toBe(seen[i]!.finished);
        expect(event.best, `trial-end ${i}`).toEqual(seen[i]!.best);
      });
      expect(ends.map((e) => e.finished)).toEqual([1, 2, 3, 4, 5, 6]);

      const trials = store.getTrials(handle.id);
      expect(trials.map((t) => t.state)).toEqual(Array(6).fill('COMPLETE'));
      expect(summary).toMatchObject({
        study: 'direct',
        total: 6,
        finished: 6,
        completedThisRun: 6,
        prunedThisRun: 0,
        failedThisRun: 0,
        requeued: 0,
        interrupted: false,
        best: bestTrial(trials, 'maximize'),
      });
      expect(summary.trainingMs).toBeGreaterThan(0);
      expect(store.getStudyUnits(handle.id)).toHaveLength(12);
    } finally {
      store.close();
    }
  });

  it('a signal stops it: finished trials stay, running ones go back to WAITING, the next round finishes the study', async () => {
    const study = loadStudyFile(writeStudy(tempDir(), syntheticStudyYaml({ name: 'stopped', trials: 8, seeds: 2 })));
    const store = SqliteStore.open(join(tempDir(), 'stopped.db'));
    try {
      const handle = StudyHandle.open({ store, study });
      const controller = new AbortController();
      const first = await runStudy({
        handle,
        executor,
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type === 'trial-end' && event.finished === 2) controller.abort();
        },
      });
      expect(first.interrupted).toBe(true);
      expect(first.finished).toBe(first.completedThisRun);
      expect(first.finished).toBeGreaterThanOrEqual(2);
      expect(first.finished).toBeLessThan(8);
      const after = store.getTrials(handle.id);
      expect(after.filter((t) => t.state === 'RUNNING')).toEqual([]);
      const finishedBefore = after.filter((t) => t.state === 'COMPLETE');

      const second = await runStudy({ handle: StudyHandle.open({ store, study }), executor });
      expect(second.interrupted).toBe(false);
      expect(second.finished).toBe(8);
      const end = store.getTrials(handle.id);
      expect(end.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(end.every((t) => t.state === 'COMPLETE')).toBe(true);
      // Nothing finished is touched again.
      for (const trial of finishedBefore) expect(end.find((t) => t.id === trial.id)).toEqual(trial);
    } finally {
      store.close();
    }
  });
});
