// A CSV dataset's `categorical`: text (or coded) columns one-hot encoded in their place, the values
// from the whole file or as listed, on the fast (bytes) and the text path alike, with missing cells,
// `where` and errors at the field; and `loadFeatureRows` encoding a file to predict on the same way.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { csvTextPathRowsForTests, loadCsv, loadFeatureRows, type CsvRows } from '../../src/data/csv.js';
import { DataError, DataFieldError } from '../../src/errors.js';
import { csvFixtures, thrown, eachChunkSize } from './helpers.js';

const write = csvFixtures('c');
const fixture = (content: string) => write(`${content}\n`);

/** x, job (text; `Zürich`'s row is not ASCII, so it takes the text path), code (numbers, `1.0` is `1`), site, label. */
const FILE = [
  'x,job,code,site,label',
  '0,nurse,1,north,a',
  '1,clerk,2,south,b',
  '2,nurse,1.0,north,b',
  '3,Zürich,3,south,a',
  '4,clerk,2,north,a',
  '5,"nurse",3,south,b',
].join('\n');

const caught = (run: () => unknown) => thrown(run, Error);

const rowsOf = (ds: { features: Float32Array; cols: number; rows: number }) =>
  Array.from({ length: ds.rows }, (_, r) => Array.from(ds.features.subarray(r * ds.cols, (r + 1) * ds.cols)));

eachChunkSize(() => {

  it('encodes each listed column one-hot in its place, with the values of the whole file in order', () => {
    const before = csvTextPathRowsForTests();
    const ds = loadCsv(fixture(FILE), 'label', { drop: ['site'], categorical: [{ column: 'job' }, { column: 'code' }] });
    // Only the rows of Zürich (not ASCII) and of a quoted cell leave the bytes' fast path.
    expect(csvTextPathRowsForTests() - before).toBe(2);
    // Text values by code unit (Z before c, n), numbers as numbers, `1.0` and `1` one value.
    expect(ds.featureNames).toEqual(['x', 'job=Zürich', 'job=clerk', 'job=nurse', 'code=1', 'code=2', 'code=3']);
    expect(ds.categorical).toEqual([
      { column: 'job', values: ['Zürich', 'clerk', 'nurse'] },
      { column: 'code', values: ['1', '2', '3'] },
    ]);
    expect(ds.cols).toBe(7);
    expect(rowsOf(ds)).toEqual([
      [0, 0, 0, 1, 1, 0, 0],
      [1, 0, 1, 0, 0, 1, 0],
      [2, 0, 0, 1, 1, 0, 0],
      [3, 1, 0, 0, 0, 0, 1],
      [4, 0, 1, 0, 0, 1, 0],
      [5, 0, 0, 1, 0, 0, 1],
    ]);
  });

  it('gives every domain of a file the same features, also one whose rows lack a value', () => {
    const path = fixture(FILE);
    const rows: CsvRows = { drop: ['site', 'code'], categorical: [{ column: 'job' }] };
    const north = loadCsv(path, 'label', { ...rows, where: [{ kind: 'in', column: 'site', values: ['north'] }] });
    const south = loadCsv(path, 'label', { ...rows, where: [{ kind: 'in', column: 'site', values: ['south'] }] });
    expect(north.featureNames).toEqual(south.featureNames);
    // North has no Zürich: its indicator is there, and 0.
    expect(rowsOf(north)).toEqual([
      [0, 0, 0, 1],
      [2, 0, 0, 1],
      [4, 0, 1, 0],
    ]);
    expect(rowsOf(south).map((r) => r[0])).toEqual([1, 3, 5]);
  });

  it('takes listed values in their order, and refuses a kept row whose value is not listed, at the field', () => {
    const path = fixture(FILE);
    const ds = loadCsv(path, 'label', { drop: ['site', 'code'], categorical: [{ column: 'job', values: ['nurse', 'clerk', 'Zürich', 'pilot'] }] });
    expect(ds.featureNames).toEqual(['x', 'job=nurse', 'job=clerk', 'job=Zürich', 'job=pilot']);
    expect(rowsOf(ds)[3]).toEqual([3, 0, 0, 1, 0]);
    const error = caught(() => loadCsv(path, 'label', { drop: ['site', 'code'], categorical: [{ column: 'job', values: ['nurse', 'clerk'] }] }));
    expect(error).toBeInstanceOf(DataFieldError);
    expect((error as DataFieldError).field).toEqual(['categorical', 'job']);
    expect(error.message).toBe(`${path}: row 5 column "job": "Zürich" is not one of the values listed under categorical ("nurse", "clerk")`);
    // A row `where` leaves out may hold any value.
    const north = loadCsv(path, 'label', { drop: ['site', 'code'], where: [{ kind: 'in', column: 'site', values: ['north'] }], categorical: [{ column: 'job', values: ['nurse', 'clerk'] }] });
    expect(north.rows).toBe(3);
  });

  it('reads a missing category as an error, a dropped row, or NaN in every indicator (impute)', () => {
    const path = fixture(['x,job,label', '0,nurse,a', '1,?,b', '2,clerk,a', '3,clerk,b'].join('\n'));
    const categorical = [{ column: 'job' }];
    expect(caught(() => loadCsv(path, 'label', { categorical })).message).toBe(
      `${path}: row 3 column "job": "?" is missing (a missing value? \`missing: drop\` or \`impute\` on the dataset)`,
    );
    expect(rowsOf(loadCsv(path, 'label', { categorical, missing: 'drop' }))).toEqual([
      [0, 0, 1],
      [2, 1, 0],
      [3, 1, 0],
    ]);
    const imputed = loadCsv(path, 'label', { categorical, missing: 'impute' });
    // The missing cell is not a value of the column.
    expect(imputed.categorical).toEqual([{ column: 'job', values: ['clerk', 'nurse'] }]);
    expect(rowsOf(imputed)[1]).toEqual([1, Number.NaN, Number.NaN]);
  });

  it('refuses a column that is absent, the label, dropped, or whose features would be named as another column', () => {
    const path = fixture(FILE);
    const field = (rows: CsvRows) => {
      const error = caught(() => loadCsv(path, 'label', rows));
      expect(error).toBeInstanceOf(DataFieldError);
      return [(error as DataFieldError).field, error.message.slice(path.length + 2)];
    };
    expect(field({ drop: ['site'], categorical: [{ column: 'job' }, { column: 'jbo' }] })).toEqual([['categorical', 1], 'categorical: column "jbo" not found (columns: x, job, code, site, label)']);
    expect(field({ drop: ['site'], categorical: [{ column: 'label' }] })).toEqual([['categorical', 0], 'categorical: "label" is the label column']);
    expect(field({ drop: ['site'], categorical: [{ column: 'site', values: ['north'] }] })).toEqual([['categorical', 'site'], 'categorical: "site" is also dropped (under drop)']);
    expect(field({ drop: ['site'], categorical: [{ column: 'job', values: ['nurse', 'NA'] }] })).toEqual([['categorical', 'job'], 'categorical: "NA" reads as a missing value, not a category (see missing)']);
    expect(field({ drop: ['site'], categorical: [{ column: 'code', values: ['1', '1.0'] }] })).toEqual([['categorical', 'code'], 'categorical: "code" lists "1" twice']);
    const named = fixture(['x,job=nurse,job,label', '0,1,nurse,a', '1,0,clerk,b'].join('\n'));
    const error = caught(() => loadCsv(named, 'label', { categorical: [{ column: 'job' }] }));
    expect(error.message).toBe(`${named}: categorical: the feature of "nurse" in "job" would be named "job=nurse", as another column or feature`);
  });

  it('parses a file again for another encoding (the cache key holds it)', () => {
    const path = fixture(FILE);
    const numeric = loadCsv(path, 'label', { drop: ['site', 'job'] });
    expect(numeric.featureNames).toEqual(['x', 'code']);
    expect(loadCsv(path, 'label', { drop: ['site', 'job'], categorical: [{ column: 'code' }] }).cols).toBe(4);
    expect(loadCsv(path, 'label', { drop: ['site', 'job'], categorical: [{ column: 'code', values: ['3', '2', '1', '4'] }] }).featureNames).toEqual(['x', 'code=3', 'code=2', 'code=1', 'code=4']);
  });
});

