// `tasksieve worker` end to end: three real worker processes share one PostgreSQL study; one is
// SIGKILLed mid-trial; the survivors re-queue its trial once, re-run it, and finish the study exactly.
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import { PostgresStore } from '../../src/store/index.js';
import type { TrialRecord } from '../../src/spec/records.js';
import { cli, cliAsync, syntheticStudyYaml, tempDir, writeStudy, type CliResult } from '../helpers/cli.js';
import { freshDatabaseForSuite } from '../helpers/pg.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `host:pid:start:nonce` → pid */
const ownerPid = (owner: string | null): number | null => (owner === null ? null : Number(owner.split(':')[1]));

describe('tasksieve worker', () => {
  const database = freshDatabaseForSuite();

  it('refuses an unknown study name with exit 2, naming the database without its password', () => {
    const url = new URL(database.url);
    url.password = 'hunter2';
    const result = cli(['worker', 'nope', '--db', url.toString()]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^tasksieve worker: postgres:\/\/tasksieve:\*\*\*@127\.0\.0\.1:\d+\/\w+: study "nope" not found \(it has no study\)\n$/);
  });

  it('3 workers, one SIGKILLed mid-trial: exactly the total, unique numbers, the killed trial re-run once', async () => {
    const total = 6;
    const dir = tempDir('tasksieve-worker-');
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'shared', trials: total, workers: 1, seeds: 2 }));
    const workers = Array.from({ length: 3 }, () =>
      cliAsync(['worker', file, '--db', database.url, '--workers', '1', '--json']),
    );
    // The victim is whichever worker is first seen holding a trial: a fixed one could start last and
    // find all 6 trials taken (once under the full suite's load: "the victim never held a RUNNING trial").
    let victim: (typeof workers)[0] | null = null;
    // Migrated here, not by whichever worker gets there first: a reader cannot open an empty database
    // (this test must not depend on the one before it having run).
    PostgresStore.open(database.url).close();
    const store = PostgresStore.open(database.url, { readonly: true });
    let killed: TrialRecord | null = null;
    try {
      const heldBy = (worker: (typeof workers)[0]): TrialRecord | null => {
        const study = store.getStudy('shared');
        if (study === null) return null;
        return store.getTrials(study.id, ['RUNNING']).find((t) => ownerPid(t.owner) === worker.child.pid) ?? null;
      };
      // Freeze the victim before judging: a trial it holds while stopped is the trial it dies holding.
      const deadline = Date.now() + 180_000;
      while (killed === null) {
        if (Date.now() > deadline) throw new Error('no worker was ever seen holding a RUNNING trial');
        const holder = workers.find((w) => heldBy(w) !== null);
        if (holder !== undefined) {
          holder.child.kill('SIGSTOP');
          // A finish it sent just before it stopped still reaches the server: let it land, or the
          // trial judged "held" would be one it had finished.
          await sleep(100);
          killed = heldBy(holder);
          if (killed !== null) {
            holder.child.kill('SIGKILL');
            victim = holder;
          } else holder.child.kill('SIGCONT');
        }
        if (killed === null) await sleep(50);
      }
      const dead = await victim!.done;
      expect(dead.status).toBe(null);

      const survivors: CliResult[] = await Promise.all(workers.filter((w) => w !== victim).map((w) => w.done));
      for (const survivor of survivors) {
        expect(survivor.stderr).toBe('');
        expect(survivor.status).toBe(0);
      }
      const summaries = survivors.map((s) => JSON.parse(s.stdout) as { finished: number; total: number; requeued: number });
      expect(summaries.map((s) => s.finished)).toEqual([total, total]);
      // Whoever noticed first re-queued it, and nobody else did.
      expect(summaries.reduce((n, s) => n + s.requeued, 0)).toBe(1);

      const study = store.getStudy('shared')!;
      const trials = store.getTrials(study.id);
      expect(trials.map((t) => t.number)).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
      const rerun = trials.find((t) => t.id === killed!.id)!;
      expect(rerun).toMatchObject({ number: killed.number, params: killed.params, attempts: 2, state: 'COMPLETE' });
      expect(ownerPid(rerun.owner)).not.toBe(victim!.child.pid);
      expect(trials.filter((t) => t.id !== killed!.id).every((t) => t.attempts === 1)).toBe(true);
      // Every unit of every trial once: 1 target x 2 seeds.
      expect(store.getStudyUnits(study.id)).toHaveLength(total * 2);
    } finally {
      for (const { child } of workers) killIfRunning(child);
      store.close();
    }
  }, 300_000);

  it('re-queues a trial of a worker on another machine once its heartbeat is older than --stale-after', async () => {
    const dir = tempDir('tasksieve-worker-');
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'remote', trials: 2, workers: 1, seeds: 1 }));
    // A worker on another host took trial #0 and went silent: no pid can tell it is gone, only time.
    const store = PostgresStore.open(database.url);
    let taken: TrialRecord;
    try {
      const handle = StudyHandle.open({ store, study: loadStudyFile(file), owner: 'another-machine:4242:cafe' });
      const asked = handle.ask()!;
      taken = store.getTrial(asked.id)!;
    } finally {
      store.close();
    }
    const result = cli(['worker', 'remote', '--db', database.url, '--workers', '1', '--stale-after', '1', '--json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ finished: 2, total: 2, requeued: 1 });
    const reader = PostgresStore.open(database.url, { readonly: true });
    try {
      const trials = reader.getTrials(reader.getStudy('remote')!.id);
      expect(trials.map((t) => [t.number, t.state, t.error])).toEqual([
        [0, 'COMPLETE', null],
        [1, 'COMPLETE', null],
      ]);
      expect(trials[0]).toMatchObject({ id: taken.id, params: taken.params, attempts: 2 });
      expect(trials[0]!.owner).not.toBe('another-machine:4242:cafe');
    } finally {
      reader.close();
    }
  });
});

function killIfRunning(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
