// Shared helpers of the data tests: fixture directory, the shipped digits file, DataError assertions.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { setCsvChunkBytesForTests } from '../../src/data/csv.js';
import { DataError } from '../../src/errors.js';
import type { Dataset } from '../../src/data/types.js';

export const DIGITS = fileURLToPath(new URL('../../data/digits.csv.gz', import.meta.url));

/** A fresh temporary directory for one test file's fixtures. */
export function fixtureDir(): string {
  return mkdtempSync(join(tmpdir(), 'tasksieve-data-'));
}

export function writeFixture(dir: string, name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Numbered CSV fixtures in a fresh directory: `next(content)` writes `PREFIXn.csv` and returns its path. */
export function csvFixtures(prefix: string): (content: string) => string {
  const dir = fixtureDir();
  let counter = 0;
  return (content) => writeFixture(dir, `${prefix}${++counter}.csv`, content);
}

/** The error `run` throws, which must be a `Kind` (the test fails otherwise, also when nothing is thrown). */
export function thrown<E extends Error>(run: () => unknown, Kind: abstract new (...args: never[]) => E): E {
  try {
    run();
  } catch (error) {
    if (error instanceof Kind) return error;
    throw error;
  }
  throw new Error(`expected a ${Kind.name}`);
}

/** Asserts that `fn` throws a DataError (exit code 2) with exactly `message`. */
export function expectDataError(fn: () => unknown, message: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DataError);
  expect((caught as DataError).message).toBe(message);
  expect((caught as DataError).exitCode).toBe(2);
  expect((caught as DataError).message).not.toContain('\n');
}

/** A dataset whose feature 0 is the row index (to trace rows through transforms and splits). */
export function indexedDataset(rows: number, cols: number, numClasses: number, label: (row: number) => number): Dataset {
  const features = new Float32Array(rows * cols);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    features[i * cols] = i;
    for (let c = 1; c < cols; c++) features[i * cols + c] = i * 0.5 + c;
    labels[i] = label(i);
  }
  return { features, labels, rows, cols, numClasses };
}

/** Feature 0 of every row (the row ids of an indexedDataset). */
export function rowIds(ds: Dataset): number[] {
  return Array.from({ length: ds.rows }, (_, i) => ds.features[i * ds.cols] as number);
}

export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.numClasses).fill(0);
  for (const y of ds.labels) counts[y] = (counts[y] as number) + 1;
  return counts;
}

/**
 * Asserts two typed arrays hold the same values (exactly). Much faster than toEqual on 100k elements,
 * and reports the first difference.
 */
export function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      expect({ index: i, value: actual[i] }).toEqual({ index: i, value: expected[i] });
    }
  }
}

/** True when two typed arrays hold the same values. */
export function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/**
 * The tests of `body` twice: with the parser's default read size, and with 5-byte reads, so lines and
 * cells cross chunk boundaries even in small files.
 */
export function eachChunkSize(body: () => void): void {
  describe.each([
    ['default chunks', 4 << 20],
    ['5-byte chunks', 5],
  ])('%s', (_name, bytes) => {
    beforeAll(() => setCsvChunkBytesForTests(bytes));
    afterAll(() => setCsvChunkBytesForTests(4 << 20));
    body();
  });
}
