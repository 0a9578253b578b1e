// Writes the breast-cancer domain-shift case of docs/benchmarks.md: data/breast-cancer.csv.gz split
// by the quartiles of `mean texture` into four domains (q1..q4, one CSV each), and a study with q1-q3
// as sources and q4 as a 20-row target (a quarter of its rows held out as test rows).
//   node scripts/breast-cancer-domains.mjs OUT_DIR [--scaling standard|minmax|none]
// then `tasksieve run OUT_DIR/study.yaml --db OUT_DIR/bc.db` and `tasksieve leaderboard …`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const [out, ...rest] = process.argv.slice(2);
if (!out) {
  process.stderr.write('usage: node scripts/breast-cancer-domains.mjs OUT_DIR [--scaling standard|minmax|none]\n');
  process.exit(2);
}
const scalingAt = rest.indexOf('--scaling');
const scaling = scalingAt >= 0 ? rest[scalingAt + 1] : undefined;
const text = gunzipSync(readFileSync(new URL('../data/breast-cancer.csv.gz', import.meta.url))).toString('utf8');
const [header, ...lines] = text.trim().split('\n');
const column = header.split(',').indexOf('mean texture');
const values = lines.map((line) => Number(line.split(',')[column])).sort((a, b) => a - b);
const cut = (q) => values[Math.floor((q * values.length) / 4)];
const bounds = [-Infinity, cut(1), cut(2), cut(3), Infinity];
mkdirSync(out, { recursive: true });
for (let q = 0; q < 4; q++) {
  const rows = lines.filter((line) => {
    const v = Number(line.split(',')[column]);
    return v >= bounds[q] && v < bounds[q + 1];
  });
  writeFileSync(join(out, `q${q + 1}.csv`), `${header}\n${rows.join('\n')}\n`);
}
writeFileSync(
  join(out, 'study.yaml'),
  `# Breast cancer (Wisconsin), four domains by quartile of mean texture: q1-q3 sources, q4 the target.
name: breast-cancer${scaling ? `-${scaling}` : ''}
seed: 1
datasets:
${[1, 2, 3, 4].map((q) => `  q${q}: { csv: q${q}.csv, label: diagnosis }`).join('\n')}
sources:
  - { name: q1, dataset: q1 }
  - { name: q2, dataset: q2 }
  - { name: q3, dataset: q3 }
targets:
  - { name: q4, dataset: q4, labelled: 20, test: 0.25 }
model: { hidden: [32] }
recipe: { batch_size: 16${scaling ? `, scaling: ${scaling}` : ''} }
space:
  learning_rate: { type: float, low: 0.001, high: 0.05, log: true }
  sources: { type: subset }
budget: { trials: 16, epochs: 20, seeds: 3, workers: 2 }
`,
);
