// The `overhead-pg` benchmark: per-trial engine overhead of ask/tell (plus two unit records) with 1, 2
// and 4 processes on ONE study, on PostgreSQL (--db postgres://…, or a throwaway local server) and on
// SQLite side by side, same study, same trial count. No training: this is the store and sampler cost
// a trial pays. Main thread; the processes are bench/overhead-pg-child.ts.
import { optionValue } from './args.js';
import { integer, number, shape } from '../src/util/check.js';
import { parseChildJson } from './child-output.js';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadStudyFile } from '../src/config/index.js';
import { StudyHandle } from '../src/study/study-handle.js';
import { isPostgresUrl, openStore, redactUrl } from '../src/store/index.js';
import { SyncPgClient } from '../src/store/postgres/sync-client.js';
import { goal, type Goals } from './goals.js';
import { startPgServer } from './pg-server.js';
import type { Benchmark, BenchContext } from './benchmark.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, 'overhead-pg-child.ts');

interface Options {
  readonly db: string | null;
  readonly processes: readonly number[];
  readonly trials: number;
}

function parseOptions(args: readonly string[]): Options {
  const value = (name: string) => optionValue(args, name);
  const db = value('db') ?? null;
  if (db !== null && !isPostgresUrl(db)) throw new Error('--db: must be a postgres:// or postgresql:// URL');
  const processes = (value('processes') ?? '1,2,4').split(',').map(Number);
  if (processes.some((p) => !Number.isInteger(p) || p < 1)) throw new Error('--processes: a comma-separated list of positive integers');
  const trials = Number(value('trials') ?? 300);
  if (!Number.isInteger(trials) || trials < 1) throw new Error('--trials: must be a positive integer');
  return { db, processes, trials };
}

function studyYaml(name: string, trials: number): string {
  return `name: ${name}
seed: 5
datasets:
  family: { synthetic: { features: 8, latent: 4, classes: 3, rows: 120, noise: 0.1, seed: 5 } }
sources:
  - { name: near, dataset: family, rho: 0.9 }
  - { name: mid, dataset: family, rho: 0.5 }
  - { name: anti, dataset: family, rho: -0.8 }
targets:
  - { name: goal, dataset: family, rho: 1.0, labelled: 12 }
model: { hidden: [8], activation: relu }
space:
  learning_rate: { type: float, low: 0.001, high: 0.1, log: true }
  batch_size: { type: categorical, choices: [16, 32] }
  sources: { type: subset, min: 0, max: 3 }
budget: { trials: ${trials}, workers: 1, epochs: 2, seeds: 2 }
`;
}

interface ChildResult {
  readonly trials: number;
  readonly ms: number;
}
const CHILD_RESULT = shape<ChildResult>({ trials: integer, ms: number });

/** Starts `count` processes on one study, releases them at once, and collects what each did. */
async function race(location: string, file: string, count: number): Promise<ChildResult[]> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['--import', 'tsx', CHILD, location, file], { stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const results = children.map(
    (child) =>
      new Promise<{ ready: Promise<void>; result: Promise<ChildResult> }>((resolveChild) => {
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        const lines = createInterface({ input: child.stdout });
        let markReady: () => void = () => {};
        const ready = new Promise<void>((r) => (markReady = r));
        const result = new Promise<ChildResult>((resolveResult, reject) => {
          lines.on('line', (line) => {
            if (line === 'ready') markReady();
            else if (line.startsWith('{')) resolveResult(parseChildJson(line, CHILD_RESULT, 'overhead child'));
          });
          child.on('close', (code) => {
            if (code !== 0) reject(new Error(`overhead child exited ${code}: ${stderr}`));
          });
        });
        resolveChild({ ready, result });
      }),
  );
  const handles = await Promise.all(results);
  await Promise.all(handles.map((h) => h.ready));
  for (const child of children) child.stdin.end('go\n');
  return Promise.all(handles.map((h) => h.result));
}

interface Row {
  readonly backend: 'sqlite' | 'postgres';
  readonly processes: number;
  readonly trials: number;
  /**
   * Process time per trial: the processes' busy wall time summed, over the trials they finished —
   * what one trial costs the worker that runs it (a process that waited on locks pays for that too).
   */
  readonly msPerTrial: number;
  /** Trials per second for the whole study (all processes together). */
  readonly trialsPerS: number;
}

