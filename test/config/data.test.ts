// Data problems found while loading a study: reported at the YAML node of the dataset or task.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import { errorOf, MINIMAL, Workspace } from './helpers.js';

let ws: Workspace;
beforeAll(() => {
  ws = new Workspace();
  ws.write('two.csv', 'a,b,label\n1,2,0\n2,3,1\n3,4,0\n4,5,1\n');
  ws.write('text.csv', 'a,b,label\n1,2,0\n2,high,1\n');
  ws.write('header-only.csv', 'a,b,label\n');
});
afterAll(() => ws.dispose());

const withDataset = (dataset: string) => MINIMAL.replace('{ csv: digits.csv.gz }', dataset);

test('missing data file', () => {
  expect(errorOf(ws, withDataset('{ csv: nope.csv }'))).toBe('s.yaml:3:18: datasets.digits.csv: nope.csv: file not found');
});

test('missing label column (the data message, prefixed)', () => {
  expect(errorOf(ws, withDataset('{ csv: two.csv, label: class }'))).toBe(
    's.yaml:3:18: datasets.digits.csv: two.csv: label column "class" not found (columns: a, b, label)',
  );
});

test('checkData: false skips the data checks', () => {
  const file = ws.write('s.yaml', withDataset('{ csv: nope.csv }'));
  expect(loadStudyFile(file, { checkData: false }).targets[0]?.dataset).toMatchObject({ kind: 'csv', label: 'label' });
});

test('non-numeric feature', () => {
  expect(errorOf(ws, withDataset('{ csv: text.csv }'))).toBe(
    's.yaml:3:18: datasets.digits.csv: text.csv: row 3 column "b": "high" is not a number (a column of text? list it under the dataset\'s `drop`)',
  );
});

test('empty dataset', () => {
  expect(errorOf(ws, withDataset('{ csv: header-only.csv }'))).toBe(
    's.yaml:3:18: datasets.digits.csv: header-only.csv: no data rows',
  );
});

test('a target with fewer labelled rows than classes', () => {
  expect(errorOf(ws, MINIMAL.replace('labelled: 20', 'labelled: 5'))).toBe(
    's.yaml:7:15: targets[0].labelled: labelled (5) is fewer than the 10 classes present',
  );
});

test('a target leaving no validation rows', () => {
  expect(errorOf(ws, MINIMAL.replace('labelled: 20', 'labelled: 1797'))).toBe(
    's.yaml:7:15: targets[0].labelled: labelled (1797) leaves no validation rows (dataset has 1797 rows)',
  );
});

test('a transform that does not fit the data', () => {
  expect(errorOf(ws, MINIMAL.replace('labelled: 20', 'labelled: 20\n    transforms: [ { rotate: 10 }, { sample: 5000 } ]'))).toBe(
    's.yaml:8:35: targets[0].transforms[1]: sample: cannot draw 5000 rows, the dataset has only 1797',
  );
});

test('mismatched feature counts', () => {
  const text = `name: t
datasets:
  digits: { csv: digits.csv.gz }
  small: { csv: two.csv }
sources:
  - { name: a, dataset: digits }
  - { name: b, dataset: small }
targets:
  - { name: target, dataset: digits, labelled: 20 }
budget: { trials: 4 }
`;
  expect(errorOf(ws, text)).toBe('s.yaml:9:30: targets[0].dataset: 64 features, but sources[1] has 2');
});

test('a synthetic dataset the generator refuses', () => {
  const text = `name: t
datasets:
  fam: { synthetic: { features: 10000, latent: 4, classes: 2, rows: 10000 } }
targets:
  - { name: target, dataset: fam, rho: 1, labelled: 20 }
budget: { trials: 4 }
`;
  expect(errorOf(ws, text)).toBe(
    's.yaml:3:21: datasets.fam.synthetic: synthetic dataset: rows x features must be at most 50000000 (got 100000000)',
  );
});

test('a where range that keeps nothing by construction: numbers as numbers, quoted bounds as their cells meet them', () => {
  expect(errorOf(ws, withDataset('{ csv: two.csv, where: { a: { min: 3, max: 2 } } }'))).toBe(
    's.yaml:3:39: datasets.digits.where.a: min (3) must be below max (2): values kept satisfy min <= value < max',
  );
  // Dates written year first: text; quoted numbers: still numbers ("9" is below "10").
  expect(errorOf(ws, withDataset('{ csv: two.csv, where: { a: { min: "2016", max: "2015-06" } } }'))).toBe(
    's.yaml:3:39: datasets.digits.where.a: min ("2016") must be below max ("2015-06"): values kept satisfy min <= value < max',
  );
  const file = ws.write('s.yaml', withDataset('{ csv: two.csv, where: { a: { min: "2", max: "10" } } }'));
  expect(loadStudyFile(file, { checkData: false }).targets[0]?.dataset).toMatchObject({ where: [{ kind: 'range', column: 'a', min: '2', max: '10' }] });
});
