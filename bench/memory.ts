// `npm run bench -- memory` (issue 16, "data that scales"): the peak resident memory of a real
// `tasksieve run` on a large CSV (1,000,000 rows x 20 features, ~142 MB of text), against the same
// study on a small CSV pre-trained for as many batches (the fixed cost: Node, tfjs, its wasm heap and a
// long phase's working memory per worker), with 1 and 2 workers; and the time from launch to the
// first finished trial. The goal: the large study's peak is at most the fixed cost plus 1.3x the
// parsed float32 data, whatever the number of workers.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Rng } from '../src/util/rng.js';
import { optionValue } from './args.js';
import { goal, type Goals } from './goals.js';
import type { Benchmark, BenchContext } from './benchmark.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'tasksieve.js');
const TIME = '/usr/bin/time';
const FEATURES = 20;
const CLASSES = 10;
export const GOAL_RATIO = 1.3;
/** Rows of the target's file and of the fixed-cost study's source. */
const SMALL_ROWS = 2000;

/**
 * Writes `rows` labelled rows: features uniform in [-1, 1] with 4 decimals, the label the argmax of a
 * fixed random linear map (the same map for every file, so a source teaches its target). Written in
 * blocks: the generator must not hold the text either.
 */
export function writeRows(path: string, rows: number, seed: number): void {
  const map = new Rng(12345);
  const weights = Array.from({ length: CLASSES * FEATURES }, () => map.next() * 2 - 1);
  const rng = new Rng(seed);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, `${Array.from({ length: FEATURES }, (_, j) => `f${j}`).join(',')},label\n`);
    const block: string[] = [];
    const x = new Float64Array(FEATURES);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < FEATURES; j++) x[j] = Math.round((rng.next() * 2 - 1) * 1e4) / 1e4;
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < CLASSES; c++) {
        let s = 0;
        for (let j = 0; j < FEATURES; j++) s += weights[c * FEATURES + j]! * x[j]!;
        if (s > bestScore) [best, bestScore] = [c, s];
      }
      block.push(`${Array.from(x, (v) => v.toFixed(4)).join(',')},${best}`);
      if (block.length === 10_000) {
        writeSync(fd, `${block.join('\n')}\n`);
        block.length = 0;
      }
    }
    if (block.length > 0) writeSync(fd, `${block.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
}

/** The file, generated once per machine (kept in the temp folder while its row count holds). */
function dataFile(dir: string, name: string, rows: number, seed: number): string {
  const path = join(dir, `${name}-${rows}.csv`);
  if (!existsSync(path)) {
    writeRows(`${path}.part`, rows, seed);
    rmSync(path, { force: true });
    writeFileSync(path, readFileSync(`${path}.part`));
    rmSync(`${path}.part`);
  }
  return path;
}

function studyYaml(name: string, source: string, target: string, workers: number, scaling: string, pretrainEpochs: number): string {
  return [
    `name: ${name}`,
    'seed: 3',
    'datasets:',
    `  big: { csv: ${JSON.stringify(source)}, label: label }`,
    `  small: { csv: ${JSON.stringify(target)}, label: label }`,
    'sources:',
    '  - { name: big, dataset: big }',
    'targets:',
    '  - { name: small, dataset: small, labelled: 50 }',
    'model: { hidden: [32], activation: relu, dropout: 0 }',
    'recipe:',
    '  strategy: finetune',
    '  optimizer: adam',
    '  learning_rate: 0.003',
    '  batch_size: 256',
    `  pretrain_epochs: ${pretrainEpochs}`,
    '  epochs: 5',
    `  scaling: ${scaling}`,
    'space:',
    '  sources: { type: subset, min: 1, max: 1 }',
    'sampler: random',
    'objective: { metric: accuracy, direction: maximize, aggregate: mean }',
    `budget: { trials: 2, workers: ${workers}, epochs: ${Math.max(5, pretrainEpochs)}, seeds: 1 }`,
    '',
  ].join('\n');
}

export interface RunFigures {
  readonly peakMb: number;
  readonly wallS: number;
  /** Launch to the first COMPLETE trial in the database. */
  readonly firstTrialS: number | null;
}

/** One `tasksieve run` under GNU time (its peak RSS covers the main thread and every worker thread). */
async function measuredRun(dir: string, label: string, yaml: string): Promise<RunFigures> {
  const studyPath = join(dir, `${label}.yaml`);
  const db = join(dir, `${label}.db`);
  const timeFile = join(dir, `${label}.time`);
  for (const p of [db, `${db}-wal`, `${db}-shm`, timeFile]) rmSync(p, { force: true });
  writeFileSync(studyPath, yaml);
  const started = performance.now();
  const child = spawn(TIME, ['-f', '%M', '-o', timeFile, process.execPath, BIN, 'run', studyPath, '--db', db], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let firstTrialS: number | null = null;
  const poll = setInterval(() => {
    if (firstTrialS !== null || !existsSync(db)) return;
    try {
      const handle = new Database(db, { readonly: true, fileMustExist: true });
      try {
        const row = handle.prepare("SELECT COUNT(*) AS n FROM trials WHERE state = 'COMPLETE'").get() as { n: number } | undefined;
        if (row !== undefined && row.n > 0) firstTrialS = (performance.now() - started) / 1000;
      } finally {
        handle.close();
      }
    } catch {
      // The schema is not there yet, or the file is mid-creation: poll again.
    }
  }, 100);
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  clearInterval(poll);
  const wallS = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`tasksieve run (${label}) exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const kb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
  return { peakMb: kb / 1024, wallS, firstTrialS };
}

