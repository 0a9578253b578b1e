// The `artifacts` benchmark (issue 15): what keeping models costs.
//  1. Database size of the quickstart (studies/quickstart.yaml, as `npm start` runs it) with
//     `artifacts: none`, `best` and `all`: three real `tasksieve run` processes on fresh SQLite files.
//  2. Artifact cost per unit: (a) in the worker, exporting the model (tf.io save into memory, meta):
//     one quickstart unit run with and without `artifact: true`, alternating, on one warm worker; the
//     export happens after the unit's training cost is taken, so a run's worker time minus its
//     training time is its non-training time, and the export is the paired difference of those (the
//     training time itself varies by more than the export costs); (b) on the main thread, the store write of a unit with its model against
//     the same write without it (a real quickstart model, SQLite, each write its own transaction).
//     The share is (a + b) over the unit's worker time without a model.
// Wall time: the machine is shared, so the paired design (same unit, alternating) is what keeps the
// worker figure honest; medians, not means.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStudyFile } from '../src/config/index.js';
import type { ArtifactPolicy } from '../src/spec/study.js';
import { PostgresStore, SqliteStore } from '../src/store/index.js';
import { SyncPgClient } from '../src/store/postgres/sync-client.js';
import type { NewArtifact, Store } from '../src/store/types.js';
import type { Json } from '../src/spec/records.js';
import { artifactToStore } from '../src/study/artifacts.js';
import { PoolExecutor } from '../src/study/pool-executor.js';
import { planUnits } from '../src/study/units.js';
import { intOption, median, table } from './ask-tell.js';
import { goal, type Goals } from './goals.js';
import type { Benchmark } from './benchmark.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'tasksieve.js');
const QUICKSTART = join(ROOT, 'studies', 'quickstart.yaml');
const POLICIES: readonly ArtifactPolicy[] = ['none', 'best', 'all'];

interface SizeRow {
  readonly policy: ArtifactPolicy;
  readonly trials: number;
  readonly units: number;
  readonly models: number;
  /** The database file (and its WAL, if one is left) after the run. */
  readonly fileBytes: number;
  /** Bytes of the models the database holds (weights + JSON part). */
  readonly modelBytes: number;
  readonly wallMs: number;
}

function fileBytes(path: string): number {
  return [path, `${path}-wal`].filter((p) => existsSync(p)).reduce((n, p) => n + statSync(p).size, 0);
}

function quickstartSize(policy: ArtifactPolicy, dir: string, trials: number | null): SizeRow {
  const db = join(dir, `quickstart-${policy}.db`);
  const t0 = performance.now();
  const args = [BIN, 'run', QUICKSTART, '--db', db, '--artifacts', policy, '--json', ...(trials !== null ? ['--trials', String(trials)] : [])];
  const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`tasksieve run --artifacts ${policy} exited ${run.status}: ${run.stderr}`);
  const wallMs = performance.now() - t0;
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const study = store.getStudy('quickstart')!;
    const models = store.getStudyArtifacts(study.id);
    return {
      policy,
      trials: store.countTrials(study.id),
      units: store.getStudyUnits(study.id).length,
      models: models.length,
      fileBytes: fileBytes(db),
      modelBytes: models.reduce((n, m) => n + m.weightBytes + m.modelBytes, 0),
      wallMs,
    };
  } finally {
    store.close();
  }
}

interface UnitCost {
  readonly pairs: number;
  /** The unit's whole worker time without a model (median). */
  readonly unitMs: number;
  /** Worker time outside training, without and with the model (medians). */
  readonly workerMsWithout: number;
  readonly workerMsWith: number;
  /** Median of the paired differences (with - without). */
  readonly exportMs: number;
  readonly weightBytes: number;
  readonly modelJsonBytes: number;
  readonly writeMsWithout: number;
  readonly writeMsWith: number;
  readonly storeMs: number;
  /** The same write on PostgreSQL (--pg URL), or null. */
  readonly pg: { readonly writeMsWithout: number; readonly writeMsWith: number; readonly storeMs: number } | null;
  readonly totalMs: number;
  readonly share: number;
}

