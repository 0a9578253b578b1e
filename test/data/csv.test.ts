import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCsv, setCsvChunkBytesForTests } from '../../src/data/csv.js';
import { DIGITS, classCounts, expectDataError, fixtureDir, writeFixture } from './helpers.js';

const dir = fixtureDir();
let counter = 0;
/** Writes `content` to a fresh file (so the loader cache never mixes fixtures). */
function fixture(content: string | Uint8Array, suffix = '.csv'): string {
  counter++;
  return writeFixture(dir, `f${counter}${suffix}`, content);
}

// Every case twice: with the default chunk, and with 5-byte chunks, so that in these small files lines,
// cells, CRLF pairs and UTF-8 sequences meet chunk boundaries (the parser reads the file a chunk at a time).
const DEFAULT_CHUNK = 4 << 20;
describe.each([
  ['default chunks', DEFAULT_CHUNK],
  ['5-byte chunks', 5],
])('%s', (_name, bytes) => {
  beforeAll(() => setCsvChunkBytesForTests(bytes));
  afterAll(() => setCsvChunkBytesForTests(DEFAULT_CHUNK));

  describe('loadCsv: the shipped digits', () => {
    it('loads 1797 rows x 64 features with 10 classes', () => {
      const ds = loadCsv(DIGITS, 'label');
      expect(ds.rows).toBe(1797);
      expect(ds.cols).toBe(64);
      expect(ds.numClasses).toBe(10);
      expect(ds.features.length).toBe(1797 * 64);
      expect(ds.labels.length).toBe(1797);
      // First row of the file, and every pixel an integer in 0..16.
      expect(Array.from(ds.features.subarray(0, 8))).toEqual([0, 0, 5, 13, 9, 1, 0, 0]);
      expect(ds.labels[0]).toBe(0);
      expect(ds.features.every((v) => Number.isInteger(v) && v >= 0 && v <= 16)).toBe(true);
      // Roughly 180 rows per digit.
      for (const count of classCounts(ds)) expect(count).toBeGreaterThan(170);
    });

    it('reads a file once per process (cached by path, mtime and size)', () => {
      expect(loadCsv(DIGITS, 'label')).toBe(loadCsv(DIGITS, 'label'));
    });
  });

  describe('loadCsv: format', () => {
    it('handles CRLF, a trailing newline and empty trailing lines', () => {
      const ds = loadCsv(fixture('a,b,label\r\n1,2,0\r\n3,4,1\r\n\r\n  \n\n'), 'label');
      expect(ds.rows).toBe(2);
      expect(ds.cols).toBe(2);
      expect(Array.from(ds.features)).toEqual([1, 2, 3, 4]);
      expect(Array.from(ds.labels)).toEqual([0, 1]);
    });

    it('handles a file without a final newline, a BOM and spaces around cells', () => {
      const ds = loadCsv(fixture('\uFEFFa, label\n 1.5 , 0\n-2e-3,1'), 'label');
      expect(Array.from(ds.features)).toEqual([1.5, Math.fround(-2e-3)]);
      expect(Array.from(ds.labels)).toEqual([0, 1]);
    });

    it('takes the label from any column and keeps the other columns in order', () => {
      const ds = loadCsv(fixture('x,y,z\n1,7,2\n3,8,4\n'), 'y');
      expect(ds.cols).toBe(2);
      expect(Array.from(ds.features)).toEqual([1, 2, 3, 4]);
      expect(Array.from(ds.labels)).toEqual([0, 1]);
    });

    it('maps numeric labels to 0..K-1 in ascending numeric order', () => {
      const ds = loadCsv(fixture('a,label\n0,10\n0,2\n0,-1\n0,2.0\n0,10\n'), 'label');
      expect(ds.numClasses).toBe(3);
      // -1 → 0, 2 → 1, 10 → 2 (a string sort would put "10" before "2"); "2.0" is the number 2.
      expect(Array.from(ds.labels)).toEqual([2, 1, 0, 1, 2]);
    });

    it('maps string labels in string order', () => {
      const ds = loadCsv(fixture('a,label\n0,cat\n0,ant\n0,bee\n0,cat\n0,10\n'), 'label');
      expect(ds.numClasses).toBe(4);
      expect(Array.from(ds.labels)).toEqual([3, 1, 2, 3, 0]);
    });

    it('reads simple quoted fields, with commas and doubled quotes inside', () => {
      const ds = loadCsv(fixture('"a","b,c",label\n"1", 2 ,"x ""y"""\n3,"4","z,w"\n'), 'label');
      expect(ds.cols).toBe(2);
      expect(Array.from(ds.features)).toEqual([1, 2, 3, 4]);
      expect(Array.from(ds.labels)).toEqual([0, 1]);
      expect(loadCsv(fixture('"a","b,c",label\n1,2,0\n3,4,1\n'), 'label').cols).toBe(2);
    });

    it('decides gzip by the magic bytes, not the extension', () => {
      const ds = loadCsv(fixture(gzipSync('a,label\n1,0\n2,1\n'), '.csv'), 'label');
      expect(Array.from(ds.features)).toEqual([1, 2]);
      expect(loadCsv(fixture(gzipSync('a,label\n1,0\n2,1\n'), '.csv.gz'), 'label').rows).toBe(2);
    });

    it('re-reads a file that changed', () => {
      const path = fixture('a,label\n1,0\n2,1\n');
      const first = loadCsv(path, 'label');
      expect(loadCsv(path, 'label')).toBe(first);
      writeFileSync(path, 'a,label\n1,0\n2,1\n3,1\n');
      const second = loadCsv(path, 'label');
      expect(second).not.toBe(first);
      expect(second.rows).toBe(3);
    });
  });

  describe('loadCsv: errors (one line, starting with the path as given)', () => {
    it('file not found', () => {
      const path = join(dir, 'missing.csv');
      expectDataError(() => loadCsv(path, 'label'), `${path}: file not found`);
    });

    it('a directory', () => {
      const path = join(dir, `a-directory-${bytes}`);
      mkdirSync(path);
      expectDataError(() => loadCsv(path, 'label'), `${path}: is a directory, not a file`);
    });

    it('a .gz that is not gzip', () => {
      const path = fixture('a,label\n1,0\n2,1\n', '.csv.gz');
      expectDataError(() => loadCsv(path, 'label'), `${path}: not a valid gzip file`);
    });

    it('a corrupt gzip', () => {
      const good = gzipSync('a,label\n1,0\n2,1\n');
      const path = fixture(good.subarray(0, good.length - 6), '.csv.gz');
      expectDataError(() => loadCsv(path, 'label'), `${path}: not a valid gzip file`);
    });

    it('not UTF-8', () => {
      const path = fixture(Buffer.from([0x61, 0x2c, 0x6c, 0x0a, 0xff, 0xfe, 0x2c, 0x31, 0x0a]));
      expectDataError(() => loadCsv(path, 'label'), `${path}: not UTF-8 text`);
    });

    it('empty (no header row)', () => {
      const empty = fixture('');
      expectDataError(() => loadCsv(empty, 'label'), `${empty}: empty (no header row)`);
      const blank = fixture('\n\r\n  \n');
      expectDataError(() => loadCsv(blank, 'label'), `${blank}: empty (no header row)`);
    });

    it('a blank first line', () => {
      const path = fixture('\na,label\n1,0\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: row 1 is empty (expected the header row)`);
    });

    it('no data rows', () => {
      const path = fixture('a,b,label\n\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: no data rows`);
    });

    it('label column not found: lists at most 8 names', () => {
      expectDataError(
        () => loadCsv(DIGITS, 'target'),
        `${DIGITS}: label column "target" not found (columns: pixel0, pixel1, pixel2, pixel3, pixel4, pixel5, pixel6, … label)`,
      );
      const path = fixture('a,b,label\n1,2,0\n');
      expectDataError(() => loadCsv(path, 'Label'), `${path}: label column "Label" not found (columns: a, b, label)`);
    });

    it('duplicate column', () => {
      const path = fixture('a,b,a,label\n1,2,3,0\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: duplicate column "a"`);
    });

    it('a header column without a name', () => {
      const path = fixture('a,,label\n1,2,0\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: header column 2 has no name`);
      // The last one unnamed is most often a delimiter at the end of every line.
      const trailing = fixture('a,label,\n1,0,\n2,1,\n');
      expectDataError(() => loadCsv(trailing, 'label'), `${trailing}: header column 3 has no name (a delimiter at the end of every line? remove it, or name the column)`);
    });

    it('only a label column (no features)', () => {
      const path = fixture('label\n0\n1\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: no feature columns (only the label column "label")`);
    });

    it('a row with the wrong field count (1-based line numbers)', () => {
      const path = fixture('a,b,label\n1,2,0\n3,4,1\n5,6,0\n1,2,0\n3,4,1\n7,0\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: row 7 has 2 fields, header has 3`);
    });

    it('a blank line between rows', () => {
      const path = fixture('a,label\n1,0\n\n2,1\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: row 3 is empty`);
    });

    it('an unterminated quote', () => {
      const path = fixture('a,label\n"1,0\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: row 2 has an unterminated quote`);
    });

    it('a cell that is not a number', () => {
      const path = fixture('pixel0,pixel3,label\n1,2,0\n1,abc,1\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: row 3 column "pixel3": "abc" is not a number (a column of text? list it under the dataset's \`drop\`)`);
    });

    it('hex and other number-like spellings are not numbers', () => {
      const path = fixture('a,label\n0x10,0\n1,1\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: row 2 column "a": "0x10" is not a number (a column of text? list it under the dataset's \`drop\`)`);
    });

    it('an empty cell', () => {
      const path = fixture('a,b,label\n1,,0\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: row 2 column "b": "" is not a number (a missing value? \`missing: drop\` or \`impute\` on the dataset)`);
    });

    it('NaN', () => {
      const path = fixture('a,label\nNaN,0\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: row 2 column "a": "NaN" is not a finite number`);
    });

    it('Infinity and inf', () => {
      const path = fixture('a,label\n1,0\n-Infinity,1\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: row 3 column "a": "-Infinity" is not a finite number`);
      const short = fixture('a,label\ninf,0\n');
      expectDataError(() => loadCsv(short, 'label'), `${short}: row 2 column "a": "inf" is not a finite number`);
    });

    it('a value too large', () => {
      const path = fixture('a,label\n1e31,0\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: row 2 column "a": "1e31" is too large`);
      const overflow = fixture('a,label\n-1e400,0\n');
      expectDataError(() => loadCsv(overflow, 'label'), `${overflow}: row 2 column "a": "-1e400" is too large`);
      expect(loadCsv(fixture('a,label\n1e30,0\n-1e30,1\n'), 'label').rows).toBe(2);
    });

    it('quotes at most ~20 characters of the offending cell', () => {
      const path = fixture(`a,label\n${'x'.repeat(500)},0\n`);
      expectDataError(() => loadCsv(path, 'label'), `${path}: row 2 column "a": "${'x'.repeat(19)}…" is not a number (a column of text? list it under the dataset's \`drop\`)`);
    });

    it('an empty label', () => {
      const path = fixture('a,label\n1,0\n2,\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: row 3 column "label" is empty`);
    });

    it('a single class', () => {
      const path = fixture('a,label\n1,3\n2,3\n3,3\n');
      expectDataError(() => loadCsv(path, 'label'), `${path}: label column "label" has a single class (3)`);
    });
  });
});
