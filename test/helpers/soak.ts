// The soak: several runner processes on one study (`tasksieve run` on one SQLite file, or
// `tasksieve worker` on one PostgreSQL database, started from separate working directories two by
// two as if on separate machines), one of them SIGKILLed every few seconds (its process group, as a
// power cut would) and restarted at once, until the study is finished. Checks what must hold: exactly
// the total finished, numbers 0..n-1 once each, no finished trial changed afterwards, and every trial a
// killed process held re-run once per kill (attempts = 1 + kills that hit it). Meanwhile a probe
// measures how long a writer waits for the lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the study row's
// lock that numbering takes) and, on PostgreSQL, the longest open transaction and the sessions waiting
// on a lock. Used by test/reliability/soak.test.ts (short) and `npm run bench -- soak`. Test code only.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/index.js';
import { SyncPgClient } from '../../src/store/postgres/sync-client.js';
import type { TrialRecord } from '../../src/spec/records.js';
import { BIN } from './cli.js';

export interface SoakOptions {
  readonly file: string;
  readonly name: string;
  /** A SQLite path (runners: `run`) or a postgres:// URL (runners: `worker`). */
  readonly db: string;
  readonly processes: number;
  readonly total: number;
  /** Kill one process about this often (uniform in [0.5, 1.5] x), up to `kills` times. */
  readonly killEveryMs: number;
  readonly kills: number;
  /**
   * Instead of by time: the k-th kill once the study has killAt[k] finished trials (a short soak on a
   * slow or a fast machine then kills at the same points).
   */
  readonly killAt?: readonly number[];
  /** The runners' working directories go here, one per two processes ("machines"). */
  readonly workDir: string;
  /** Seeds the choice of victim and the jitter. */
  readonly seed?: number;
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface SoakOutcome {
  readonly finished: number;
  readonly total: number;
  readonly uniqueNumbers: boolean;
  readonly unfinished: number;
  /** Finished trials seen at a kill whose value, state or finish time changed afterwards. */
  readonly changed: readonly number[];
  /** Trials held by killed processes whose attempts are not 1 + the kills that hit them. */
  readonly wrongAttempts: readonly string[];
  readonly kills: number;
  /** Trials that were RUNNING under a process when it was killed. */
  readonly killedTrials: number;
  /** Runner exits other than 0 (of the processes not killed). */
  readonly badExits: readonly string[];
  readonly lockWaitMs: { readonly p50: number; readonly p99: number; readonly max: number; readonly samples: number };
  /** PostgreSQL only: the longest transaction seen open, and the most sessions waiting on a lock at once. */
  readonly longestTransactionMs: number | null;
  readonly maxLockWaiters: number | null;
  readonly wallMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const ownerPid = (owner: string | null): number | null => (owner === null ? null : Number(owner.split(':')[1]));

/** mulberry32: the victims and the jitter follow from the seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Runner {
  readonly child: ChildProcess;
  readonly done: Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  killed: boolean;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export async function soak(options: SoakOptions): Promise<SoakOutcome> {
  const started = Date.now();
  const postgres = /^postgres(ql)?:\/\//i.test(options.db);
  const random = rng(options.seed ?? 1);
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;

  // Migrated and created before anyone polls it (a reader cannot open an empty database).
  openStore(options.db).close();

  let spawned = 0;
  const start = (): Runner => {
    const machine = join(options.workDir, `machine-${Math.floor(spawned++ / 2) % Math.max(1, Math.ceil(options.processes / 2))}`);
    mkdirSync(machine, { recursive: true });
    const args = [postgres ? 'worker' : 'run', options.file, '--db', options.db, '--workers', '1', '--quiet'];
    // Niced (nice execs node: the pid, and so the trials' owner, stays the child's): on a loaded
    // machine the runners must not starve the loop that watches them, or a short soak ends before
    // any poll sees a kill due.
    const child = spawn('nice', ['-n', '10', process.execPath, BIN, ...args], { cwd: machine, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const runner: Runner = {
      child,
      killed: false,
      done: new Promise((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stderr }))),
    };
    return runner;
  };
  // The reader and the probe first: PostgreSQL's synchronous client starts a bridge thread, which on
  // a loaded machine took long enough for the runners of a short soak to finish all 40 trials before
  // the first poll (0 kills, nothing ever due: seen twice under the full suite).
  const reader = openStore(options.db, { readonly: true });
  const probe = postgres ? SyncPgClient.connect(options.db) : new Database(options.db, { timeout: 60_000 });
  const runners: Runner[] = Array.from({ length: options.processes }, start);
  const all: Runner[] = [...runners];
  const waits: number[] = [];
  let longestTransactionMs: number | null = postgres ? 0 : null;
  let maxLockWaiters: number | null = postgres ? 0 : null;
  const measure = (studyId: number): void => {
    const t0 = performance.now();
    if (probe instanceof Database) {
      probe.prepare('BEGIN IMMEDIATE').run();
      probe.prepare('COMMIT').run();
    } else {
      probe.run([{ sql: 'BEGIN' }, { sql: 'SELECT id FROM studies WHERE id = $1 FOR NO KEY UPDATE', params: [studyId] }, { sql: 'COMMIT' }]);
      // The wait (one request: BEGIN, the lock, COMMIT, through the bridge thread), before the survey.
      waits.push(performance.now() - t0);
      const row = probe.query(
        `SELECT COALESCE(MAX(EXTRACT(EPOCH FROM clock_timestamp() - xact_start) * 1000), 0)::float AS longest,
                COUNT(*) FILTER (WHERE wait_event_type = 'Lock')::int AS waiting
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
      ).rows[0]!;
      longestTransactionMs = Math.max(longestTransactionMs ?? 0, Number(row['longest']));
      maxLockWaiters = Math.max(maxLockWaiters ?? 0, Number(row['waiting']));
      return;
    }
    waits.push(performance.now() - t0);
  };

  const heldAtKill = new Map<number, number>(); // trial id -> kills that hit it
  const finishedAtKills = new Map<number, TrialRecord>();
  let kills = 0;
  let killedTrials = 0;
  // Why a kill did not happen when due, for the log (a short soak once ended with one kill of two).
  let dueWithoutHolder = 0;
  let stoppedWithNothingHeld = 0;
  let nextKill = Date.now() + options.killEveryMs * (0.5 + random());
  try {
    for (;;) {
      const study = reader.getStudy(options.name);
      // The lock probe runs at the end of a look, a sleep before the next read, never between a read
      // and the kill it decides. The probe waits for the study's lock and gets it when the runners
      // have just released it, between two trials: read right after it, the PostgreSQL soak once saw
      // no trial held in 22 polls while 26 ran; probed between the read and the kill, it killed on a
      // stale read (a trial finished meanwhile; 0 kills of 2, both stops found nothing held).
      const trials = study === null ? [] : reader.getTrials(study.id);
      const finished = trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED' || t.state === 'FAIL').length;
      if (finished >= options.total && runners.every((r) => r.child.exitCode !== null || r.child.signalCode !== null)) break;
      if (Date.now() - started > timeoutMs) throw new Error(`soak: not finished within ${timeoutMs} ms (${finished}/${options.total})`);
      const due = options.killAt !== undefined ? kills < options.killAt.length && finished >= options.killAt[kills]! : kills < options.kills && Date.now() >= nextKill;
      if (study !== null && due && finished < options.total) {
        const live = runners.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
        // A process that holds a trial: a kill between two trials would test nothing.
        const holders = live.filter((r) => trials.some((t) => t.state === 'RUNNING' && ownerPid(t.owner) === r.child.pid));
        const victim = holders[Math.floor(random() * holders.length)];
        if (victim !== undefined) {
          // Frozen first: what it holds while stopped is what it dies holding.
          process.kill(-victim.child.pid!, 'SIGSTOP');
          // A statement it sent just before it stopped still reaches a PostgreSQL server: let it land.
          if (postgres) await sleep(100);
          const now = reader.getTrials(study.id);
          const held = now.filter((t) => t.state === 'RUNNING' && ownerPid(t.owner) === victim.child.pid);
          if (held.length === 0) {
            // It finished its trial just before it stopped: try again on the next look.
            process.kill(-victim.child.pid!, 'SIGCONT');
            stoppedWithNothingHeld++;
            await sleep(20);
            continue;
          }
          for (const t of now) if (t.state === 'COMPLETE' || t.state === 'PRUNED' || t.state === 'FAIL') finishedAtKills.set(t.id, t);
          process.kill(-victim.child.pid!, 'SIGKILL');
          victim.killed = true;
          for (const t of held) heldAtKill.set(t.id, (heldAtKill.get(t.id) ?? 0) + 1);
          kills++;
          killedTrials += held.length;
          log(`kill ${kills}: pid ${victim.child.pid} holding ${held.map((t) => `#${t.number}`).join(', ')} at ${finished}/${options.total} finished`);
          await victim.done;
          const replacement = start();
          runners[runners.indexOf(victim)] = replacement;
          all.push(replacement);
        } else {
          dueWithoutHolder++;
          await sleep(20);
          continue;
        }
        nextKill = Date.now() + options.killEveryMs * (0.5 + random());
      }
      if (study !== null) measure(study.id);
      await sleep(options.killAt !== undefined ? 20 : 200);
    }
    log(`end: ${kills} kills; polls due without a runner holding a trial ${dueWithoutHolder}; stops that found nothing held ${stoppedWithNothingHeld}`);
    const exits = await Promise.all(all.map((r) => r.done.then((d) => ({ r, d }))));
    const badExits = exits
      .filter(({ r, d }) => !r.killed && (d.status !== 0 || d.stderr !== ''))
      .map(({ r, d }) => `pid ${r.child.pid}: exit ${d.status ?? d.signal}${d.stderr ? `: ${d.stderr.trim().split('\n')[0]}` : ''}`);
    const study = reader.getStudy(options.name)!;
    const trials = reader.getTrials(study.id);
    const done = trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED' || t.state === 'FAIL');
    const byId = new Map(trials.map((t) => [t.id, t]));
    const changed = [...finishedAtKills.values()]
      .filter((t) => {
        const now = byId.get(t.id);
        return now === undefined || now.state !== t.state || now.value !== t.value || now.finishedAt !== t.finishedAt || now.attempts !== t.attempts;
      })
      .map((t) => t.number);
    const wrongAttempts = [...heldAtKill.entries()]
      .map(([id, hits]) => ({ trial: byId.get(id)!, hits }))
      .filter(({ trial, hits }) => trial.attempts !== 1 + hits)
      .map(({ trial, hits }) => `#${trial.number}: attempts ${trial.attempts}, killed ${hits} time(s)`);
    const sorted = [...waits].sort((a, b) => a - b);
    return {
      finished: done.length,
      total: options.total,
      uniqueNumbers: trials.map((t) => t.number).join() === Array.from({ length: trials.length }, (_, i) => i).join(),
      unfinished: trials.length - done.length,
      changed,
      wrongAttempts,
      kills,
      killedTrials,
      badExits,
      lockWaitMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0, samples: sorted.length },
      longestTransactionMs,
      maxLockWaiters,
      wallMs: Date.now() - started,
    };
  } finally {
    for (const r of all) {
      try {
        process.kill(-r.child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
    reader.close();
    probe.close();
  }
}

/** Whether the outcome meets every goal of the soak. */
export function soakExact(outcome: SoakOutcome): boolean {
  return (
    outcome.finished === outcome.total &&
    outcome.unfinished === 0 &&
    outcome.uniqueNumbers &&
    outcome.changed.length === 0 &&
    outcome.wrongAttempts.length === 0 &&
    outcome.badExits.length === 0
  );
}