async function run(args: readonly string[], { log }: BenchContext): Promise<Record<string, unknown>> {
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed to read the peak RSS: apt-get install -y time`);
  const rows = Number(optionValue(args, 'rows') ?? 1_000_000);
  const scaling = optionValue(args, 'scaling') ?? 'standard';
  const workersList = (optionValue(args, 'workers') ?? '1,2').split(',').map(Number);
  const dir = join(tmpdir(), 'tasksieve-bench-memory');
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const big = dataFile(dir, 'big', rows, 1);
  const small = dataFile(dir, 'small', SMALL_ROWS, 2);
  const tiny = dataFile(dir, 'tiny', SMALL_ROWS, 3);
  const csvMb = statSync(big).size / 2 ** 20;
  // What the parsed rows take: float32 features and int32 labels.
  const parsedMb = (rows * (FEATURES * 4 + 4)) / 2 ** 20;
  log(`data: ${rows} rows x ${FEATURES} features, ${csvMb.toFixed(0)} MB of CSV, ${parsedMb.toFixed(0)} MB parsed (float32 + int32 labels); generated or reused in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  // The fixed run pre-trains as many batches as the large one (one epoch of `rows`): a long phase's
  // working memory (V8's young generation grows with its allocation rate) is not the data's.
  const fixedEpochs = Math.max(1, Math.round(rows / SMALL_ROWS));
  log(`study: pre-train 1 epoch on the large source (the fixed cost: ${fixedEpochs} epochs of ${SMALL_ROWS} rows, as many batches), fine-tune on a 50-row target, 2 trials, scaling ${scaling}`);
  const results: Record<string, { fixed: RunFigures; large: RunFigures; overMb: number; ratio: number }> = {};
  log('\n| workers | fixed cost (small CSV) | large CSV | large - fixed | (large - fixed) / parsed | first trial | wall |');
  log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const workers of workersList) {
    const fixed = await measuredRun(dir, `fixed-${workers}`, studyYaml('memory-fixed', tiny, small, workers, scaling, fixedEpochs));
    const large = await measuredRun(dir, `large-${workers}`, studyYaml('memory-large', big, small, workers, scaling, 1));
    const overMb = large.peakMb - fixed.peakMb;
    const ratio = overMb / parsedMb;
    results[String(workers)] = { fixed, large, overMb, ratio };
    log(
      `| ${workers} | ${fixed.peakMb.toFixed(0)} MB | ${large.peakMb.toFixed(0)} MB | ${overMb.toFixed(0)} MB | ${ratio.toFixed(2)}x | ` +
        `${large.firstTrialS?.toFixed(1) ?? '-'} s (fixed ${fixed.firstTrialS?.toFixed(1) ?? '-'} s) | ${large.wallS.toFixed(1)} s |`,
    );
  }
  const ratios = Object.values(results).map((r) => r.ratio);
  const spread = ratios.length > 1 ? Math.max(...ratios) - Math.min(...ratios) : null;
  const goals: Goals = {
    peak_at_most_1_3x_parsed_over_fixed: goal(Math.max(...ratios), GOAL_RATIO, '<='),
    // "Independent of the number of workers": another worker adds less than a tenth of the data.
    independent_of_workers: spread === null ? null : goal(spread, 0.1, '<'),
  };
  return { rows, csv_mb: csvMb, parsed_mb: parsedMb, scaling, results, goals_met: goals };
}

export const memory: Benchmark = {
  summary: 'peak RSS and time to first trial of a study on a 1,000,000-row CSV against its fixed cost (issue 16)',
  run,
};
