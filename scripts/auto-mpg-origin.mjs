// Runs studies/auto-mpg.yaml with the car's origin one-hot encoded (as written) and with it dropped,
// on study seeds 1..N (each seed its own target split and search), and prints per seed the best trial's
// validation and test accuracy and the mean test accuracy over every trial: what one text feature is
// worth (docs/benchmarks.md, "Categorical features"). Real CLI runs, fresh SQLite files.
//   node scripts/auto-mpg-origin.mjs [N]        (default 10; needs `npm run build`)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const seeds = Number(process.argv[2] ?? 10);
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'tasksieve.js');
const study = readFileSync(join(root, 'studies', 'auto-mpg.yaml'), 'utf8').replaceAll('../data/', `${join(root, 'data')}/`);
const ENCODED = 'drop: [car name, mpg, year], categorical: [origin]';
if (!study.includes(ENCODED)) throw new Error(`studies/auto-mpg.yaml: expected its datasets to read "${ENCODED}"`);
const variants = { onehot: study, dropped: study.replaceAll(ENCODED, 'drop: [car name, mpg, year, origin]') };

const dir = mkdtempSync(join(tmpdir(), 'tasksieve-auto-mpg-'));
const summary = { onehot: [], dropped: [] };
try {
  console.log('seed  variant  best validation  best test  mean test  best sources');
  for (let seed = 1; seed <= seeds; seed++) {
    for (const [name, text] of Object.entries(variants)) {
      const file = join(dir, `${name}-${seed}.yaml`);
      const db = join(dir, `${name}-${seed}.db`);
      writeFileSync(file, text.replace(/^seed: 1$/m, `seed: ${seed}`));
      execFileSync(process.execPath, [bin, 'run', file, '--db', db, '--quiet'], { stdio: 'inherit' });
      const board = JSON.parse(execFileSync(process.execPath, [bin, 'leaderboard', file, '--db', db, '--json'], { encoding: 'utf8' }));
      const best = board.rows[0];
      const tests = board.rows.map((r) => r.targets[0].test);
      const row = { seed, validation: best.value, test: best.targets[0].test, meanTest: tests.reduce((a, b) => a + b, 0) / tests.length };
      summary[name].push(row);
      console.log(`${String(seed).padEnd(4)}  ${name.padEnd(7)}  ${row.validation.toFixed(4).padEnd(15)}  ${row.test.toFixed(4).padEnd(9)}  ${row.meanTest.toFixed(4).padEnd(9)}  ${best.sources.join(',') || '(target only)'}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const mean = (rows, key) => rows.reduce((a, r) => a + r[key], 0) / rows.length;
for (const key of ['test', 'meanTest']) {
  const diffs = summary.onehot.map((r, i) => r[key] - summary.dropped[i][key]);
  const wins = diffs.filter((d) => d > 1e-12).length;
  const losses = diffs.filter((d) => d < -1e-12).length;
  console.log(`${key === 'test' ? 'best trial test' : 'mean test over trials'}: one-hot ${mean(summary.onehot, key).toFixed(4)}, dropped ${mean(summary.dropped, key).toFixed(4)}; one-hot ahead on ${wins} seeds, behind on ${losses}, level on ${diffs.length - wins - losses}`);
}
