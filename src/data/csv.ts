// Loads a labelled CSV (plain or gzipped) into a dense Dataset, with one-line DataErrors naming the file.
// Runs on both threads (validation on the main thread, training in workers); synchronous on purpose.
// Must not import tfjs, the store, the CLI or YAML parsing.
import { readFileSync, statSync, type BigIntStats } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';
import type { Dataset } from './types.js';

/** Cells whose magnitude exceeds this are rejected: they would overflow float32 arithmetic in training. */
const MAX_ABS_VALUE = 1e30;
/** Longest piece of file content quoted in an error message. */
const MAX_QUOTED = 20;
/** Column names listed when the label column is missing. */
const MAX_LISTED_COLUMNS = 8;
/** Files kept by the per-process cache (a study rarely reads more than a few). */
const CACHE_LIMIT = 16;

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

interface CacheEntry {
  readonly mtimeNs: bigint;
  readonly size: bigint;
  readonly dataset: Dataset;
}

/** Keyed by absolute path + label column; an entry is valid while the file's mtime and size hold. */
const cache = new Map<string, CacheEntry>();

/**
 * Loads `path` (UTF-8 CSV with a header row; gzip-compressed when it starts with the gzip magic bytes)
 * into a Dataset. Every column except `labelColumn` is a numeric feature; distinct label values map to
 * class indices 0..K-1 in ascending numeric order (string order when any label is not a number).
 *
 * The result is cached per process by absolute path, mtime and size, so a worker thread parses a file
 * once: the returned dataset is shared and must be treated as read-only.
 * Throws DataError (one line, starting with `path` as given) on any problem.
 */
export function loadCsv(path: string, labelColumn: string): Dataset {
  const stats = statFile(path);
  const key = `${resolve(path)}\u0000${labelColumn}`;
  const hit = cache.get(key);
  if (hit !== undefined && hit.mtimeNs === stats.mtimeNs && hit.size === stats.size) {
    // Refresh recency so the most used files stay cached.
    cache.delete(key);
    cache.set(key, hit);
    return hit.dataset;
  }
  const dataset = parseCsv(path, decode(path, readBytes(path)), labelColumn);
  cache.delete(key);
  cache.set(key, { mtimeNs: stats.mtimeNs, size: stats.size, dataset });
  while (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value as string;
    cache.delete(oldest);
  }
  return dataset;
}

function statFile(path: string): BigIntStats {
  let stats: BigIntStats;
  try {
    stats = statSync(path, { bigint: true });
  } catch (error) {
    throw fsError(path, error);
  }
  if (stats.isDirectory()) throw new DataError(`${path}: is a directory, not a file`);
  if (!stats.isFile()) throw new DataError(`${path}: not a regular file`);
  return stats;
}

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw fsError(path, error);
  }
}

function fsError(path: string, error: unknown): DataError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new DataError(`${path}: file not found`);
  if (code === 'EACCES' || code === 'EPERM') return new DataError(`${path}: permission denied`);
  if (code === 'EISDIR') return new DataError(`${path}: is a directory, not a file`);
  return new DataError(`${path}: cannot read (${code ?? 'unknown error'})`);
}