describe('the values of a file', () => {
  it('are read again when the file changes', () => {
    const path = fixture(['x,job,label', '0,nurse,a', '1,clerk,b'].join('\n'));
    expect(loadCsv(path, 'label', { categorical: [{ column: 'job' }] }).categorical).toEqual([{ column: 'job', values: ['clerk', 'nurse'] }]);
    writeFileSync(path, ['x,job,label', '0,nurse,a', '1,clerk,b', '2,pilot,a', ''].join('\n'));
    expect(loadCsv(path, 'label', { categorical: [{ column: 'job' }] }).categorical).toEqual([{ column: 'job', values: ['clerk', 'nurse', 'pilot'] }]);
  });
});

describe('loadFeatureRows with a one-hot encoded column', () => {
  const categorical = [{ column: 'job', values: ['clerk', 'nurse'] }];
  const names = ['x', 'job=clerk', 'job=nurse'];

  it('encodes each row from the column, in the model order, a value it was not trained on as none', () => {
    const path = fixture(['job,x,site', 'nurse,1,a', 'clerk,2,b', 'pilot,3,c', '"nurse",4,d'].join('\n'));
    const file = loadFeatureRows(path, { names, categorical, ignore: ['site'] });
    expect(file.cols).toBe(3);
    expect(Array.from(file.features)).toEqual([1, 0, 1, 2, 1, 0, 3, 0, 0, 4, 0, 1]);
    expect(file.unseenCategories).toBe(1);
  });

  it('reads no column whose indicators the model does not use (feature selection kept none)', () => {
    const path = fixture(['x,site', '1,a', '2,b'].join('\n'));
    const file = loadFeatureRows(path, { names: ['x'], categorical, ignore: ['site'] });
    expect(Array.from(file.features)).toEqual([1, 2]);
    expect(file.unseenCategories).toBe(0);
  });

  it('names the column when it is absent, and reads a missing cell as NaN only for a model of missing: impute', () => {
    const absent = fixture(['x,site', '1,a'].join('\n'));
    expect(caught(() => loadFeatureRows(absent, { names, categorical, ignore: ['site'] })).message).toBe(`${absent}: missing column "job": the model reads 3 features by name`);
    const holes = fixture(['x,job', '1,', '2,nurse'].join('\n'));
    const error = caught(() => loadFeatureRows(holes, { names, categorical }));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toBe(`${holes}: row 2 column "job": "" is missing (the model was not trained with missing: impute)`);
    const file = loadFeatureRows(holes, { names, categorical, missingAsNaN: true });
    expect(Array.from(file.features)).toEqual([1, Number.NaN, Number.NaN, 2, 0, 1]);
    expect(file.unseenCategories).toBe(0);
  });
});
