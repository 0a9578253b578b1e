// The `soak` benchmark: 8 `tasksieve run` processes on one SQLite file, then 8 `tasksieve worker`
// processes (two per working directory, as if on four machines) on one PostgreSQL database, each on
// one 500-trial study, with one process SIGKILLed about every 20 s and restarted at once
// (test/helpers/soak.ts). Goals: exactly 500 finished trials, unique numbers, no finished trial
// changed, every killed trial re-run once per kill, no surviving runner exiting non-zero. Prints the
// lock waits a probe writer saw and, on PostgreSQL, the longest transaction.
import { optionValue, wholeOption } from './args.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { redactUrl } from '../src/store/index.js';
import { SyncPgClient } from '../src/store/postgres/sync-client.js';
import { syntheticStudyYaml } from '../test/helpers/cli.js';
import { soak, soakExact, type SoakOutcome } from '../test/helpers/soak.js';
import { startPgServer } from './pg-server.js';
import type { Benchmark } from './benchmark.js';

function parseOptions(args: readonly string[]) {
  const value = (name: string) => optionValue(args, name);
  const int = (name: string, fallback: number) => wholeOption(args, name, fallback);
  const backends = (value('backends') ?? 'sqlite,postgres').split(',');
  for (const b of backends) if (b !== 'sqlite' && b !== 'postgres') throw new Error(`--backends: sqlite and/or postgres (got "${b}")`);
  return {
    processes: int('processes', 8),
    trials: int('trials', 500),
    killEveryS: int('kill-every', 20),
    // Enough kills for the whole run; the soak stops killing once the study is finished.
    kills: int('kills', 1_000),
    // The test study trains 4 epochs, a fraction of a second: 500 such trials on 8 processes end before
    // the first kill is due. 40 pre-training and fine-tuning epochs make a trial last a few seconds.
    epochs: int('epochs', 40),
    db: value('db') ?? null,
    backends,
  };
}

function summary(outcome: SoakOutcome) {
  return {
    // A soak with no kill proved nothing: it counts as not met.
    exact: soakExact(outcome) && outcome.kills > 0 && outcome.killedTrials >= outcome.kills,
    finished: outcome.finished,
    total: outcome.total,
    unique_numbers: outcome.uniqueNumbers,
    changed: outcome.changed.length,
    wrong_attempts: outcome.wrongAttempts,
    bad_exits: outcome.badExits,
    kills: outcome.kills,
    killed_trials: outcome.killedTrials,
    lock_wait_ms: {
      p50: Number(outcome.lockWaitMs.p50.toFixed(2)),
      p99: Number(outcome.lockWaitMs.p99.toFixed(2)),
      max: Number(outcome.lockWaitMs.max.toFixed(2)),
      samples: outcome.lockWaitMs.samples,
    },
    longest_transaction_ms: outcome.longestTransactionMs === null ? null : Math.round(outcome.longestTransactionMs),
    max_lock_waiters: outcome.maxLockWaiters,
    wall_s: Math.round(outcome.wallMs / 1000),
  };
}

export const soakBench: Benchmark = {
  summary: '8 runners (SQLite) and 8 workers (PostgreSQL) on one 500-trial study, one SIGKILLed every ~20 s: exact?',
  async run(args, { log }) {
    const options = parseOptions(args);
    const dir = mkdtempSync(join(tmpdir(), 'tasksieve-soak-'));
    const file = join(dir, 'study.yaml');
    const yaml = syntheticStudyYaml({ name: 'soak', trials: options.trials, workers: 1, seeds: 1 })
      .replace(/pretrain_epochs: \d+, epochs: \d+/, `pretrain_epochs: ${options.epochs}, epochs: ${options.epochs}`)
      .replace(/epochs: 4, seeds/, `epochs: ${options.epochs}, seeds`);
    if (!yaml.includes(`pretrain_epochs: ${options.epochs}`)) throw new Error('soak: the test study no longer has the epochs this benchmark sets');
    writeFileSync(file, yaml);
    log(`${options.processes} processes, ${options.trials} trials of ${options.epochs} epochs, a kill every ~${options.killEveryS} s`);
    const results: Record<string, ReturnType<typeof summary> | null> = { sqlite: null, postgres: null };
    const common = { file, name: 'soak', processes: options.processes, total: options.trials, killEveryMs: options.killEveryS * 1000, kills: options.kills, log };
    try {
      if (options.backends.includes('sqlite')) {
        const outcome = await soak({ ...common, db: join(dir, 'soak.db'), workDir: join(dir, 'sqlite') });
        results['sqlite'] = summary(outcome);
        log(`sqlite: ${JSON.stringify(results['sqlite'])}`);
      }
      if (options.backends.includes('postgres')) {
        const server = options.db === null ? startPgServer() : null;
        const url = options.db ?? server!.url;
        const admin = SyncPgClient.connect(url);
        const name = `soak_${randomBytes(5).toString('hex')}`;
        try {
          admin.query(`CREATE DATABASE ${name}`);
          const location = new URL(url);
          location.pathname = `/${name}`;
          log(`PostgreSQL: ${redactUrl(location.toString())}`);
          const outcome = await soak({ ...common, db: location.toString(), workDir: join(dir, 'postgres') });
          results['postgres'] = summary(outcome);
          log(`postgres: ${JSON.stringify(results['postgres'])}`);
        } finally {
          admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          admin.close();
          server?.stop();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return {
      benchmark: 'soak',
      processes: options.processes,
      trials: options.trials,
      kill_every_s: options.killEveryS,
      epochs: options.epochs,
      ...results,
      goals_met: {
        sqlite_exact: results['sqlite']?.exact ?? null,
        postgres_exact: results['postgres']?.exact ?? null,
      },
    };
  },
};