/** Gunzips when the content is gzip, then decodes strict UTF-8 (a leading BOM is dropped). */
function decode(path: string, bytes: Buffer): string {
  const gzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (!gzip && path.toLowerCase().endsWith('.gz')) {
    throw new DataError(`${path}: not a valid gzip file`);
  }
  let raw: Buffer = bytes;
  if (gzip) {
    try {
      raw = gunzipSync(bytes);
    } catch {
      throw new DataError(`${path}: not a valid gzip file`);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new DataError(`${path}: not UTF-8 text`);
  }
}

function parseCsv(path: string, text: string, labelColumn: string): Dataset {
  const lines = text.split(/\r?\n/);
  // Trailing empty lines (including the one after a final newline) are not rows.
  let end = lines.length;
  while (end > 0 && (lines[end - 1] as string).trim() === '') end--;
  if (end === 0) throw new DataError(`${path}: empty (no header row)`);

  const headerLine = lines[0] as string;
  if (headerLine.trim() === '') throw new DataError(`${path}: row 1 is empty (expected the header row)`);
  const header = splitFields(path, headerLine, 1).map((name) => name.trim());
  const seen = new Set<string>();
  header.forEach((name, index) => {
    if (name === '') throw new DataError(`${path}: header column ${index + 1} has no name`);
    if (seen.has(name)) throw new DataError(`${path}: duplicate column ${quote(name)}`);
    seen.add(name);
  });
  const labelIndex = header.indexOf(labelColumn);
  if (labelIndex < 0) {
    throw new DataError(
      `${path}: label column ${quote(labelColumn)} not found (columns: ${listColumns(header)})`,
    );
  }
  const cols = header.length - 1;
  if (cols === 0) throw new DataError(`${path}: no feature columns (only the label column ${quote(labelColumn)})`);
  if (end === 1) throw new DataError(`${path}: no data rows`);

  const rows = end - 1;
  const features = new Float32Array(rows * cols);
  const rawLabels: string[] = new Array<string>(rows);
  for (let row = 0; row < rows; row++) {
    const lineNumber = row + 2;
    const line = lines[row + 1] as string;
    if (line.trim() === '') throw new DataError(`${path}: row ${lineNumber} is empty`);
    const fields = splitFields(path, line, lineNumber);
    if (fields.length !== header.length) {
      throw new DataError(
        `${path}: row ${lineNumber} has ${fields.length} fields, header has ${header.length}`,
      );
    }
    let out = row * cols;
    for (let col = 0; col < fields.length; col++) {
      const cell = (fields[col] as string).trim();
      if (col === labelIndex) {
        if (cell === '') {
          throw new DataError(`${path}: row ${lineNumber} column ${quote(labelColumn)} is empty`);
        }
        rawLabels[row] = cell;
        continue;
      }
      features[out++] = parseNumber(path, cell, lineNumber, header[col] as string);
    }
  }

  const { labels, numClasses, classNames } = encodeLabels(rawLabels);
  if (numClasses < 2) {
    throw new DataError(
      `${path}: label column ${quote(labelColumn)} has a single class (${truncate(classNames[0] as string)})`,
    );
  }
  const featureNames = header.filter((_, i) => i !== labelIndex);
  return { features, labels, rows, cols, numClasses, classNames, featureNames };
}

/** Raw rows to predict on: the features in the model's column order, and the label cells if asked for. */
export interface FeatureRowsFile {
  readonly features: Float32Array;
  readonly rows: number;
  readonly cols: number;
  /** The label column's cells as written (see canonicalLabel); null without a label column. */
  readonly labels: readonly string[] | null;
}

export interface FeatureRowsOptions {
  /** The model's feature columns in order, matched by name (any order in the file); null: unnamed. */
  readonly names: readonly string[] | null;
  /** Named: columns that are neither features nor the label are ignored instead of refused. */
  readonly allowExtra?: boolean;
  /** Unnamed: how many features (every column but the label, in file order); null: any number. */
  readonly cols?: number | null;
  readonly label?: string;
}

/**
 * Loads the rows of `path` (CSV as loadCsv reads it) that a model predicts on. Not cached. Throws
 * DataError (one line naming the file and the column) for a missing or unexpected column, a
 * non-numeric value, or a label column that is not there.
 */
export function loadFeatureRows(path: string, options: FeatureRowsOptions): FeatureRowsFile {
  const { names, label: labelColumn } = options;
  const cols = options.cols ?? null;
  statFile(path);
  const text = decode(path, readBytes(path));
  const lines = text.split(/\r?\n/);
  let end = lines.length;
  while (end > 0 && (lines[end - 1] as string).trim() === '') end--;
  if (end === 0) throw new DataError(`${path}: empty (no header row)`);
  const header = splitFields(path, lines[0] as string, 1).map((name) => name.trim());
  const seen = new Set<string>();
  header.forEach((name, index) => {
    if (name === '') throw new DataError(`${path}: header column ${index + 1} has no name`);
    if (seen.has(name)) throw new DataError(`${path}: duplicate column ${quote(name)}`);
    seen.add(name);
  });
  const labelIndex = labelColumn === undefined ? -1 : header.indexOf(labelColumn);
  if (labelColumn !== undefined && labelIndex < 0) {
    throw new DataError(`${path}: label column ${quote(labelColumn)} not found (columns: ${listColumns(header)})`);
  }
  // source[j]: the file column of the model's feature j.
  let source: number[];
  if (names !== null) {
    const missing = names.filter((name) => !seen.has(name));
    if (missing.length > 0) {
      throw new DataError(`${path}: missing column ${quote(missing[0] as string)}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}: the model reads ${names.length} features by name`);
    }
    const wanted = new Set(names);
    const extra = header.filter((name, i) => i !== labelIndex && !wanted.has(name));
    if (extra.length > 0 && !options.allowExtra) {
      const hint = labelColumn === undefined ? ' (a label column? name it with --label)' : '';
      throw new DataError(`${path}: unexpected column ${quote(extra[0] as string)}${hint}: the model was not trained on it`);
    }
    source = names.map((name) => header.indexOf(name));
  } else {
    source = header.map((_, i) => i).filter((i) => i !== labelIndex);
    if (cols !== null && source.length !== cols) {
      throw new DataError(`${path}: ${source.length} feature columns, the model reads ${cols} (its features have no names: every column but the label, in order)`);
    }
  }
  const rows = end - 1;
  if (rows === 0) throw new DataError(`${path}: no data rows`);
  const features = new Float32Array(rows * source.length);
  const labels: string[] | null = labelIndex < 0 ? null : new Array<string>(rows);
  for (let row = 0; row < rows; row++) {
    const lineNumber = row + 2;
    const line = lines[row + 1] as string;
    if (line.trim() === '') throw new DataError(`${path}: row ${lineNumber} is empty`);
    const fields = splitFields(path, line, lineNumber);
    if (fields.length !== header.length) throw new DataError(`${path}: row ${lineNumber} has ${fields.length} fields, header has ${header.length}`);
    source.forEach((col, j) => {
      features[row * source.length + j] = parseNumber(path, (fields[col] as string).trim(), lineNumber, header[col] as string);
    });
    if (labels !== null) {
      const cell = (fields[labelIndex] as string).trim();
      if (cell === '') throw new DataError(`${path}: row ${lineNumber} column ${quote(labelColumn as string)} is empty`);
      labels[row] = cell;
    }
  }
  return { features, rows, cols: source.length, labels };
}

/** A label cell as class names write it: a number in its canonical form (`1.0` → `1`), other text as it is. */
export function canonicalLabel(cell: string): string {
  return DECIMAL.test(cell) ? String(Number(cell)) : cell;
}

/** Splits one line on commas; a field wrapped in double quotes may hold commas and `""` escapes. */
function splitFields(path: string, line: string, lineNumber: number): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    // Skip blanks before a possible opening quote.
    let j = i;
    while (j < line.length && (line[j] === ' ' || line[j] === '\t')) j++;
    if (line[j] === '"') {
      let value = '';
      let k = j + 1;
      for (;;) {
        const next = line.indexOf('"', k);
        if (next < 0) throw new DataError(`${path}: row ${lineNumber} has an unterminated quote`);
        value += line.slice(k, next);
        if (line[next + 1] === '"') {
          value += '"';
          k = next + 2;
          continue;
        }
        k = next + 1;
        break;
      }
      while (k < line.length && (line[k] === ' ' || line[k] === '\t')) k++;
      if (k < line.length && line[k] !== ',') {
        throw new DataError(`${path}: row ${lineNumber} has text after a closing quote`);
      }
      fields.push(value);
      if (k >= line.length) return fields;
      i = k + 1;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

function parseNumber(path: string, cell: string, lineNumber: number, column: string): number {
  const where = `${path}: row ${lineNumber} column ${quote(column)}`;
  if (!DECIMAL.test(cell)) {
    if (NON_FINITE.test(cell)) throw new DataError(`${where}: ${quote(cell)} is not a finite number`);
    throw new DataError(`${where}: ${quote(cell)} is not a number`);
  }
  const value = Number(cell);
  // Number() of a decimal overflows to ±Infinity rather than failing: that is "too large" too.
  if (!(Math.abs(value) <= MAX_ABS_VALUE)) throw new DataError(`${where}: ${quote(cell)} is too large`);
  return value;
}

/** Distinct labels → 0..K-1: numeric order when every label is a number, else code-unit string order. */
function encodeLabels(raw: readonly string[]): {
  labels: Int32Array;
  numClasses: number;
  classNames: string[];
} {
  const numeric = raw.every((cell) => DECIMAL.test(cell));
  const labels = new Int32Array(raw.length);
  if (numeric) {
    const values = raw.map(Number);
    const distinct = [...new Set(values)].sort((a, b) => a - b);
    const index = new Map(distinct.map((value, i) => [value, i]));
    values.forEach((value, row) => (labels[row] = index.get(value) as number));
    return { labels, numClasses: distinct.length, classNames: distinct.map(String) };
  }
  const distinct = [...new Set(raw)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(distinct.map((value, i) => [value, i]));
  raw.forEach((value, row) => (labels[row] = index.get(value) as number));
  return { labels, numClasses: distinct.length, classNames: distinct };
}

function listColumns(header: readonly string[]): string {
  const names = header.map(truncate);
  if (names.length <= MAX_LISTED_COLUMNS) return names.join(', ');
  return `${names.slice(0, MAX_LISTED_COLUMNS - 1).join(', ')}, … ${names[names.length - 1] as string}`;
}

/** File content in a message: truncated, then JSON-quoted so control characters cannot break the line. */
function quote(text: string): string {
  return JSON.stringify(truncate(text));
}

function truncate(text: string): string {
  return text.length <= MAX_QUOTED ? text : `${text.slice(0, MAX_QUOTED - 1)}…`;
}
