// Materialises a task (load CSV or generate synthetic rows, then transforms) and splits a target into
// its few labelled training rows and its validation rows. Runs on both threads.
// Must not import tfjs, the store, the CLI or YAML parsing.
import { DataError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { loadCsv } from './csv.js';
import { selectRows, type SplitBuffers } from './rows.js';
import { generateSynthetic } from './synthetic.js';
import { applyTransforms } from './transforms.js';
import type { Dataset, TargetSplit } from './types.js';
import type { DatasetSpec, TaskSpec, TestSplit } from '../spec/tasks.js';

export { concatDatasets } from './rows.js';

/** Synthetic datasets and transformed tasks kept per process (least recently used evicted first). */
const CACHE_LIMIT = 32;
const syntheticCache = new Map<string, Dataset>();
/**
 * Transformed tasks, keyed by their base dataset object, then by the transforms' JSON: when the CSV
 * loader re-reads a changed file it returns a new base object, so stale tasks are never served.
 */
const taskCache = new WeakMap<Dataset, Map<string, Dataset>>();

/**
 * The dataset of a task: its rows loaded or generated, then its transforms applied in order.
 * Memoised per process by the task's dataset and transforms (the name plays no part), so a worker
 * builds each task once: the returned dataset is shared and must be treated as read-only.
 * Throws DataError: CSV problems name the file; other problems name the task.
 */
export function materializeTask(spec: TaskSpec): Dataset {
  const base = loadBase(spec);
  if (spec.transforms.length === 0) return base;
  let byTransforms = taskCache.get(base);
  if (byTransforms === undefined) {
    byTransforms = new Map();
    taskCache.set(base, byTransforms);
  }
  const key = canonicalJson(spec.transforms);
  const hit = byTransforms.get(key);
  if (hit !== undefined) return hit;
  const dataset = withTaskName(spec, () => applyTransforms(base, spec.transforms));
  remember(byTransforms, key, dataset);
  return dataset;
}

function loadBase(spec: TaskSpec): Dataset {
  const dataset: DatasetSpec = spec.dataset;
  if (dataset.kind === 'csv') return loadCsv(dataset.path, dataset.label, dataset);
  const key = canonicalJson(dataset);
  const hit = syntheticCache.get(key);
  if (hit !== undefined) {
    syntheticCache.delete(key);
    syntheticCache.set(key, hit);
    return hit;
  }
  const generated = withTaskName(spec, () => generateSynthetic(dataset));
  remember(syntheticCache, key, generated);
  return generated;
}

function remember(cache: Map<string, Dataset>, key: string, dataset: Dataset): void {
  cache.set(key, dataset);
  while (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
}

function withTaskName(spec: TaskSpec, build: () => Dataset): Dataset {
  try {
    return build();
  } catch (error) {
    if (error instanceof DataError) throw new DataError(`task ${JSON.stringify(spec.name)}: ${error.message}`);
    throw error;
  }
}

/** JSON with object keys sorted, so two equal specs built in a different key order share a cache entry. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Splits a target task into `labelled` training rows and validation rows (everything else), seeded
 * and stratified: first one random row of every class present (so each present class is labelled at
 * least once), then rows drawn uniformly at random from the rest. Both parts keep the original row order.
 * With `buffers` the rows are written into them (reused by the next split) instead of fresh arrays.
 */
export function splitTarget(ds: Dataset, labelled: number, seed: number, buffers?: SplitBuffers): TargetSplit {
  if (!Number.isInteger(labelled) || labelled < 1) {
    throw new DataError(`labelled must be a positive integer (got ${labelled})`);
  }
  if (!Number.isSafeInteger(seed)) throw new DataError(`split seed must be an integer (got ${seed})`);
  const byClass: number[][] = Array.from({ length: ds.numClasses }, () => []);
  for (let i = 0; i < ds.rows; i++) (byClass[ds.labels[i] as number] as number[]).push(i);
  const present = byClass.filter((rows) => rows.length > 0);
  if (labelled < present.length) {
    throw new DataError(`labelled (${labelled}) is fewer than the ${present.length} classes present`);
  }
  if (labelled >= ds.rows) {
    throw new DataError(`labelled (${labelled}) leaves no validation rows (dataset has ${ds.rows} rows)`);
  }
  const rng = new Rng(seed);
  const inTrain = new Uint8Array(ds.rows);
  for (const rows of present) inTrain[rows[Math.floor(rng.next() * rows.length)] as number] = 1;
  const rest: number[] = [];
  for (let i = 0; i < ds.rows; i++) if (inTrain[i] === 0) rest.push(i);
  // Partial Fisher-Yates over the remaining rows.
  for (let i = 0; i < labelled - present.length; i++) {
    const j = i + Math.floor(rng.next() * (rest.length - i));
    const tmp = rest[i] as number;
    rest[i] = rest[j] as number;
    rest[j] = tmp;
    inTrain[rest[i] as number] = 1;
  }
  const train: number[] = [];
  const validation: number[] = [];
  for (let i = 0; i < ds.rows; i++) (inTrain[i] === 1 ? train : validation).push(i);
  if (buffers === undefined) return { train: selectRows(ds, train), validation: selectRows(ds, validation) };
  const [trainArrays, validationArrays] = buffers.reserve(train.length, validation.length, ds.cols);
  return { train: selectRows(ds, train, trainArrays), validation: selectRows(ds, validation, validationArrays) };
}

/** A target's rows for semi-supervised training: an unlabelled pool and the rows that still validate. */
export interface UnlabelledSplit {
  /** Rows whose labels training must not read (kept for diagnostics only). */
  readonly unlabelled: Dataset;
  readonly validation: Dataset;
}

/**
 * Holds out part of a target's validation rows (what splitTarget left after the labelled rows) as an
 * unlabelled pool, so that self-training never trains on the rows it is measured on: a seeded uniform
 * draw of round(fraction x rows) rows, clamped so each side keeps at least one row, made without
 * looking at the labels. Both parts keep the original row order.
 * Throws DataError when there are fewer than 2 rows or fraction is not in (0, 1).
 */
export function holdOutUnlabelled(validation: Dataset, fraction: number, seed: number): UnlabelledSplit {
  if (!(fraction > 0 && fraction < 1)) throw new DataError(`unlabelled fraction must be in (0, 1) (got ${fraction})`);
  if (validation.rows < 2) {
    throw new DataError(`holding out unlabelled rows needs at least 2 validation rows (got ${validation.rows})`);
  }
  if (!Number.isSafeInteger(seed)) throw new DataError(`split seed must be an integer (got ${seed})`);
  const count = Math.min(validation.rows - 1, Math.max(1, Math.round(fraction * validation.rows)));
  const order = new Rng(seed).permutation(validation.rows);
  const pooled = new Uint8Array(validation.rows);
  for (let i = 0; i < count; i++) pooled[order[i] as number] = 1;
  const pool: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < validation.rows; i++) (pooled[i] === 1 ? pool : rest).push(i);
  return { unlabelled: selectRows(validation, pool), validation: selectRows(validation, rest) };
}

/** A target's rows with its test rows held out (test null when the target has none). */
export interface TestHoldOut {
  readonly test: Dataset | null;
  /** The rows every unit splits into labelled and validation rows. */
  readonly rest: Dataset;
}

/**
 * Holds out a target's test rows: a seeded uniform draw of `split.rows` rows, made once per study
 * (the seed is the study's, not a unit's), without looking at the labels, so every trial, seed and
 * process of the study holds out the same rows. Both parts keep the original row order.
 * Throws DataError when the split would leave no rows on either side.
 */
export function holdOutTest(ds: Dataset, split: TestSplit | undefined): TestHoldOut {
  if (split === undefined) return { test: null, rest: ds };
  const count = testRows(split, ds.rows);
  if (!Number.isInteger(count) || count < 1) throw new DataError(`test must hold out at least one row (got ${count})`);
  if (count >= ds.rows) throw new DataError(`test (${count} rows) leaves no rows to train on (the dataset has ${ds.rows} rows)`);
  if (!Number.isSafeInteger(split.seed)) throw new DataError(`test seed must be an integer (got ${split.seed})`);
  const order = new Rng(split.seed).permutation(ds.rows);
  const inTest = new Uint8Array(ds.rows);
  for (let i = 0; i < count; i++) inTest[order[i] as number] = 1;
  const test: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < ds.rows; i++) (inTest[i] === 1 ? test : rest).push(i);
  return { test: selectRows(ds, test), rest: selectRows(ds, rest) };
}

/** How many rows a test split holds out of `rows`: its count, or its share rounded (at least 1). */
export function testRows(split: TestSplit, rows: number): number {
  return split.rows ?? Math.max(1, Math.round((split.share ?? 0) * rows));
}
