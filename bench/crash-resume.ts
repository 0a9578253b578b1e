// The `crash-resume` benchmark: the sequence of test/helpers/crash-sequence.ts (run, SIGKILL the
// process group at 1/5, 2/5 and 3/5 of the trials, each restart at once, then ONE resume at once)
// repeated on SQLite and on PostgreSQL. Goal: every try ends after that one resume with exactly N
// finished trials, unique numbers, every finished trial unchanged, nothing left RUNNING, and a
// summary that says what the database holds.
import { optionValue, wholeOption } from './args.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { redactUrl } from '../src/store/index.js';
import { SyncPgClient } from '../src/store/postgres/sync-client.js';
import { crashSequence, type CrashSequenceOutcome } from '../test/helpers/crash-sequence.js';
import { goal, type Goals } from './goals.js';
import { startPgServer } from './pg-server.js';
import type { Benchmark, BenchContext } from './benchmark.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Options {
  readonly sqliteTries: number;
  readonly pgTries: number;
  readonly db: string | null;
  readonly trials: number;
  readonly epochs: number;
}

function parseOptions(args: readonly string[]): Options {
  const value = (name: string) => optionValue(args, name);
  const int = (name: string, fallback: number) => wholeOption(args, name, fallback);
  return {
    sqliteTries: int('sqlite-tries', 20),
    pgTries: int('pg-tries', 10),
    db: value('db') ?? null,
    trials: int('trials', 30),
    epochs: int('epochs', 40),
  };
}

/** The quick-start study with more trials and epochs, so that a trial takes a moment (the issue's setup). */
function studyFile(dir: string, options: Options): string {
  const quickstart = readFileSync(join(ROOT, 'studies', 'quickstart.yaml'), 'utf8')
    .replace('../data/digits.csv.gz', join(ROOT, 'data', 'digits.csv.gz'))
    .replace(/pretrain_epochs: \d+/, `pretrain_epochs: ${options.epochs}`)
    .replace(/  epochs: \d+/, `  epochs: ${options.epochs}`)
    .replace(/budget: \{ trials: \d+, workers: 2, epochs: \d+/, `budget: { trials: ${options.trials}, workers: 2, epochs: ${options.epochs}`);
  const file = join(dir, 'study.yaml');
  writeFileSync(file, quickstart);
  return file;
}

interface Tally {
  readonly tries: number;
  readonly exact: number;
  /** Tries that were not exact, by how the killed runs were reaped. */
  readonly wrong: { late: number; 'at-once': number };
  readonly outcomes: readonly string[];
}

function judge(outcome: CrashSequenceOutcome): { ok: boolean; text: string } {
  const ok =
    outcome.resumeStatus === 0 &&
    outcome.finished === outcome.total &&
    outcome.summaryFinished === outcome.finished &&
    outcome.uniqueNumbers &&
    outcome.changed.length === 0 &&
    outcome.leftOver.length === 0;
  const left = outcome.leftOver
    .map((t) => `#${t.number} ${t.state} attempts ${t.attempts}${t.ownerPidExistedAtResume === null ? '' : t.ownerPidExistedAtResume ? ' (owner pid existed at resume)' : ' (owner pid gone at resume)'}`)
    .join(', ');
  const text =
    `exit ${outcome.resumeStatus}, summary ${outcome.summaryFinished ?? '-'}/${outcome.total}, database ${outcome.finished}/${outcome.total}` +
    `${left ? `, left: ${left}` : ''}${outcome.changed.length ? `, changed: ${outcome.changed.join(' ')}` : ''}` +
    `${outcome.uniqueNumbers ? '' : ', DUPLICATE numbers'} (kills at ${outcome.atKills.join('/')}, ${(outcome.wallMs / 1000).toFixed(0)} s)`;
  return { ok, text };
}

async function tries(label: string, count: number, db: (i: number) => { location: string; drop(): void }, file: string, options: Options, log: BenchContext['log']): Promise<Tally> {
  const outcomes: string[] = [];
  let exact = 0;
  const wrong = { late: 0, 'at-once': 0 };
  const fifth = Math.max(1, Math.floor(options.trials / 5));
  for (let i = 0; i < count; i++) {
    const target = db(i);
    try {
      // Alternate: killed runs reaped at once (a shell, Node), or left zombies until the end (a harness
      // that waits late, a container whose PID 1 is no init): a zombie's pid still answers kill -0.
      const reap = i % 2 === 0 ? 'late' : 'at-once';
      const outcome = await crashSequence({ file, db: target.location, name: 'quickstart', killAt: [fifth, 2 * fifth, 3 * fifth], reap });
      const { ok, text } = judge(outcome);
      if (ok) exact++;
      else wrong[reap]++;
      outcomes.push(text);
      log(`${label} try ${String(i + 1).padStart(2)} (reaped ${reap.padEnd(7)}): ${ok ? 'exact ' : 'WRONG '} ${text}`);
    } finally {
      target.drop();
    }
  }
  return { tries: count, exact, wrong, outcomes };
}

export const crashResume: Benchmark = {
  summary: 'run killed at 1/5, 2/5, 3/5 of the trials, then one resume: exact on SQLite and PostgreSQL?',
  async run(args: readonly string[], { log }: BenchContext) {
    const options = parseOptions(args);
    const dir = mkdtempSync(join(tmpdir(), 'tasksieve-crash-resume-'));
    const file = studyFile(dir, options);
    log(`quickstart with ${options.trials} trials, ${options.epochs} pre-training and fine-tuning epochs; kills placed by finished trials`);
    const sqlite = await tries('sqlite  ', options.sqliteTries, (i) => {
      const location = join(dir, `try-${i}.db`);
      return { location, drop: () => rmSync(location, { force: true }) };
    }, file, options, log);
    let postgres: Tally | null = null;
    let pgMissing: string | null = null;
    if (options.pgTries > 0) {
      let server: { url: string; stop(): void } | null = null;
      try {
        server = options.db === null ? startPgServer() : null;
      } catch (error) {
        pgMissing = (error as Error).message;
        log(`PostgreSQL missing: ${pgMissing}`);
      }
      const url = options.db ?? server?.url;
      if (url) {
        const admin = SyncPgClient.connect(url);
        try {
          log(`PostgreSQL: ${redactUrl(url)}`);
          postgres = await tries('postgres', options.pgTries, () => {
            const name = `crash_${randomBytes(5).toString('hex')}`;
            admin.query(`CREATE DATABASE ${name}`);
            const location = new URL(url);
            location.pathname = `/${name}`;
            return { location: location.toString(), drop: () => void admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
          }, file, options, log);
        } finally {
          admin.close();
          server?.stop();
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
    log(`exact: SQLite ${sqlite.exact}/${sqlite.tries}${postgres ? `, PostgreSQL ${postgres.exact}/${postgres.tries}` : ''}`);
    return {
      benchmark: 'crash-resume',
      trials: options.trials,
      epochs: options.epochs,
      sqlite: { tries: sqlite.tries, exact: sqlite.exact, wrong: sqlite.wrong },
      postgres: postgres ? { tries: postgres.tries, exact: postgres.exact, wrong: postgres.wrong } : null,
      ...(pgMissing ? { postgres_missing: pgMissing } : {}),
      // Exact tries == tries, per backend; null when the backend ran no try (PostgreSQL missing).
      goals_met: {
        sqlite_every_try_exact: goal(sqlite.tries > 0 ? sqlite.exact : null, sqlite.tries, '=='),
        postgres_every_try_exact: goal(postgres?.exact, postgres?.tries, '=='),
      } satisfies Goals,
    };
  },
};
