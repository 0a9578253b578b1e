// Writes data/breast-cancer.csv.gz with a seeded share of its feature cells replaced by "?" (missing),
// `mean texture` (the domain column of studies/breast-cancer.yaml) and the label left whole: the case
// docs/benchmarks.md uses to compare `missing: impute` with `missing: drop`.
//   node scripts/breast-cancer-holes.mjs OUT.csv SHARE
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const [out, shareText] = process.argv.slice(2);
const share = Number(shareText);
if (!out || !(share >= 0 && share < 1)) {
  process.stderr.write('usage: node scripts/breast-cancer-holes.mjs OUT.csv SHARE (0 <= SHARE < 1)\n');
  process.exit(2);
}
const text = gunzipSync(readFileSync(new URL('../data/breast-cancer.csv.gz', import.meta.url))).toString('utf8');
const [header, ...lines] = text.trim().split('\n');
const columns = header.split(',');
const whole = new Set([columns.indexOf('mean texture'), columns.indexOf('diagnosis')]);
let s = 12345;
const random = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const rows = lines.map((line) => line.split(',').map((cell, i) => (!whole.has(i) && random() < share ? '?' : cell)).join(','));
writeFileSync(out, `${header}\n${rows.join('\n')}\n`);
