// Data parsed once, shared: a CSV the main thread has parsed is read by the pool's workers in place
// (its rows are in SharedArrayBuffers the unit's request shares), measured by the process's resident
// memory, with a control that the measurement sees a copy when there is one: a file the main thread
// has not parsed is parsed by each worker that reads it.
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCsv } from '../../src/data/csv.js';
import type { TaskSpec } from '../../src/spec/tasks.js';
import type { TrialUnit } from '../../src/spec/units.js';
import { PoolExecutor } from '../../src/study/pool-executor.js';
import { Rng } from '../../src/util/rng.js';

const COLS = 40;
const ROWS = 150_000;
/** float32 features and int32 labels of one large file. */
const PARSED_BYTES = ROWS * (COLS * 4 + 4);

const dir = mkdtempSync(join(tmpdir(), 'tasksieve-shared-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows of uniform features with 4 decimals, labelled by the sign of their first two features. */
function writeCsv(name: string, rows: number, seed: number): string {
  const path = join(dir, name);
  const rng = new Rng(seed);
  const fd = openSync(path, 'w');
  writeSync(fd, `${Array.from({ length: COLS }, (_, j) => `x${j}`).join(',')},label\n`);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const x = Array.from({ length: COLS }, () => rng.next() * 2 - 1);
    lines.push(`${x.map((v) => v.toFixed(4)).join(',')},${(x[0]! > 0 ? 1 : 0) + (x[1]! > 0 ? 2 : 0)}`);
    if (lines.length === 5000 || r === rows - 1) {
      writeSync(fd, `${lines.join('\n')}\n`);
      lines.length = 0;
    }
  }
  closeSync(fd);
  return path;
}

const task = (name: string, path: string): TaskSpec => ({ name, dataset: { kind: 'csv', path, label: 'label' }, transforms: [] });

function unitWith(source: string, target: string, seed: number): TrialUnit {
  return {
    trialNumber: seed,
    target: { ...task('target', target), labelled: 40 },
    sources: [task('source', source)],
    model: { kind: 'mlp', hidden: [16], activation: 'relu', dropout: 0 },
    // No scaling: a scaled source is the unit's own copy by design; what is measured is the parse.
    recipe: { strategy: 'finetune', optimizer: 'adam', learning_rate: 0.01, batch_size: 1024, pretrain_epochs: 1, epochs: 30, freeze_layers: 0, dropout: 0, scaling: 'none' },
    seed,
    withBaseline: false,
  };
}

describe('a CSV parsed on the main thread is read by the workers without a copy', () => {
  let executor: PoolExecutor;
  let shared: string;
  let unshared: string;
  let small: string;
  let medium: string;
  beforeAll(async () => {
    shared = writeCsv('shared.csv', ROWS, 1);
    unshared = writeCsv('unshared.csv', ROWS, 2);
    small = writeCsv('small.csv', 2000, 3);
    medium = writeCsv('medium.csv', 30_000, 4);
    executor = await PoolExecutor.start({ workers: 2, backend: null });
  }, 120_000);
  afterAll(() => executor?.close());

  const rss = () => process.memoryUsage().rss;
  const runBoth = (source: string) =>
    Promise.all([executor.runUnit(unitWith(source, small, 1)), executor.runUnit(unitWith(source, small, 2))]);

  it('shares the rows (SharedArrayBuffer), and RSS grows by far less than a copy per worker, while an unshared file grows it by about two', async () => {
    const parsed = loadCsv(shared, 'label');
    expect(parsed.features.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(parsed.labels.buffer).toBeInstanceOf(SharedArrayBuffer);
    // Both workers train once first, in batches as large and for long enough that their tfjs heaps and
    // V8's young generation (up to 64 MB a worker, filled by the stack kernel's short-lived views) have
    // grown to their working size before measuring.
    await runBoth(medium);

    const before = rss();
    const results = await runBoth(shared);
    const sharedGrowth = rss() - before;
    for (const r of results) expect(r.transfer.metrics.accuracy).toBeGreaterThan(0.4);

    const beforeControl = rss();
    await runBoth(unshared);
    const unsharedGrowth = rss() - beforeControl;
    console.log(`RSS growth: shared ${(sharedGrowth / 2 ** 20).toFixed(1)} MB, unshared ${(unsharedGrowth / 2 ** 20).toFixed(1)} MB, one parsed copy ${(PARSED_BYTES / 2 ** 20).toFixed(1)} MB`);

    // Two workers parsing the file themselves hold two copies (plus their parse's garbage).
    expect(unsharedGrowth).toBeGreaterThan(1.2 * PARSED_BYTES);
    // Reading the main thread's parse adds no copy; what grows is each worker's training garbage on
    // 150,000 rows (its shuffles and batches), measured at 0.4-0.55 of one copy for both together.
    expect(sharedGrowth).toBeLessThan(0.75 * PARSED_BYTES);
    expect(sharedGrowth).toBeLessThan(unsharedGrowth / 2.5);
  }, 180_000);
});