/**
 * The docs' claim for PostgreSQL: the backend for many processes on one study. Goal: its cost per
 * trial grows from the fewest to the most processes by no more than SQLite's (its PostgreSQL/SQLite
 * ratio at the most processes at most the one at the fewest); null with one process count only.
 */
function goalsMet(rows: readonly Row[], processes: readonly number[]): Goals {
  const growth = (backend: Row['backend']) => {
    const at = (p: number) => rows.find((r) => r.backend === backend && r.processes === p)!.msPerTrial;
    const [fewest, most] = [Math.min(...processes), Math.max(...processes)];
    return fewest === most ? null : at(most) / at(fewest);
  };
  return { postgres_scales_no_worse_than_sqlite: goal(growth('postgres'), growth('sqlite'), '<=') };
}

export const overheadPg: Benchmark = {
  summary: 'per-trial ask/tell overhead with 1, 2, 4 processes on one study: PostgreSQL beside SQLite',
  async run(args: readonly string[], { log }: BenchContext) {
    const options = parseOptions(args);
    const server = options.db === null ? startPgServer() : null;
    const base = options.db ?? server!.url;
    const dir = mkdtempSync(join(tmpdir(), 'tasksieve-overhead-'));
    // A private schema per run, dropped after: the benchmark leaves nothing in the user's database.
    const schema = `tasksieve_bench_${randomBytes(4).toString('hex')}`;
    const admin = SyncPgClient.connect(base);
    admin.query(`CREATE SCHEMA ${schema}`);
    const pgUrl = new URL(base);
    pgUrl.searchParams.set('options', `-c search_path=${schema}`);
    const rows: Row[] = [];
    try {
      log(`store overhead per trial: ask + heartbeat + 2 unit records + tell, ${options.trials} trials per study, no training`);
      log(`PostgreSQL: ${redactUrl(base)}${server ? ' (throwaway local server)' : ''}`);
      log('backend   processes  ms/trial (process time)  trials/s (whole study)');
      for (const processes of options.processes) {
        for (const backend of ['sqlite', 'postgres'] as const) {
          const name = `overhead-${backend}-${processes}`;
          const file = join(dir, `${name}.yaml`);
          writeFileSync(file, studyYaml(name, options.trials));
          const location = backend === 'sqlite' ? join(dir, `${name}.db`) : pgUrl.toString();
          // Created up front, so the processes time trials, not the creation of the study.
          const store = openStore(location);
          StudyHandle.open({ store, study: loadStudyFile(file) });
          store.close();
          const t0 = performance.now();
          const results = await race(location, file, processes);
          const wallMs = performance.now() - t0;
          const done = results.reduce((n, r) => n + r.trials, 0);
          if (done !== options.trials) throw new Error(`${name}: ${done} trials finished, expected ${options.trials}`);
          const row: Row = {
            backend,
            processes,
            trials: done,
            msPerTrial: results.reduce((s, r) => s + r.ms, 0) / done,
            trialsPerS: (done * 1000) / Math.max(...results.map((r) => r.ms), 1e-9),
          };
          rows.push(row);
          log(`${backend.padEnd(9)} ${String(processes).padStart(9)}  ${row.msPerTrial.toFixed(2).padStart(22)}  ${row.trialsPerS.toFixed(0).padStart(22)}   (wall incl. process start ${(wallMs / 1000).toFixed(1)} s)`);
        }
      }
      const ratios = options.processes.map((p) => {
        const pg = rows.find((r) => r.backend === 'postgres' && r.processes === p)!;
        const lite = rows.find((r) => r.backend === 'sqlite' && r.processes === p)!;
        return { processes: p, postgresOverSqliteMsPerTrial: pg.msPerTrial / lite.msPerTrial };
      });
      for (const r of ratios) log(`${r.processes} process(es): PostgreSQL costs ${r.postgresOverSqliteMsPerTrial.toFixed(2)}x SQLite per trial`);
      return { trials: options.trials, rows, ratios, goals_met: goalsMet(rows, options.processes) };
    } finally {
      admin.query(`DROP SCHEMA ${schema} CASCADE`);
      admin.close();
      rmSync(dir, { recursive: true, force: true });
      server?.stop();
    }
  },
};
