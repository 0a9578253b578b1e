// Several domains in one CSV, end to end: datasets that keep the rows of one site (`where`) and leave
// the text columns out (`drop`), trained through the real pool (the workers adopt the main thread's
// parses, one per filter: a unit must see only its site's rows), a stored model, and `predict` on the
// whole file, whose dropped columns the model ignores. And a `where` naming no column: one line, exit 2.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { decodeStoredUnit } from '../../src/study/decoders.js';
import type { StoredUnit } from '../../src/spec/units.js';
import { cli, tempDir, writeStudy } from '../helpers/cli.js';

const SITES = ['north', 'south'];
const ROWS = 300;
const EAST_ROWS = 60;

/** Two features; the label is the sign of a site-dependent mix of them; an id and a site in text. */
function sitesCsv(): string {
  let s = 17;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const lines = ['site,id,x1,x2,label'];
  for (let r = 0; r < ROWS; r++) {
    // Sites of different sizes (east 60 rows, the others 120), so that a unit given another site's rows shows.
    const site = r % 5 === 0 ? 'east' : SITES[r % 2]!;
    const [x1, x2] = [rand() * 3, rand() * 3];
    const tilt = site === 'east' ? 0.4 : site === 'south' ? 0.2 : 0;
    lines.push(`${site},"row ${r}",${x1.toFixed(4)},${x2.toFixed(4)},${x1 + tilt * x2 > 0 ? 'up' : 'down'}`);
  }
  return `${lines.join('\n')}\n`;
}

const STUDY = `name: sites
seed: 5
datasets:
  north: { csv: sites.csv, drop: [site, id], where: { site: north } }
  south: { csv: sites.csv, drop: [site, id], where: { site: south } }
  east: { csv: sites.csv, drop: [site, id], where: { site: [east] } }
sources:
  - { name: north, dataset: north }
  - { name: south, dataset: south }
targets:
  - { name: east, dataset: east, labelled: 20, test: 10 }
model: { hidden: [8] }
recipe: { batch_size: 16, pretrain_epochs: 3, epochs: 4 }
space:
  sources: { type: subset }
sampler: random
budget: { trials: 4, workers: 2, seeds: 2 }
`;

let dir: string;
let db: string;
let units: StoredUnit[];

beforeAll(() => {
  dir = tempDir('tasksieve-sites-');
  writeFileSync(join(dir, 'sites.csv'), sitesCsv());
  db = join(dir, 'sites.db');
  const run = cli(['run', writeStudy(dir, STUDY), '--db', db, '--quiet', '--backend', 'wasm'], dir);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const store = SqliteStore.open(db);
  const record = store.getStudy('sites')!;
  units = store.getTrials(record.id).flatMap((t) => store.getUnits(t.id).map((u) => decodeStoredUnit(u.result, 'test')));
  store.close();
}, 600_000);

describe('domains of one CSV (where, drop)', () => {
  it("every unit saw only the target site's rows: its validation and test rows add up to them", () => {
    expect(units.length).toBe(8);
    const east = EAST_ROWS;
    for (const unit of units) {
      const validation = unit.metrics.confusion.flat().reduce((a, b) => a + b, 0);
      expect(validation).toBe(east - 10 - 20);
      expect(unit.test!.confusion.flat().reduce((a, b) => a + b, 0)).toBe(10);
    }
    // The rule is learnable from two features: a filter mixed up with another site's rows would not show here,
    // the row counts above do; this says the features are the numbers, not the text columns.
    expect(Math.max(...units.map((u) => u.metrics.accuracy))).toBeGreaterThan(0.8);
  });

  it('a stored model predicts on the whole file, ignoring the columns its dataset dropped', () => {
    const modelDir = join(dir, 'model');
    const model = cli(['model', 'sites', '--db', db, '--trial', 'best', '-o', modelDir], dir);
    expect(model.status).toBe(0);
    const out = cli(['predict', modelDir, join(dir, 'sites.csv'), '--label', 'label', '--json'], dir);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(doc.predictions).toHaveLength(ROWS);
    expect(doc.classNames).toEqual(['down', 'up']);
  });

  it('missing: impute trains on a file with holes, and its model predicts rows with holes', () => {
    // Every seventh row loses x2 ("?", "NA" or an empty cell).
    const holes = sitesCsv()
      .split('\n')
      .map((line, i) => (i > 0 && line !== '' && i % 7 === 0 ? line.replace(/,([^,]*),([^,]*)$/, `,${['?', 'NA', ''][i % 3]},$2`) : line))
      .join('\n');
    writeFileSync(join(dir, 'holes.csv'), holes);
    const study = STUDY.replace(/sites\.csv, drop/g, 'holes.csv, missing: impute, drop').replace('name: sites', 'name: holes');
    expect(study.match(/missing: impute/g)).toHaveLength(3);
    const holesDb = join(dir, 'holes.db');
    const run = cli(['run', writeStudy(dir, study, 'holes.yaml'), '--db', holesDb, '--quiet', '--backend', 'wasm'], dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const store = SqliteStore.open(holesDb);
    const record = store.getStudy('holes')!;
    const results = store.getTrials(record.id).flatMap((t) => store.getUnits(t.id).map((u) => decodeStoredUnit(u.result, 'test')));
    store.close();
    expect(results).toHaveLength(8);
    for (const unit of results) {
      expect(unit.metrics.confusion.flat().reduce((a, b) => a + b, 0)).toBe(EAST_ROWS - 10 - 20);
      expect(Number.isFinite(unit.metrics.accuracy)).toBe(true);
    }
    expect(Math.max(...results.map((u) => u.metrics.accuracy))).toBeGreaterThan(0.7);
    const modelDir = join(dir, 'holes-model');
    expect(cli(['model', 'holes', '--db', holesDb, '--trial', 'best', '-o', modelDir], dir).status).toBe(0);
    const out = cli(['predict', modelDir, join(dir, 'holes.csv'), '--label', 'label', '--json'], dir);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout).predictions).toHaveLength(ROWS);
    // Imputation needs the standard scaling's mean: another scaling is refused at load, at the key.
    writeStudy(dir, study.replace('recipe: { batch_size: 16,', 'recipe: { scaling: minmax, batch_size: 16,'), 'minmax.yaml');
    const refused = cli(['run', 'minmax.yaml', '--db', join(dir, 'minmax.db')], dir);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^tasksieve run: minmax\.yaml:4:\d+: datasets\.north\.missing: impute needs scaling: standard in every trial \(the study has scaling minmax\)/);
  });

  it('a where column the file lacks: one line at its field, exit 2, no database written', () => {
    writeStudy(dir, STUDY.replace('where: { site: north }', 'where: { city: north }'), 'bad.yaml');
    const badDb = join(dir, 'bad.db');
    const out = cli(['run', 'bad.yaml', '--db', badDb], dir);
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/^tasksieve run: bad\.yaml:4:\d+: datasets\.north\.where\.city: sites\.csv: where: column "city" not found\n$/);
    expect(existsSync(badDb)).toBe(false);
  });
});