/** Milliseconds of `writes` unit writes without and then with the model, each its own transaction (after a warm-up). */
function timeWrites(store: Store, writes: number, target: string, stored: Json, model: NewArtifact): { without: number[]; with: number[] } {
  const series = (name: string, withArtifact: boolean): number[] => {
    const { study: record } = store.getOrCreateStudy(name, {}, 'maximize');
    const out: number[] = [];
    for (let i = 0; i < writes; i++) {
      const trial = store.createTrial(record.id, 1_000_000, () => ({ state: 'RUNNING', owner: 'bench', params: {} }))!;
      const t0 = performance.now();
      store.recordUnit(trial.id, target, 0, stored, withArtifact ? model : undefined);
      out.push(performance.now() - t0);
    }
    return out;
  };
  series('warm-up', false);
  return { without: series('without', false), with: series('with', true) };
}

async function unitCost(pairs: number, writes: number, dir: string, pgUrl: string | null): Promise<UnitCost> {
  const study = loadStudyFile(QUICKSTART);
  // A quickstart unit with two sources (pre-training on 1200 rows, then fine-tuning), seed index 0.
  const plan = planUnits(study, 0, { ...study.recipe, learning_rate: 0.01 }, study.sources.slice(0, 2))[0]!;
  const executor = await PoolExecutor.start({ workers: 1, backend: null });
  const unitMs: number[] = [];
  const without: number[] = [];
  const withModel: number[] = [];
  const diffs: number[] = [];
  let artifact;
  let result;
  try {
    await executor.runUnit({ ...plan.unit, withBaseline: false }); // warm-up: JIT, caches
    for (let i = 0; i < pairs; i++) {
      // Alternate which goes first, so a drift in machine load hits both alike.
      const order = i % 2 === 0 ? [false, true] : [true, false];
      const ms: Record<string, number> = {};
      for (const asked of order) {
        const r = await executor.runUnit({ ...plan.unit, withBaseline: false, ...(asked ? { artifact: true } : {}) });
        // Non-training time: data preparation and evaluation (the same both ways) plus the export.
        ms[String(asked)] = r.workerMs - r.transfer.cost.ms;
        if (!asked) unitMs.push(r.workerMs);
        if (asked) {
          artifact = r.artifact;
          result = r;
        }
      }
      without.push(ms['false']!);
      withModel.push(ms['true']!);
      diffs.push(ms['true']! - ms['false']!);
    }
  } finally {
    await executor.close();
  }
  if (artifact === undefined || result === undefined) throw new Error('the unit returned no model');
  const model = artifactToStore(artifact, { study: 'bench', trial: 0, target: plan.target.name, seedIndex: 0 });

  // The store write, each its own transaction as in a run: one unit per trial, so nothing but the
  // model differs between the two series.
  const stored = JSON.parse(JSON.stringify({ metrics: result.transfer.metrics, cost: result.transfer.cost })) as Json;
  const sqlite = SqliteStore.open(join(dir, 'writes.db'));
  let writes1: { without: number[]; with: number[] };
  try {
    writes1 = timeWrites(sqlite, writes, plan.target.name, stored, model);
  } finally {
    sqlite.close();
  }
  const writeWithout = writes1.without;
  const writeWith = writes1.with;
  let pg: UnitCost['pg'] = null;
  if (pgUrl !== null) {
    // A schema of its own, dropped after: the benchmark leaves the database as it found it.
    const schema = `bench_artifacts_${process.pid}_${Date.now()}`;
    const admin = SyncPgClient.connect(pgUrl);
    admin.query(`CREATE SCHEMA ${schema}`);
    try {
      const url = new URL(pgUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const store = PostgresStore.open(url.toString());
      try {
        const timed = timeWrites(store, writes, plan.target.name, stored, model);
        pg = { writeMsWithout: median(timed.without), writeMsWith: median(timed.with), storeMs: median(timed.with) - median(timed.without) };
      } finally {
        store.close();
      }
    } finally {
      admin.query(`DROP SCHEMA ${schema} CASCADE`);
      admin.close();
    }
  }
  const exportMs = median(diffs);
  const storeMs = median(writeWith) - median(writeWithout);
  const totalMs = exportMs + storeMs;
  return {
    pairs,
    unitMs: median(unitMs),
    workerMsWithout: median(without),
    workerMsWith: median(withModel),
    exportMs,
    weightBytes: model.weights.byteLength,
    modelJsonBytes: JSON.stringify(model.model).length,
    writeMsWithout: median(writeWithout),
    writeMsWith: median(writeWith),
    storeMs,
    pg,
    totalMs,
    share: totalMs / median(unitMs),
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

export const artifacts: Benchmark = {
  summary: 'stored models: quickstart database size with artifacts none/best/all, artifact cost per unit (worker export + store write)',
  async run(args, { log }) {
    const trialsArg = args.includes('--trials') ? intOption(args, 'trials', 30) : null;
    const pairs = intOption(args, 'pairs', 12);
    const writes = intOption(args, 'writes', 200);
    const dir = mkdtempSync(join(tmpdir(), 'tasksieve-bench-artifacts-'));
    try {
      const sizes: SizeRow[] = [];
      if (!args.includes('--no-sizes')) {
        for (const policy of POLICIES) sizes.push(quickstartSize(policy, dir, trialsArg));
        log('Quickstart database by artifacts policy (SQLite file after the run)');
        for (const line of table(
          ['artifacts', 'trials', 'units', 'models', 'file', 'models hold'],
          sizes.map((r) => [r.policy, String(r.trials), String(r.units), String(r.models), kb(r.fileBytes), kb(r.modelBytes)]),
        )) {
          log(line);
        }
        log('');
      }
      const pgAt = args.indexOf('--pg');
      const pgUrl = pgAt >= 0 ? (args[pgAt + 1] ?? null) : null;
      if (pgAt >= 0 && (pgUrl === null || !/^postgres(ql)?:\/\//.test(pgUrl))) throw new Error('--pg: must be a postgres:// URL');
      const cost = await unitCost(pairs, writes, dir, pgUrl);
      log(`Artifact cost per quickstart unit (${cost.pairs} paired runs, ${writes} writes each way; medians)`);
      for (const line of table(
        ['part', 'without', 'with model', 'cost'],
        [
          ['worker: non-training time (export)', `${cost.workerMsWithout.toFixed(1)} ms`, `${cost.workerMsWith.toFixed(1)} ms`, `${cost.exportMs.toFixed(2)} ms`],
          ['main: store write of the unit', `${cost.writeMsWithout.toFixed(3)} ms`, `${cost.writeMsWith.toFixed(3)} ms`, `${cost.storeMs.toFixed(3)} ms`],
          ...(cost.pg === null
            ? []
            : [['  the same on PostgreSQL', `${cost.pg.writeMsWithout.toFixed(3)} ms`, `${cost.pg.writeMsWith.toFixed(3)} ms`, `${cost.pg.storeMs.toFixed(3)} ms`]]),
          ['total', '', '', `${cost.totalMs.toFixed(2)} ms (${(100 * cost.share).toFixed(1)}% of a ${cost.unitMs.toFixed(0)} ms unit)`],
        ],
      )) {
        log(line);
      }
      log(`one model: ${cost.weightBytes} bytes of weights + ${cost.modelJsonBytes} bytes of JSON (meta, topology, weight specs)`);
      // best is bounded: at most the best trial's models plus those of the trials in flight (one per
      // worker) are ever stored at once, so its file exceeds none's by at most (1 + workers) trials' models.
      const none = sizes.find((r) => r.policy === 'none');
      const best = sizes.find((r) => r.policy === 'best');
      const all = sizes.find((r) => r.policy === 'all');
      const unitsPerTrial = best !== undefined && best.trials > 0 ? best.units / best.trials : null;
      const perModel = all !== undefined && all.models > 0 ? all.modelBytes / all.models : null;
      const workers = loadStudyFile(QUICKSTART).budget.workers;
      const bound = none !== undefined && unitsPerTrial !== null && perModel !== null ? none.fileBytes + (1 + workers) * unitsPerTrial * perModel : null;
      const goals: Goals = {
        artifact_cost_at_most_5pct_of_unit: goal(cost.share, 0.05, '<='),
        best_keeps_exactly_one_trials_models: goal(best?.models, unitsPerTrial, '=='),
        best_file_at_most_none_plus_in_flight_models: goal(best?.fileBytes, bound, '<='),
        none_stores_no_model: goal(none?.models, 0, '=='),
      };
      return { benchmark: 'artifacts', sizes, cost, goals_met: goals };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
