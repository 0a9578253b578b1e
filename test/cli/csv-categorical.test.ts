// A text feature one-hot encoded, end to end: two files whose `job` columns hold different values are
// refused at the dataset (one line, exit 2, nothing written) until the values are listed; then the
// study trains through the real pool on features the label depends on only through the job, its model
// records the encoding, and `predict` encodes a file with a job it never saw, saying so.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel, predict } from '../../src/model/index.js';
import { cli, tempDir, writeStudy } from '../helpers/cli.js';

/** x is noise; the label is the job's: nurse and pilot up, clerk down. `jobs` cycle over the rows. */
function jobsCsv(rows: number, jobs: readonly string[], seed: number): string {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const lines = ['id,job,x,label'];
  for (let r = 0; r < rows; r++) {
    const job = jobs[r % jobs.length]!;
    lines.push(`r${r},${job},${rand().toFixed(3)},${job === 'clerk' ? 'down' : 'up'}`);
  }
  return `${lines.join('\n')}\n`;
}

const study = (categorical: string) => `name: jobs
seed: 3
datasets:
  a: { csv: a.csv, drop: [id], categorical: ${categorical} }
  b: { csv: b.csv, drop: [id], categorical: ${categorical} }
sources:
  - { name: a, dataset: a }
targets:
  - { name: b, dataset: b, labelled: 20, test: 20 }
model: { hidden: [8] }
recipe: { batch_size: 16, pretrain_epochs: 4, epochs: 6, learning_rate: 0.05 }
space:
  sources: { type: subset }
sampler: random
budget: { trials: 2, workers: 2, seeds: 2 }
`;

let dir: string;

beforeAll(() => {
  dir = tempDir('tasksieve-jobs-');
  writeFileSync(join(dir, 'a.csv'), jobsCsv(200, ['nurse', 'clerk', 'pilot'], 5));
  writeFileSync(join(dir, 'b.csv'), jobsCsv(120, ['nurse', 'clerk'], 9));
});

describe('a categorical column, end to end', () => {
  it('refuses files whose values differ, at the dataset, until they are listed', () => {
    writeStudy(dir, study('[job]'), 'unlisted.yaml');
    const out = cli(['run', 'unlisted.yaml', '--db', 'unlisted.db'], dir);
    expect(out.status).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(
      /^tasksieve run: unlisted\.yaml:5:\d+: datasets\.b\.categorical: column "job" holds \[clerk, nurse\] here but holds \[clerk, nurse, pilot\] in dataset "a" \(task "a"\): every task must encode it alike; list its values under categorical in both\n$/,
    );
    expect(existsSync(join(dir, 'unlisted.db'))).toBe(false);
  });

  it('trains on the encoded job with the values listed, and its model predicts a file with an unseen job', async () => {
    const file = writeStudy(dir, study('{ job: [clerk, nurse, pilot] }'), 'listed.yaml');
    const run = cli(['run', file, '--db', 'jobs.db', '--quiet'], dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const board = JSON.parse(cli(['leaderboard', file, '--db', 'jobs.db', '--json'], dir).stdout);
    // The label is the job's and x is noise: only the indicators can carry it.
    expect(board.rows[0].targets[0].test).toBeGreaterThan(0.9);
    // The test figure says how many rows it rests on.
    expect(board.rows[0].targets[0].testRows).toBe(20);
    expect(cli(['leaderboard', file, '--db', 'jobs.db'], dir).stdout).toContain("test accuracy: on each target's held-out test rows (b: 20 rows; mean over targets and seeds)");
    expect(cli(['sources', file, '--db', 'jobs.db'], dir).stdout).toMatch(/test accuracy of the recommended subset: [\d.]+ \(mean over its units on the held-out test rows \(b: 20 rows\), which/);

    const model = cli(['model', file, '--db', 'jobs.db', '-o', 'model'], dir);
    expect(model.status).toBe(0);
    const meta = JSON.parse(readFileSync(join(dir, 'model', 'tasksieve-model.json'), 'utf8'));
    expect(meta.featureNames).toEqual(['job=clerk', 'job=nurse', 'job=pilot', 'x']);
    expect(meta.categorical).toEqual([{ column: 'job', values: ['clerk', 'nurse', 'pilot'] }]);
    writeFileSync(join(dir, 'new.csv'), 'id,job,x\nq1,nurse,0.1\nq2,clerk,-0.2\nq3,baker,0.3\n');
    const out = cli(['predict', 'model', 'new.csv', '--json'], dir);
    expect(out.status).toBe(0);
    expect(out.stderr).toBe('tasksieve predict: new.csv: 1 cell of "job" holds a value the model was not trained on (encoded as none of its values)\n');
    const doc = JSON.parse(out.stdout);
    expect(doc.predictions.slice(0, 2).map((p: { label: string }) => p.label)).toEqual(['up', 'down']);
    expect(doc.predictions).toHaveLength(3);
    expect(doc.unseen_categories).toBe(1);

    // The library takes a row by the column's own value as well as by its indicators.
    const loaded = await loadModel(join(dir, 'model'));
    try {
      const byValue = predict(loaded, [{ job: 'nurse', x: 0.1 }, { job: 'clerk', x: -0.2 }]);
      const byIndicator = predict(loaded, [{ 'job=clerk': 0, 'job=nurse': 1, 'job=pilot': 0, x: 0.1 }, { 'job=clerk': 1, 'job=nurse': 0, 'job=pilot': 0, x: -0.2 }]);
      expect(byValue.labels).toEqual(['up', 'down']);
      expect(Array.from(byValue.probabilities)).toEqual(Array.from(byIndicator.probabilities));
      expect(Array.from(byValue.probabilities.subarray(0, 2))).toEqual(doc.predictions[0].probabilities.map(Math.fround));
    } finally {
      loaded.dispose();
    }
  });
});
