// The crash-and-resume sequence of a user whose machine keeps dying: `tasksieve run` started,
// SIGKILLed (its whole process group) once a given number of trials has finished, started again at
// once and killed again, …, then ONE `tasksieve resume` started at once after the last kill. Kills
// are placed by progress (finished trials read from the store), never by wall time, so the sequence
// means the same on a slow or a fast machine. Used by test/reliability/crash-resume.test.ts (short)
// and `npm run bench -- crash-resume` (the full count). Test and benchmark code only.
import { spawn, type ChildProcess } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import type { TrialRecord, UnitRecord } from '../../src/spec/records.js';
import { BIN, ROOT } from './cli.js';

export interface CrashSequenceOptions {
  /** The study file. */
  readonly file: string;
  /** A SQLite path or a postgres:// URL. */
  readonly db: string;
  readonly name: string;
  /** Kill points: each `run` is killed once the study has at least this many finished trials. */
  readonly killAt: readonly number[];
  /** Extra arguments for `resume` (e.g. --no-wait). */
  readonly resumeArgs?: readonly string[];
  /** Give up on a kill point after this long (a run that never gets there is a failure). */
  readonly timeoutMs?: number;
  /**
   * `at-once` (default): the killed runs are reaped as soon as they die, as a shell or Node would.
   * `late`: their parent does not reap them until the sequence is over, so each stays a zombie
   * (its pid still answers `kill -0`), as under a harness that waits late, or a container whose
   * PID 1 is no init.
   */
  readonly reap?: 'at-once' | 'late';
}

export interface LeftOver {
  readonly number: number;
  readonly state: string;
  readonly owner: string | null;
  readonly attempts: number;
  /** Whether the owner's pid still existed (any state, zombies included) when resume started. */
  readonly ownerPidExistedAtResume: boolean | null;
}

export interface CrashSequenceOutcome {
  readonly resumeStatus: number | null;
  readonly resumeStdout: string;
  readonly resumeStderr: string;
  /** The resume's own count, from its JSON summary (null if it printed none). */
  readonly summaryFinished: number | null;
  /** What the database holds once resume exited. */
  readonly finished: number;
  readonly total: number;
  readonly uniqueNumbers: boolean;
  /** Trials not finished once resume exited. */
  readonly leftOver: readonly LeftOver[];
  /** Finished trials seen before resume whose record or units changed afterwards. */
  readonly changed: readonly number[];
  /** Finished trials at each kill. */
  readonly atKills: readonly number[];
  readonly wallMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Finished {
  readonly trial: TrialRecord;
  readonly units: readonly UnitRecord[];
}

function spawnDetached(args: readonly string[]): { child: ChildProcess; done: Promise<{ status: number | null; stdout: string; stderr: string }> } {
  // Its own process group, so the kill takes every thread and child with it, as a power cut would.
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderr })),
  );
  return { child, done };
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A read-only view of the study, opened once the database exists and kept open (a PostgreSQL store
 * starts a helper thread per connection: too slow to open at every poll).
 */
class StudyReader {
  private store: Store | null = null;
  constructor(private readonly db: string, private readonly name: string) {}

  /** `read` over the study, or null while the database or the study does not exist yet. */
  read<T>(read: (store: Store, studyId: number) => T): T | null {
    if (this.store === null) {
      try {
        this.store = openStore(this.db, { readonly: true });
      } catch {
        return null; // not created yet
      }
    }
    const study = this.store.getStudy(this.name);
    return study === null ? null : read(this.store, study.id);
  }

  finished(): Map<number, Finished> {
    const out = new Map<number, Finished>();
    this.read((store, id) => {
      for (const trial of store.getTrials(id, FINISHED_STATES)) out.set(trial.number, { trial, units: store.getUnits(trial.id) });
    });
    return out;
  }

  finishedCount(): number {
    try {
      return this.read((store, id) => store.countTrials(id, FINISHED_STATES)) ?? 0;
    } catch {
      return 0; // a database being created: look again
    }
  }

  close(): void {
    this.store?.close();
    this.store = null;
  }
}

const FINISHED_STATES = ['COMPLETE', 'PRUNED', 'FAIL'] as const;

/**
 * `tasksieve run` in a process group of its own whose parent is a `sleep` that never reaps it: once
 * killed, it stays a zombie until the sleep is killed. Returns the run's pid and the sleep's.
 */
