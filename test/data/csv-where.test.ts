// A CSV dataset's `drop` and `where`: several domains, and columns of text, in one file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCsv, type CsvRows } from '../../src/data/csv.js';
import { describeWhere } from '../../src/data/row-conditions.js';
import { DataFieldError } from '../../src/errors.js';
import type { RowCondition } from '../../src/spec/tasks.js';
import { csvFixtures, thrown, eachChunkSize } from './helpers.js';

const fixture = csvFixtures('w');

/** site (text), id (text), x (numeric), label; row i has x = i. */
function sitesFile(rows = 12): string {
  const sites = ['north', 'south', 'east'];
  const lines = Array.from({ length: rows }, (_, i) => `${sites[i % 3]},"id ${i}",${i},${i % 2 === 0 ? 'a' : 'b'}`);
  return fixture(['site,id,x,label', ...lines].join('\n'));
}

const inSite = (...values: (string | number)[]): RowCondition => ({ kind: 'in', column: 'site', values });
const xs = (path: string, rows: CsvRows) => Array.from(loadCsv(path, 'label', rows).features);

const fieldError = (run: () => unknown) => thrown(run, DataFieldError);

eachChunkSize(() => {

  it('drop leaves text columns out of the features and names them', () => {
    const ds = loadCsv(sitesFile(), 'label', { drop: ['site', 'id'] });
    expect(ds.cols).toBe(1);
    expect(ds.featureNames).toEqual(['x']);
    expect(ds.droppedColumns).toEqual(['site', 'id']);
    expect(Array.from(ds.features)).toEqual([...Array(12).keys()]);
  });

  it('where keeps the rows of one value, of a list, of a range', () => {
    const path = sitesFile();
    const drop = ['site', 'id'];
    expect(xs(path, { drop, where: [inSite('north')] })).toEqual([0, 3, 6, 9]);
    expect(xs(path, { drop, where: [inSite('north', 'east')] })).toEqual([0, 2, 3, 5, 6, 8, 9, 11]);
    // min <= x < max, and several conditions all hold.
    expect(xs(path, { drop, where: [{ kind: 'range', column: 'x', min: 3, max: 7 }] })).toEqual([3, 4, 5, 6]);
    expect(xs(path, { drop, where: [{ kind: 'range', column: 'x', min: 3 }, inSite('south')] })).toEqual([4, 7, 10]);
  });

  it("a domain's rows hold shared memory of their own size, not the whole file's", () => {
    const ds = loadCsv(sitesFile(120), 'label', { drop: ['site', 'id'], where: [inSite('north')] });
    expect(ds.rows).toBe(40);
    expect(ds.features.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(ds.features.buffer.byteLength).toBe(40 * 4);
    expect(ds.labels.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(ds.labels.buffer.byteLength).toBe(40 * 4);
  });

  it('a value matches as a number when both are numbers, else as text', () => {
    const path = fixture('g,x,label\n1,0,a\n1.0,1,b\n01,2,a\n2,3,b\nx1,4,a\n');
    const where = (...values: (string | number)[]): CsvRows => ({ drop: ['g'], where: [{ kind: 'in', column: 'g', values }] });
    expect(xs(path, where(1))).toEqual([0, 1, 2]);
    expect(xs(path, where('1'))).toEqual([0, 1, 2]);
    expect(xs(path, where('x1', 2))).toEqual([3, 4]);
  });

  it('a range with text bounds compares the cells as text: a year of dates written year first', () => {
    // Two years of dates in three spellings, one row a month; x = the row's index.
    const dates = Array.from({ length: 24 }, (_, i) => {
      const [year, month] = [2014 + Math.floor(i / 12), (i % 12) + 1];
      const mm = String(month).padStart(2, '0');
      return [`${year}-${mm}-01`, `${year}/${month}/15`, `${year}.${mm}.28 10:30`][i % 3];
    });
    const path = fixture(['date,x,label', ...dates.map((d, i) => `${d},${i},${i % 2 === 0 ? 'a' : 'b'}`)].join('\n'));
    const year = (min: string | number, max?: string | number): RowCondition => ({ kind: 'range', column: 'date', min, ...(max !== undefined ? { max } : {}) });
    const drop = ['date'];
    expect(xs(path, { drop, where: [year('2014', '2015')] })).toEqual([...Array(12).keys()]);
    expect(xs(path, { drop, where: [year('2015', '2016')] })).toEqual([...Array(12).keys()].map((i) => i + 12));
    // One text bound makes the other text too: max 2015 is "2015".
    expect(xs(path, { drop, where: [year('2014', 2015)] })).toEqual([...Array(12).keys()]);
    // Within a year the order is the spelling's: in one spelling, from July on.
    const dashes = fixture(['date,x,label', ...Array.from({ length: 12 }, (_, i) => `2015-${String(i + 1).padStart(2, '0')}-01,${i},${i % 2 === 0 ? 'a' : 'b'}`)].join('\n'));
    expect(xs(dashes, { drop, where: [year('2015-07')] })).toEqual([6, 7, 8, 9, 10, 11]);
    // A number cell meets a quoted number as a number (10 is above "9"); text meets it as text.
    const numbers = fixture('n,x,label\n9,1,a\n10,2,b\n11,3,a\n8,4,b\n95,5,b\nn/a,6,a\n');
    const kept = (where: RowCondition) => Array.from(loadCsv(numbers, 'label', { drop: ['n'], where: [where] }).features);
    expect(kept({ kind: 'range', column: 'n', min: '9' })).toEqual([1, 2, 3, 5, 6]);
    expect(kept({ kind: 'range', column: 'n', min: '9', max: '11' })).toEqual([1, 2]);
    expect(describeWhere([year('2014', '2015'), year('9'), { kind: 'range', column: 'n', max: '9' }])).toBe('"date" in ["2014", "2015") and "date" >= "9" and "n" < "9"');
  });

  it('quantile ranges split the file into parts that share no row and cover it', () => {
    const path = fixture(['v,label', ...Array.from({ length: 40 }, (_, i) => `${(i * 7) % 40},${i % 2}`)].join('\n'));
    const cuts = [0, 0.25, 0.5, 0.75, 1];
    const parts = cuts.slice(1).map((high, q) => xs(path, { where: [{ kind: 'quantile', column: 'v', low: cuts[q]!, high }] }));
    expect(parts.map((p) => p.length)).toEqual([10, 10, 10, 10]);
    expect(parts.flat().sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
    expect(Math.max(...parts[0]!)).toBeLessThan(Math.min(...parts[1]!));
    expect(Math.max(...parts[3]!)).toBe(39);
  });

  it('classes come from the kept rows only', () => {
    const path = fixture('site,x,label\nn,0,a\nn,1,b\ns,2,c\ns,3,a\n');
    const north = loadCsv(path, 'label', { drop: ['site'], where: [inSite('n')] });
    expect(north.classNames).toEqual(['a', 'b']);
    const all = loadCsv(path, 'label', { drop: ['site'] });
    expect(all.classNames).toEqual(['a', 'b', 'c']);
  });

  it('missing: drop leaves out the rows with a missing label or feature, not those missing a dropped column', () => {
    const path = fixture(['note,x,y,label', 'a,0,0,p', ',1,?,q', 'c,2,NA,p', ',3,3,q', 'e,4,4,', 'f, N/a ,5,p', 'g,6,6,nan', 'h,7,7,p'].join('\n'));
    const ds = loadCsv(path, 'label', { drop: ['note'], missing: 'drop' });
    expect(Array.from(ds.features)).toEqual([0, 0, 3, 3, 7, 7]);
    expect(ds.classNames).toEqual(['p', 'q']);
    // A missing cell in a where column fails the condition (and does not move the quantiles).
    const where = loadCsv(path, 'label', { drop: ['note'], missing: 'drop', where: [{ kind: 'range', column: 'y', min: 1 }] });
    expect(Array.from(where.features)).toEqual([3, 3, 7, 7]);
    // Without it, the first missing cell is refused, saying what would leave such rows out.
    expect(() => loadCsv(path, 'label', { drop: ['note'] })).toThrow(`${path}: row 3 column "y": "?" is not a number (a missing value? \`missing: drop\` or \`impute\` on the dataset)`);
    const allMissing = fixture('x,label\n?,a\n,b\n');
    expect(fieldError(() => loadCsv(allMissing, 'label', { missing: 'drop' }))).toMatchObject({ field: ['missing'], message: `${allMissing}: missing: every row has a missing value` });
  });

  it('a semicolon or tab delimiter reads as the comma does, quoted fields included', () => {
    const comma = loadCsv(sitesFile(), 'label', { drop: ['site', 'id'], where: [inSite('south')] });
    const semi = fixture(['site;id;x;label', ...Array.from({ length: 12 }, (_, i) => `${['north', 'south', 'east'][i % 3]};"id; ${i}";${i};${i % 2 === 0 ? 'a' : 'b'}`)].join('\n'));
    const tab = fixture(['site\tid\tx\tlabel', ...Array.from({ length: 12 }, (_, i) => `${['north', 'south', 'east'][i % 3]}\tid ${i}\t${i}\t${i % 2 === 0 ? 'a' : 'b'}`)].join('\n'));
    for (const [path, delimiter] of [[semi, ';'], [tab, '\t']] as const) {
      const ds = loadCsv(path, 'label', { drop: ['site', 'id'], where: [inSite('south')], delimiter });
      expect(Array.from(ds.features)).toEqual(Array.from(comma.features));
      expect(ds.classNames).toEqual(comma.classNames);
      expect(ds.delimiter).toBe(delimiter);
    }
    // Read with the comma, a semicolon file is one column: the label is not found.
    expect(() => loadCsv(semi, 'label')).toThrow(/: label column "label" not found \(columns: site;id;x;label\)$/);
  });

  it('decimal commas read as decimal points, in features, in where ranges and quantiles', () => {
    const lines = ['site;x;label', ...Array.from({ length: 12 }, (_, i) => `${['north', 'south', 'east'][i % 3]};${i},5;${i % 2 === 0 ? 'a' : 'b'}`)];
    const euro = fixture(lines.join('\n'));
    const point = fixture(lines.join('\n').replace(/(\d),5/g, '$1.5'));
    const rows = (path: string, extra: CsvRows) => Array.from(loadCsv(path, 'label', { drop: ['site'], delimiter: ';', ...extra }).features);
    expect(rows(euro, { decimal: ',' })).toEqual(rows(point, {}));
    expect(rows(euro, { decimal: ',' })[1]).toBe(1.5);
    const range: CsvRows = { where: [{ kind: 'range', column: 'x', min: 3.5, max: 7 }] };
    expect(rows(euro, { decimal: ',', ...range })).toEqual([3.5, 4.5, 5.5, 6.5]);
    const quantile: CsvRows = { where: [{ kind: 'quantile', column: 'x', low: 0.5, high: 1 }] };
    expect(rows(euro, { decimal: ',', ...quantile })).toEqual(rows(point, quantile));
    // Without the key, a decimal comma is text.
    expect(() => rows(euro, {})).toThrow(/row 2 column "x": "0,5" is not a number/);
  });

  it('problems name the field they come from', () => {
    const path = sitesFile();
    expect(fieldError(() => loadCsv(path, 'label', { drop: ['site', 'id'], where: [{ kind: 'in', column: 'city', values: ['x'] }] }))).toMatchObject({
      field: ['where', 'city'],
      message: `${path}: where: column "city" not found`,
    });
    expect(fieldError(() => loadCsv(path, 'label', { drop: ['site', 'id'], where: [inSite('west')] }))).toMatchObject({
      field: ['where'],
      message: `${path}: where: no row has "site" in ["west"]`,
    });
    expect(fieldError(() => loadCsv(path, 'label', { drop: ['site', 'id'], where: [{ kind: 'range', column: 'site', min: 1 }] }))).toMatchObject({
      field: ['where', 'site'],
      message: `${path}: row 2 column "site": "north" is not a number (where compares it with a number; to compare text (a date), quote the bounds: { min: "2015", max: "2016" })`,
    });
    expect(fieldError(() => loadCsv(path, 'label', { drop: ['site', 'label'] }))).toMatchObject({ field: ['drop', 1], message: `${path}: drop: "label" is the label column` });
    expect(fieldError(() => loadCsv(path, 'label', { drop: ['site', 'idx'] })).field).toEqual(['drop', 1]);
    expect(fieldError(() => loadCsv(path, 'label', { drop: ['site', 'id', 'x'] })).field).toEqual(['drop']);
    // A single class left by the rows kept is said to be so.
    expect(() => loadCsv(fixture('site,x,label\nn,0,a\nn,1,a\ns,2,b\n'), 'label', { drop: ['site'], where: [inSite('n')] })).toThrow(
      /has a single class \(a\) in the rows where "site" in \["n"\]/,
    );
  });
});

describe('the breast-cancer domains', () => {
  it("`where` quantiles give exactly the rows of scripts/breast-cancer-domains.mjs's files", () => {
    const out = mkdtempSync(join(tmpdir(), 'tasksieve-bc-'));
    execFileSync(process.execPath, [resolve(import.meta.dirname, '../../scripts/breast-cancer-domains.mjs'), out]);
    const file = resolve(import.meta.dirname, '../../data/breast-cancer.csv.gz');
    const cuts = [0, 0.25, 0.5, 0.75, 1];
    for (let q = 0; q < 4; q++) {
      const fromWhere = loadCsv(file, 'diagnosis', { where: [{ kind: 'quantile', column: 'mean texture', low: cuts[q]!, high: cuts[q + 1]! }] });
      const fromScript = loadCsv(join(out, `q${q + 1}.csv`), 'diagnosis');
      expect(fromWhere.rows).toBe(fromScript.rows);
      expect(fromWhere.features).toEqual(fromScript.features);
      expect(fromWhere.labels).toEqual(fromScript.labels);
      expect(fromWhere.classNames).toEqual(fromScript.classNames);
    }
  });
});
