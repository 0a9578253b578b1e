// A unit that fails inside a worker, through the real CLI: one line naming the worker's error, no
// stack. The failure is a screen whose target data file changed under a stored study (4 features
// then, 3 now): the worker throws a DataError, which keeps exit code 2 across the thread boundary.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir, writeStudy } from '../helpers/cli.js';

const STUDY = `name: drift
datasets:
  s: { csv: src.csv, label: label }
  t: { csv: tgt.csv, label: label }
sources:
  - { name: src, dataset: s }
targets:
  - { name: tgt, dataset: t, labelled: 10 }
model: { hidden: [8], activation: relu }
recipe: { batch_size: 16, pretrain_epochs: 1, epochs: 2 }
space:
  learning_rate: { type: float, low: 0.003, high: 0.05, log: true }
  sources: { type: subset, min: 0, max: 1 }
sampler: random
budget: { trials: 1, workers: 1, epochs: 2, seeds: 1 }
`;

/** 60 rows, two classes apart by one unit in every feature; deterministic. */
function csv(features: number): string {
  const header = [...Array.from({ length: features }, (_, i) => `f${i}`), 'label'].join(',');
  const rows = Array.from({ length: 60 }, (_, r) => {
    const label = r % 2;
    const cells = Array.from({ length: features }, (_, i) => (label + Math.sin(r * 7 + i * 3) * 0.8).toFixed(3));
    return [...cells, label].join(',');
  });
  return `${[header, ...rows].join('\n')}\n`;
}

let dir: string;
beforeAll(() => {
  dir = tempDir('tasksieve-unit-failure-');
  writeFileSync(join(dir, 'src.csv'), csv(4));
  writeFileSync(join(dir, 'tgt.csv'), csv(4));
  const run = cli(['run', writeStudy(dir, STUDY), '--db', 'drift.db', '--quiet'], dir);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  // The stored study still names tgt.csv; `screen NAME` reads the stored spec, not the study file.
  writeFileSync(join(dir, 'tgt.csv'), csv(3));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('a unit failing in a worker', () => {
  it('screen: one line with the worker error, no stack, exit 2 for a DataError', () => {
    const result = cli(['screen', 'drift', '--db', 'drift.db'], dir);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'tasksieve screen: DataError: source "src" has 4 features but target "tgt" has 3: a model cannot transfer between them\n',
    );
    expect(result.status).toBe(2);
  });
});