async function spawnUnreaped(args: readonly string[]): Promise<{ pid: number; parent: ChildProcess }> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  // set -m: the background job gets its own process group; exec: its parent becomes the sleep.
  const parent = spawn('bash', ['-c', `set -m; ${quoted} >/dev/null 2>&1 & echo $!; exec sleep 100000`], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const pid = await new Promise<number>((resolve, reject) => {
    let text = '';
    parent.stdout!.on('data', (d) => {
      text += d;
      if (text.includes('\n')) resolve(Number(text.trim()));
    });
    parent.on('error', reject);
  });
  return { pid, parent };
}

export async function crashSequence(options: CrashSequenceOptions): Promise<CrashSequenceOutcome> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 600_000;
  const seen = new Map<number, Finished>();
  const reader = new StudyReader(options.db, options.name);
  const remember = () => {
    for (const [number, finished] of reader.finished()) if (!seen.has(number)) seen.set(number, finished);
  };
  const atKills: number[] = [];
  const children: ChildProcess[] = [];
  /** Runs without a ChildProcess of ours (under a sleep): their groups are killed at the end too. */
  const runs: number[] = [];
  try {
    for (const threshold of options.killAt) {
      const args = ['run', options.file, '--db', options.db, '--quiet'];
      let pid: number;
      let exited = () => false;
      if (options.reap === 'late') {
        const run = await spawnUnreaped(args);
        children.push(run.parent);
        pid = run.pid;
        runs.push(pid);
        exited = () => !pidExists(pid);
      } else {
        const run = spawnDetached(args);
        children.push(run.child);
        pid = run.child.pid!;
        let done = false;
        void run.done.then(() => (done = true));
        exited = () => done;
      }
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const count = reader.finishedCount();
        if (count >= threshold) break;
        if (exited()) throw new Error(`run exited before ${threshold} trials had finished (${count})`);
        if (Date.now() > deadline) throw new Error(`no ${threshold} finished trials within ${timeoutMs} ms (${count})`);
        await sleep(50);
      }
      process.kill(-pid, 'SIGKILL');
      atKills.push(reader.finishedCount());
      remember();
      // At once: the next process starts while the killed one may still be tearing down.
    }
    const resume = spawnDetached(['resume', options.file, '--db', options.db, '--json', ...(options.resumeArgs ?? [])]);
    children.push(resume.child);
    // Owners of the trials left RUNNING, and whether their process still existed as resume began.
    const ownersAtResume = new Map<string, boolean>();
    reader.read((store, id) => {
      for (const trial of store.getTrials(id, ['RUNNING'])) {
        const pid = Number(trial.owner?.split(':')[1]);
        if (trial.owner !== null) ownersAtResume.set(trial.owner, Number.isInteger(pid) && pidExists(pid));
      }
    });
    const result = await resume.done;
    let summaryFinished: number | null = null;
    try {
      const last = result.stdout.trim().split('\n').at(-1) ?? '';
      summaryFinished = (JSON.parse(last) as { finished: number }).finished;
    } catch {
      summaryFinished = null;
    }
    const end = reader.read((store, id) => ({
      trials: store.getTrials(id),
      units: new Map(store.getTrials(id, FINISHED_STATES).map((t) => [t.number, store.getUnits(t.id)])),
      total: (store.getStudy(options.name)!.spec as { budget: { trials: number } }).budget.trials,
    }));
    if (end === null) throw new Error('the study vanished');
    const numbers = end.trials.map((t) => t.number);
    const changed: number[] = [];
    for (const [number, before] of seen) {
      const now = end.trials.find((t) => t.number === number);
      if (!now || !isDeepStrictEqual(now, before.trial) || !isDeepStrictEqual(end.units.get(number), before.units)) changed.push(number);
    }
    return {
      resumeStatus: result.status,
      resumeStdout: result.stdout,
      resumeStderr: result.stderr,
      summaryFinished,
      finished: end.trials.filter((t) => (FINISHED_STATES as readonly string[]).includes(t.state)).length,
      total: end.total,
      uniqueNumbers: new Set(numbers).size === numbers.length,
      leftOver: end.trials
        .filter((t) => !(FINISHED_STATES as readonly string[]).includes(t.state))
        .map((t) => ({
          number: t.number,
          state: t.state,
          owner: t.owner,
          attempts: t.attempts,
          ownerPidExistedAtResume: t.owner === null ? null : (ownersAtResume.get(t.owner) ?? null),
        })),
      changed,
      atKills,
      wallMs: performance.now() - started,
    };
  } finally {
    reader.close();
    const groups = [...runs, ...children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => c.pid!)];
    for (const group of groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
