// Loads a labelled CSV (plain or gzipped) into a dense Dataset, with one-line DataErrors naming the file.
// Runs on both threads (validation on the main thread, training in workers); synchronous on purpose.
// Must not import tfjs, the store, the CLI or YAML parsing.
import { closeSync, openSync, readFileSync, readSync, statSync, type BigIntStats } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError, DataFieldError } from '../errors.js';
import type { CategoricalColumn, CategoryEncoding, CsvDatasetSpec, RowCondition } from '../spec/tasks.js';
import { categoryOf, indicatorName, indicatorsOf, orderedCategories } from './categories.js';
import { DECIMAL, columnTests, describeWhere, isMissingCell, pointDecimal, type ColumnTest } from './row-conditions.js';
import type { Dataset } from './types.js';

/** Which columns and rows of the file a dataset takes besides its label (`drop`, `where`); absent: all. */
export type CsvRows = Pick<CsvDatasetSpec, 'drop' | 'where' | 'missing' | 'delimiter' | 'decimal' | 'categorical'>;

/** Cells whose magnitude exceeds this are rejected: they would overflow float32 arithmetic in training. */
const MAX_ABS_VALUE = 1e30;
/** Longest piece of file content quoted in an error message. */
const MAX_QUOTED = 20;
/** Column names listed when the label column is missing. */
const MAX_LISTED_COLUMNS = 8;
/** Datasets kept by the per-process cache: a study reads a few files, or one file as a few dozen domains. */
const CACHE_LIMIT = 64;

const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

interface CacheEntry {
  readonly mtimeNs: bigint;
  readonly size: bigint;
  readonly dataset: Dataset;
}

/** Keyed by absolute path, label column, drop and where; an entry is valid while the file's mtime and size hold. */
const cache = new Map<string, CacheEntry>();

/**
 * Loads `path` (UTF-8 CSV with a header row; gzip-compressed when it starts with the gzip magic bytes)
 * into a Dataset. Every column except `labelColumn` and those `rows.drop` names is a numeric feature
 * (a dropped column may hold any text); with `rows.where` only the rows every condition holds for are
 * kept. Distinct label values of the kept rows map to class indices 0..K-1 in ascending numeric order
 * (string order when any label is not a number).
 *
 * The result is cached per process by absolute path, mtime and size, so a worker thread parses a file
 * once: the returned dataset is shared and must be treated as read-only.
 * Throws DataError (one line, starting with `path` as given) on any problem.
 */
export function loadCsv(path: string, labelColumn: string, rows: CsvRows = {}): Dataset {
  const stats = statFile(path);
  const key = cacheKey(path, labelColumn, rows);
  const hit = cache.get(key);
  if (hit !== undefined && hit.mtimeNs === stats.mtimeNs && hit.size === stats.size) {
    // Refresh recency so the most used files stay cached.
    cache.delete(key);
    cache.set(key, hit);
    return hit.dataset;
  }
  const dataset = parseCsvStream(path, labelColumn, rows);
  remember(key, { mtimeNs: stats.mtimeNs, size: stats.size, dataset });
  return dataset;
}

/**
 * Parses the datasets of one file that differ by `where` only (the domains `tasksieve init` writes:
 * one file, a `where` per domain) in one pass per file, into loadCsv's cache, so loadCsv then returns
 * each without reading the file again (a 50 MB file of 4 domains: ~1.9 s of parsing -> ~0.5 s). The
 * same datasets, bit for bit, as loadCsv gives one at a time; those already cached are left out.
 * Best effort: when a parse fails (a part keeps no row, a bad cell), nothing of it is cached and
 * each loadCsv then parses, and words the problem, on its own.
 */
export function preloadCsvDatasets(specs: readonly CsvDatasetSpec[]): void {
  const groups = new Map<string, CsvDatasetSpec[]>();
  for (const spec of specs) {
    const { where: _, ...rest } = csvRowsOf(spec);
    const key = cacheKey(spec.path, spec.label, rest);
    const group = groups.get(key) ?? [];
    if (!group.some((other) => cacheKey(other.path, other.label, other) === cacheKey(spec.path, spec.label, spec))) group.push(spec);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    const first = group[0]!;
    let stats: BigIntStats;
    try {
      stats = statFile(first.path);
    } catch (error) {
      if (error instanceof DataError) continue;
      throw error;
    }
    const todo = group.filter((spec) => {
      const hit = cache.get(cacheKey(spec.path, spec.label, spec));
      return hit === undefined || hit.mtimeNs !== stats.mtimeNs || hit.size !== stats.size;
    });
    for (let start = 0; start + 1 < todo.length; start += MAX_PARTS) {
      const chunk = todo.slice(start, start + MAX_PARTS);
      let datasets: Dataset[];
      try {
        datasets = parseCsvParts(first.path, first.label, csvRowsOf(first), chunk.map((spec) => spec.where ?? []));
      } catch (error) {
        if (error instanceof DataError) continue;
        throw error;
      }
      chunk.forEach((spec, k) => remember(cacheKey(spec.path, spec.label, spec), { mtimeNs: stats.mtimeNs, size: stats.size, dataset: datasets[k]! }));
    }
  }
}

/** The CsvRows fields of a csv dataset spec (or a SharedCsv), nothing else: the one list of them. */
export function csvRowsOf(spec: CsvRows): CsvRows {
  const { drop, where, missing, delimiter, decimal, categorical } = spec;
  return {
    ...(categorical !== undefined ? { categorical } : {}),
    ...(drop !== undefined ? { drop } : {}),
    ...(where !== undefined ? { where } : {}),
    ...(missing !== undefined ? { missing } : {}),
    ...(delimiter !== undefined ? { delimiter } : {}),
    ...(decimal !== undefined ? { decimal } : {}),
  };
}

/** What a parse depends on: the file, its label column and its CsvRows (the cache's and the threads' key). */
export function cacheKey(path: string, labelColumn: string, rows: CsvRows): string {
  return `${resolve(path)}\u0000${labelColumn}\u0000${JSON.stringify(rows.drop ?? [])}\u0000${JSON.stringify(rows.where ?? [])}\u0000${rows.missing ?? ''}\u0000${rows.delimiter ?? ','}\u0000${rows.decimal ?? '.'}\u0000${JSON.stringify(rows.categorical ?? [])}`;
}

function remember(key: string, entry: CacheEntry): void {
  cache.delete(key);
  cache.set(key, entry);
  while (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value as string;
    cache.delete(oldest);
  }
}

/**
 * A parsed CSV as another thread can adopt it without a copy: its rows live in SharedArrayBuffers
 * (structured clone shares them), and the file's size and mtime say which version was parsed.
 */
export interface SharedCsv extends CsvRows {
  readonly path: string;
  readonly label: string;
  readonly mtimeNs: bigint;
  readonly size: bigint;
  readonly dataset: Dataset;
}

/** This thread's parsed copy of `path` (by its label column, drop and where), if it holds one that is still current. */
export function sharedCsv(path: string, labelColumn: string, rows: CsvRows = {}): SharedCsv | null {
  const hit = cache.get(cacheKey(path, labelColumn, rows));
  if (hit === undefined || !isShared(hit.dataset)) return null;
  return { path: resolve(path), label: labelColumn, ...csvRowsOf(rows), mtimeNs: hit.mtimeNs, size: hit.size, dataset: hit.dataset };
}

/**
 * Takes another thread's parse of a file as this thread's (no copy: the rows stay in their shared
 * memory), unless this thread already holds a parse of the same version. loadCsv still checks the
 * file's size and mtime on every call, so a file changed since is parsed again.
 */
export function adoptSharedCsv(entry: SharedCsv): void {
  const key = cacheKey(entry.path, entry.label, entry);
  const hit = cache.get(key);
  if (hit !== undefined && hit.mtimeNs === entry.mtimeNs && hit.size === entry.size) return;
  remember(key, { mtimeNs: entry.mtimeNs, size: entry.size, dataset: entry.dataset });
}

function isShared(ds: Dataset): boolean {
  return ds.features.buffer instanceof SharedArrayBuffer && ds.labels.buffer instanceof SharedArrayBuffer;
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
  return utf8(path, gunzipIfNeeded(path, bytes));
}

function gunzipIfNeeded(path: string, bytes: Buffer): Buffer {
  const gzip = isGzip(bytes);
  if (!gzip && path.toLowerCase().endsWith('.gz')) {
    throw new DataError(`${path}: not a valid gzip file`);
  }
  if (!gzip) return bytes;
  try {
    return gunzipSync(bytes);
  } catch {
    throw new DataError(`${path}: not a valid gzip file`);
  }
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function utf8(path: string, bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new DataError(`${path}: not UTF-8 text`);
  }
}

/** Bytes read from the file at a time: the text is never held whole (a gzip file is, decompressed). */
let chunkBytes = 4 << 20;

/** TEST-ONLY: a small chunk makes lines and cells cross chunk boundaries in small files. */
export function setCsvChunkBytesForTests(bytes: number): void {
  chunkBytes = bytes;
}

/** Rows this thread read on the text path (not fastRow) since the process started: what tests check the fast path with. */
let textPathRows = 0;

/** TEST-ONLY: rows read on the text path so far (a row of plain ASCII numbers and listed categories should not be). */
export function csvTextPathRowsForTests(): number {
  return textPathRows;
}

/** Parses (passes that read rows into a dataset) this thread made since the process started. */
let parses = 0;

/** TEST-ONLY: parses so far (the domains of one file should take one between them). */
export function csvParsesForTests(): number {
  return parses;
}

/** Where a parse reads from: the plain file (read in chunks), or a gzip file's decompressed bytes. */
type CsvInput = { readonly path: string; readonly inflated: Buffer | null };

/** A gzip file is decompressed whole, once (its text is then held while it is parsed); a plain one is not read yet. */
function openInput(path: string): CsvInput {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw fsError(path, error);
  }
  let head: Buffer;
  try {
    head = Buffer.alloc(2);
    head = head.subarray(0, readSync(fd, head, 0, 2, 0));
  } catch (error) {
    throw fsError(path, error);
  } finally {
    closeSync(fd);
  }
  const gzip = isGzip(head) || path.toLowerCase().endsWith('.gz');
  return { path, inflated: gzip ? gunzipIfNeeded(path, readBytes(path)) : null };
}

/**
 * The content in chunks that end at a line break (the last one at the end of the file): a line, and
 * so a UTF-8 sequence, never spans two of them. A plain file is read `chunkBytes` at a time.
 */
function* byteChunks(input: CsvInput): Generator<Uint8Array> {
  if (input.inflated !== null) {
    yield* splitAtLines(input.inflated);
    return;
  }
  const { path } = input;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw fsError(path, error);
  }
  try {
    // One buffer for the whole file: each chunk is consumed before the next is read into it.
    let buffer = Buffer.allocUnsafe(chunkBytes);
    let carry = 0;
    let position = 0;
    for (;;) {
      if (carry === buffer.length) {
        // A line longer than the buffer: grow it, keeping what it holds.
        const grown = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(grown, 0, 0, carry);
        buffer = grown;
      }
      let read: number;
      try {
        read = readSync(fd, buffer, carry, buffer.length - carry, position);
      } catch (error) {
        throw fsError(path, error);
      }
      position += read;
      const filled = carry + read;
      if (read === 0) {
        if (filled > 0) yield buffer.subarray(0, filled);
        return;
      }
      const cut = buffer.lastIndexOf(0x0a, filled - 1);
      if (cut < 0) {
        carry = filled;
        continue;
      }
      yield buffer.subarray(0, cut + 1);
      // The start of the next line moves to the front.
      buffer.copy(buffer, 0, cut + 1, filled);
      carry = filled - cut - 1;
    }
  } finally {
    closeSync(fd);
  }
}

function* splitAtLines(bytes: Buffer): Generator<Uint8Array> {
  let at = 0;
  while (at < bytes.length) {
    let end = Math.min(bytes.length, at + chunkBytes);
    if (end < bytes.length) {
      const cut = bytes.lastIndexOf(0x0a, end - 1);
      end = cut >= at ? cut + 1 : bytes.indexOf(0x0a, end) + 1 || bytes.length;
    }
    yield bytes.subarray(at, end);
    at = end;
  }
}

/**
 * Line breaks in the file: an upper bound of its rows, so the rows are allocated once. Checks the
 * text is UTF-8 on the way, so that a file that is not is refused as such before any of it is parsed.
 */
function countLines(input: CsvInput): number {
  let lines = 1;
  for (const chunk of byteChunks(input)) {
    if (!isUtf8(chunk)) throw new DataError(`${input.path}: not UTF-8 text`);
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lines++;
  }
  return lines;
}

/**
 * Calls `visit` with the bytes of every line in order ([start, end) of `bytes`, the line break — \n,
 * or \r\n — left out); a leading BOM is skipped. No text is decoded here.
 */
function forEachLine(input: CsvInput, visit: (bytes: Buffer, start: number, end: number) => void): void {
  let first = true;
  for (const chunk of byteChunks(input)) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let at = first && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    first = false;
    while (at < bytes.length) {
      const newline = bytes.indexOf(0x0a, at);
      const lineEnd = newline < 0 ? bytes.length : newline;
      visit(bytes, at, lineEnd > at && bytes[lineEnd - 1] === 0x0d ? lineEnd - 1 : lineEnd);
      at = lineEnd + 1;
    }
  }
}

/** Decodes one line; a U+FEFF inside the file is text (only the file's leading BOM is not). */
const LINE_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A string of its own, not a slice that keeps a whole chunk of the file alive. */
function own(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/** What String.prototype.trim removes, among ASCII bytes. */
function isAsciiSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

/** Exact powers of ten as doubles (10^22 is the last one a double holds exactly). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The number a cell of ASCII bytes spells, when the fast path can give exactly what Number() gives:
 * the decimal syntax of DECIMAL with at most 15 significant digits and a power of ten up to 22 either
 * way, so that the digits are an exact double and one multiplication or division by an exact power
 * of ten rounds correctly (Clinger 1990). Anything else (a longer mantissa, a bad spelling, a huge
 * value): undefined, and the caller takes the slow path, which also words the errors.
 */
function fastNumber(bytes: Buffer, start: number, end: number, point = 0x2e): number | undefined {
  let i = start;
  let negative = false;
  if (bytes[i] === 0x2b || bytes[i] === 0x2d) {
    negative = bytes[i] === 0x2d;
    i++;
  }
  let mantissa = 0;
  let significant = 0;
  let digits = 0;
  let fraction = 0;
  for (; i < end; i++) {
    const d = bytes[i]! - 0x30;
    if (d < 0 || d > 9) break;
    if (significant > 0 || d !== 0) significant++;
    mantissa = mantissa * 10 + d;
    digits++;
  }
  if (i < end && bytes[i] === point) {
    for (i++; i < end; i++) {
      const d = bytes[i]! - 0x30;
      if (d < 0 || d > 9) break;
      if (significant > 0 || d !== 0) significant++;
      mantissa = mantissa * 10 + d;
      digits++;
      fraction++;
    }
  }
  if (digits === 0 || significant > 15) return undefined;
  let exponent = 0;
  if (i < end && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
    i++;
    let negativeExponent = false;
    if (bytes[i] === 0x2b || bytes[i] === 0x2d) {
      negativeExponent = bytes[i] === 0x2d;
      i++;
    }
    let exponentDigits = 0;
    for (; i < end; i++) {
      const d = bytes[i]! - 0x30;
      if (d < 0 || d > 9) break;
      exponent = exponent * 10 + d;
      exponentDigits++;
      if (exponent > 400) return undefined;
    }
    if (exponentDigits === 0) return undefined;
    if (negativeExponent) exponent = -exponent;
  }
  if (i !== end) return undefined;
  const power = exponent - fraction;
  let value: number;
  if (mantissa === 0) value = 0;
  else if (power >= 0 && power <= 22) value = mantissa * POW10[power]!;
  else if (power < 0 && power >= -22) value = mantissa / POW10[-power]!;
  else return undefined;
  if (!(value <= MAX_ABS_VALUE)) return undefined;
  return negative ? -value : value;
}

/**
 * Parses the file line by line into shared memory (rows counted first, so nothing is copied or
 * grown): the rows' float32 features and int32 labels are all that stays. Same rules and messages
 * as a parse of the whole text: trailing blank lines are not rows, a blank line before a row is.
 * A row of plain ASCII numbers is read from its bytes (fastNumber); any other line is decoded and
 * read as text, which gives the same values and words every error.
 */
function parseCsvStream(path: string, labelColumn: string, keep: CsvRows): Dataset {
  return parseCsvParts(path, labelColumn, keep, [keep.where ?? []])[0]!;
}

/** Most parts one parse takes: a kept row says which parts keep it in the bits of one int32. */
const MAX_PARTS = 31;

/**
 * parseCsvStream for several `where`s of one file at once (`keep.where` is ignored): one pass, each
 * row tested against every part's conditions and read once for all the parts that keep it; each part
 * then gets the rows, classes and shared memory of its own that parseCsvStream gives it alone.
 */
function parseCsvParts(path: string, labelColumn: string, keep: CsvRows, wheres: readonly (readonly RowCondition[])[]): Dataset[] {
  if (wheres.length < 1 || wheres.length > MAX_PARTS) throw new RangeError(`parseCsvParts takes 1 to ${MAX_PARTS} parts (got ${wheres.length})`);
  const parts = wheres.length;
  const everyPart = parts === MAX_PARTS ? -1 : (1 << parts) - 1;
  parses++;
  const input = openInput(path);
  const capacity = countLines(input);
  let header: string[] | null = null;
  let labelIndex = -1;
  let cols = 0;
  // Per header column: whether it is a feature (not the label, not dropped), and its `where` tests.
  let isFeature: boolean[] = [];
  // Per header column: a categorical column's index of each value (its features, in order), else undefined.
  let codesAt: (Map<string, number> | undefined)[] = [];
  let encodings: CategoryEncoding[] = [];
  // Per header column: its `where` tests, each with the bit of the part whose test it is.
  let testsAt: ({ readonly bit: number; readonly test: ColumnTest }[] | undefined)[] = [];
  // Under impute a missing label still drops its row (there is nothing to fill a label with).
  const dropMissing = keep.missing === 'drop' || keep.missing === 'impute';
  const delimiter = keep.delimiter ?? ',';
  const delimiterByte = delimiter.charCodeAt(0);
  // Decimal commas: the fast path reads them as its decimal point; the text path makes them points first.
  const decimalComma = keep.decimal === ',';
  const pointByte = decimalComma ? 0x2c : 0x2e;
  const imputeMissing = keep.missing === 'impute';
  // Per part: rows it keeps that a missing cell leaves out (under drop), for its error when none is left.
  const missingRows = new Int32Array(parts);
  let features: Float32Array = new Float32Array(0);
  let ids: Int32Array = new Int32Array(0);
  // Per row read: the parts that keep it, one bit each (one part: every row read is its own, nothing kept).
  let partsOf: Int32Array = new Int32Array(0);
  const labelIds = new Map<string, number>();
  let rows = 0;
  let lineNumber = 0;
  let blank = 0;

  const labelId = (cell: string): number => {
    let id = labelIds.get(cell);
    if (id === undefined) {
      id = labelIds.size;
      labelIds.set(own(cell), id);
    }
    return id;
  };

  /** The row from its bytes; false (nothing kept) when the line needs the text path. */
  const fastRow = (bytes: Buffer, start: number, end: number): boolean => {
    const fieldCount = isFeature.length;
    let out = rows * cols;
    let at = start;
    let labelStart = -1;
    let labelEnd = -1;
    let kept = everyPart;
    for (let col = 0; col < fieldCount; col++) {
      let fieldEnd = at;
      while (fieldEnd < end && bytes[fieldEnd] !== delimiterByte) {
        const byte = bytes[fieldEnd]!;
        if (byte >= 0x80 || byte === 0x22) return false;
        fieldEnd++;
      }
      if (fieldEnd === end && col < fieldCount - 1) return false;
      if (fieldEnd < end && col === fieldCount - 1) return false;
      let s = at;
      let e = fieldEnd;
      while (s < e && isAsciiSpace(bytes[s]!)) s++;
      while (e > s && isAsciiSpace(bytes[e - 1]!)) e--;
      if (s === e) return false;
      const tests = testsAt[col];
      if (tests !== undefined) {
        const written = bytes.toString('latin1', s, e);
        const cell = decimalComma ? pointDecimal(written) : written;
        // A missing cell under `missing: drop` is the text path's to decide.
        if (dropMissing && isMissingCell(cell)) return false;
        // Every test runs, also for a part that already left the row out: a bad cell is refused either way.
        for (const { bit, test } of tests) if (!test.test(cell, lineNumber)) kept &= ~bit;
      }
      if (col === labelIndex) {
        if (dropMissing && isMissingCell(bytes.toString('latin1', s, e))) return false;
        labelStart = s;
        labelEnd = e;
      } else if (isFeature[col]) {
        const codes = codesAt[col];
        if (codes !== undefined) {
          // A value not listed, or a missing cell, is the text path's to word or to decide.
          const written = bytes.toString('latin1', s, e);
          const index = codes.get(categoryOf(decimalComma ? pointDecimal(written) : written));
          if (index === undefined) return false;
          out = writeIndicators(features, out, codes.size, index);
        } else {
          const value = fastNumber(bytes, s, e, pointByte);
          if (value === undefined) return false;
          features[out++] = value;
        }
      }
      at = fieldEnd + 1;
    }
    // A row `where` leaves out is still read whole (a malformed file is refused either way) but adds no class.
    if (kept === 0) return true;
    ids[rows] = labelId(bytes.toString('latin1', labelStart, labelEnd));
    if (parts > 1) partsOf[rows] = kept;
    rows++;
    return true;
  };

  const textRow = (line: string): void => {
    textPathRows++;
    const fields = splitFields(path, line, lineNumber, delimiter);
    if (fields.length !== (header as string[]).length) {
      throw new DataError(`${path}: row ${lineNumber} has ${fields.length} fields, header has ${(header as string[]).length}`);
    }
    let out = rows * cols;
    let kept = everyPart;
    let label = '';
    let missing = false;
    // A value a categorical column does not list: refused once the row is known to be kept.
    let unlisted: { column: number; cell: string } | null = null;
    for (let col = 0; col < fields.length; col++) {
      const trimmed = (fields[col] as string).trim();
      const cell = decimalComma ? pointDecimal(trimmed) : trimmed;
      const absent = dropMissing && isMissingCell(cell);
      // A missing cell fails its condition (and is not tested: it is no value).
      for (const { bit, test } of testsAt[col] ?? []) if (absent || !test.test(cell, lineNumber)) kept &= ~bit;
      if (col === labelIndex) {
        if (absent) missing = true;
        else if (cell === '') throw new DataError(`${path}: row ${lineNumber} column ${quote(labelColumn)} is empty`);
        label = cell;
      } else if (codesAt[col] !== undefined) {
        const codes = codesAt[col]!;
        const index = absent ? undefined : codes.get(categoryOf(cell));
        if (absent && imputeMissing) {
          features.fill(Number.NaN, out, out + codes.size);
          out += codes.size;
        } else if (absent) {
          missing = true;
          out += codes.size;
        } else if (index === undefined) {
          unlisted ??= { column: col, cell };
          out += codes.size;
        } else {
          out = writeIndicators(features, out, codes.size, index);
        }
      } else if (isFeature[col]) {
        if (absent && imputeMissing) {
          features[out++] = Number.NaN;
        } else if (absent) {
          missing = true;
          out++;
        } else {
          const hint = isMissingCell(cell) ? ' (a missing value? `missing: drop` or `impute` on the dataset)' : " (a column of text? list it under the dataset's `drop`)";
          features[out++] = parseNumber(path, cell, lineNumber, (header as string[])[col] as string, hint);
        }
      }
    }
    if (missing) for (let k = 0; k < parts; k++) if (kept & (1 << k)) missingRows[k]!++;
    if (kept === 0 || missing) return;
    if (unlisted !== null) throw unlistedCategory(path, lineNumber, (header as string[])[unlisted.column] as string, unlisted.cell, encodings, keep.categorical ?? []);
    ids[rows] = labelId(label);
    if (parts > 1) partsOf[rows] = kept;
    rows++;
  };

  const readHeader = (line: string): void => {
    header = splitFields(path, line, 1, delimiter).map((name) => own(name.trim()));
    const seen = new Set<string>();
    header.forEach((name, index) => {
      if (name === '') throw new DataError(`${path}: header column ${index + 1} has no name${unnamedHint(index, header!.length)}`);
      if (seen.has(name)) throw new DataError(`${path}: duplicate column ${quote(name)}`);
      seen.add(name);
    });
    labelIndex = header.indexOf(labelColumn);
    if (labelIndex < 0) {
      throw new DataError(`${path}: label column ${quote(labelColumn)} not found (columns: ${listColumns(header)})`);
    }
    const names = header;
    const drop = keep.drop ?? [];
    drop.forEach((name, i) => {
      if (!names.includes(name)) throw new DataFieldError(`${path}: drop: column ${quote(name)} not found (columns: ${listColumns(names)})`, ['drop', i]);
      if (name === labelColumn) throw new DataFieldError(`${path}: drop: ${quote(name)} is the label column`, ['drop', i]);
    });
    isFeature = names.map((name, i) => i !== labelIndex && !drop.includes(name));
    const categorical = keep.categorical ?? [];
    // One pass over the file for every column whose values it gives (and none when all are listed).
    let present: Map<string, string[]> | null = null;
    const presentIn = (column: string) => {
      const unlisted = categorical.filter((c) => c.values === undefined && names.includes(c.column)).map((c) => c.column);
      present ??= fileCategories(path, names, unlisted, delimiter, decimalComma);
      return present.get(column) ?? [];
    };
    encodings = categorical.map((c, i) => categoryEncoding(path, names, c, categoricalField(categorical, i), labelColumn, drop, () => presentIn(c.column)));
    codesAt = names.map((name) => {
      const encoding = encodings.find((e) => e.column === name);
      return encoding === undefined ? undefined : new Map(encoding.values.map((v, k) => [v, k]));
    });
    checkIndicatorNames(path, names, encodings, keep.categorical ?? []);
    cols = names.reduce((n, _, i) => n + (isFeature[i] ? (codesAt[i]?.size ?? 1) : 0), 0);
    if (cols === 0) {
      if (drop.length > 0) throw new DataFieldError(`${path}: drop: no feature column left (the file has ${names.length - 1} besides the label)`, ['drop']);
      throw new DataError(`${path}: no feature columns (only the label column ${quote(labelColumn)})`);
    }
    testsAt = names.map(() => undefined);
    // A quantile's column read once for every part that bins it.
    const cells = new Map<number, ReturnType<typeof columnCells>>();
    const cellsOf = (column: number) => cells.get(column) ?? cells.set(column, columnCells(path, column, dropMissing, delimiter, decimalComma)).get(column)!;
    wheres.forEach((where, k) => {
      for (const test of columnTests(path, names, where, cellsOf)) (testsAt[test.column] ??= []).push({ bit: 1 << k, test });
    });
    features = new Float32Array(new SharedArrayBuffer(Math.max(1, capacity * cols) * 4));
    ids = new Int32Array(new SharedArrayBuffer(Math.max(1, capacity) * 4));
    if (parts > 1) partsOf = new Int32Array(capacity);
  };

  forEachLine(input, (bytes, start, end) => {
    lineNumber++;
    let ascii = true;
    let empty = true;
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte >= 0x80) {
        ascii = false;
        break;
      }
      if (!isAsciiSpace(byte)) empty = false;
    }
    const text = ascii ? null : LINE_UTF8.decode(bytes.subarray(start, end));
    if (text !== null) empty = text.trim() === '';
    if (empty) {
      // Decided by what follows: trailing blank lines are dropped, any other is an error.
      if (blank === 0) blank = lineNumber;
      return;
    }
    if (blank !== 0) {
      if (blank === 1) throw new DataError(`${path}: row 1 is empty (expected the header row)`);
      throw new DataError(`${path}: row ${blank} is empty`);
    }
    if (header === null) return readHeader(text ?? bytes.toString('latin1', start, end));
    if (text === null && fastRow(bytes, start, end)) return;
    textRow(text ?? bytes.toString('latin1', start, end));
  });
  if (header === null) throw new DataError(`${path}: empty (no header row)`);
  const featureNames = (header as string[]).flatMap((name, i) => (!isFeature[i] ? [] : codesAt[i] === undefined ? [name] : encodings.find((e) => e.column === name)!.values.map((v) => indicatorName(name, v))));
  const dropped = keep.drop !== undefined && keep.drop.length > 0 ? { droppedColumns: [...keep.drop] } : {};
  const imputed = imputeMissing ? { imputed: true as const } : {};
  const delimited = { ...(keep.delimiter !== undefined ? { delimiter: keep.delimiter } : {}), ...(decimalComma ? { decimal: ',' as const } : {}) };
  const categorical = encodings.length > 0 ? { categorical: encodings } : {};
  const cells = [...labelIds.keys()];
  return wheres.map((where, k): Dataset => {
    const filtered = where.length > 0;
    const bit = 1 << k;
    let kept = parts === 1 ? rows : 0;
    if (parts > 1) for (let r = 0; r < rows; r++) if (partsOf[r]! & bit) kept++;
    if (kept === 0 && missingRows[k]! > 0) throw new DataFieldError(`${path}: missing: every row${filtered ? ' kept by where' : ''} has a missing value`, ['missing']);
    if (kept === 0 && filtered) throw new DataFieldError(`${path}: where: no row has ${describeWhere(where)}`, ['where']);
    if (kept === 0) throw new DataError(`${path}: no data rows`);
    let own = { features: features.subarray(0, rows * cols), ids: ids.subarray(0, rows), cells };
    if (parts > 1) {
      // Its rows, and its classes by first appearance in them, in arrays of its own.
      own = partRows(features, ids, cells, cols, rows, (r) => (partsOf[r]! & bit) !== 0, kept);
    } else if (filtered && rows < capacity / 2) {
      // The arrays were sized for every line of the file; a `where` that keeps a part of it (a domain)
      // must not hold the whole file's memory: its rows move to shared arrays of their own size.
      own = { features: sharedCopy(own.features, Float32Array), ids: sharedCopy(own.ids, Int32Array), cells };
    }
    const { labels, numClasses, classNames } = encodeLabelIds(own.ids, own.cells);
    if (numClasses < 2) {
      const within = filtered ? ` in the rows where ${describeWhere(where)}` : '';
      throw new DataError(`${path}: label column ${quote(labelColumn)} has a single class (${truncate(classNames[0] as string)})${within}`);
    }
    return { features: own.features, labels, rows: kept, cols, numClasses, classNames, featureNames, ...dropped, ...imputed, ...delimited, ...categorical };
  });
}

/**
 * The rows `keeps` of the first `rows` (there are `count`), copied into shared arrays of their own
 * size, with their label ids renumbered by first appearance among them (as a parse of those rows
 * alone numbers them) and the label cells of those ids.
 */
function partRows(features: Float32Array, ids: Int32Array, cells: readonly string[], cols: number, rows: number, keeps: (row: number) => boolean, count: number) {
  const ownFeatures = new Float32Array(new SharedArrayBuffer(Math.max(1, count * cols) * 4)).subarray(0, count * cols);
  const ownIds = new Int32Array(new SharedArrayBuffer(Math.max(1, count) * 4)).subarray(0, count);
  const renumbered = new Map<number, number>();
  const ownCells: string[] = [];
  let at = 0;
  for (let r = 0; r < rows; r++) {
    if (!keeps(r)) continue;
    ownFeatures.set(features.subarray(r * cols, (r + 1) * cols), at * cols);
    const id = ids[r]!;
    let local = renumbered.get(id);
    if (local === undefined) {
      local = ownCells.length;
      renumbered.set(id, local);
      ownCells.push(cells[id]!);
    }
    ownIds[at++] = local;
  }
  return { features: ownFeatures, ids: ownIds, cells: ownCells };
}

/** Writes a one-hot block of `width` at `out` (1 at `index`); returns the position after it. */
function writeIndicators(features: Float32Array, out: number, width: number, index: number): number {
  // The slot may hold a row `where` left out: every indicator is written.
  features.fill(0, out, out + width);
  features[out + index] = 1;
  return out + width;
}

/** Where a DataFieldError about the `i`-th categorical column points: its entry in the list, or its key in the map. */
function categoricalField(columns: readonly CategoricalColumn[], i: number): (string | number)[] {
  const c = columns[i]!;
  return c.values === undefined ? ['categorical', i] : ['categorical', c.column];
}

/**
 * A categorical column's encoding: its listed values (canonical, see categoryOf), or the distinct values
 * present in the whole file (`present`, one pass for every such column, so that every domain of the file encodes it
 * alike). The column must exist and be neither the label nor dropped.
 */
function categoryEncoding(
  path: string,
  names: readonly string[],
  c: CategoricalColumn,
  field: (string | number)[],
  labelColumn: string,
  drop: readonly string[],
  present: () => readonly string[],
): CategoryEncoding {
  if (!names.includes(c.column)) throw new DataFieldError(`${path}: categorical: column ${quote(c.column)} not found (columns: ${listColumns(names)})`, field);
  if (c.column === labelColumn) throw new DataFieldError(`${path}: categorical: ${quote(c.column)} is the label column`, field);
  if (drop.includes(c.column)) throw new DataFieldError(`${path}: categorical: ${quote(c.column)} is also dropped (under drop)`, field);
  if (c.values === undefined) {
    const values = orderedCategories(present());
    if (values.length === 0) throw new DataFieldError(`${path}: categorical: column ${quote(c.column)} has no value (every cell is missing)`, field);
    return { column: c.column, values };
  }
  const values = c.values.map((v) => categoryOf(v.trim()));
  const missing = values.find(isMissingCell);
  if (missing !== undefined) throw new DataFieldError(`${path}: categorical: ${quote(missing)} reads as a missing value, not a category (see missing)`, field);
  const repeated = values.find((v, k) => values.indexOf(v) !== k);
  if (repeated !== undefined) throw new DataFieldError(`${path}: categorical: ${quote(c.column)} lists ${quote(repeated)} twice`, field);
  return { column: c.column, values };
}

/** An indicator named as another column of the file (or as another indicator) would make two features one name. */
function checkIndicatorNames(path: string, names: readonly string[], encodings: readonly CategoryEncoding[], columns: readonly CategoricalColumn[]): void {
  const taken = new Set(names);
  encodings.forEach(({ column, values }, i) => {
    for (const value of values) {
      const name = indicatorName(column, value);
      if (taken.has(name)) throw new DataFieldError(`${path}: categorical: the feature of ${quote(value)} in ${quote(column)} would be named ${quote(name)}, as another column or feature`, categoricalField(columns, i));
      taken.add(name);
    }
  });
}

function unlistedCategory(path: string, lineNumber: number, column: string, cell: string, encodings: readonly CategoryEncoding[], columns: readonly CategoricalColumn[]): DataError {
  const where = `${path}: row ${lineNumber} column ${quote(column)}`;
  if (isMissingCell(cell)) return new DataError(`${where}: ${quote(cell)} is missing (a missing value? \`missing: drop\` or \`impute\` on the dataset)`);
  const values = encodings.find((e) => e.column === column)!.values;
  const shown = values.slice(0, 5).map(quote).join(', ') + (values.length > 5 ? ', …' : '');
  const i = columns.findIndex((c) => c.column === column);
  return new DataFieldError(`${where}: ${quote(cell)} is not one of the values listed under categorical (${shown})`, categoricalField(columns, i));
}

/** The last column unnamed: most often a delimiter at the end of every line (some spreadsheet exports). */
function unnamedHint(index: number, columns: number): string {
  return index === columns - 1 ? ' (a delimiter at the end of every line? remove it, or name the column)' : '';
}

/** `values` copied into a SharedArrayBuffer of exactly their size. */
function sharedCopy<T extends Float32Array | Int32Array>(values: T, Kind: { new (buffer: SharedArrayBuffer): T }): T {
  const copy = new Kind(new SharedArrayBuffer(Math.max(1, values.length) * 4));
  copy.set(values);
  return copy.subarray(0, values.length) as T;
}

/** The distinct categories of columns of a file version (one pass for all of them): every domain of the file asks. */
const categoriesCache = new Map<string, Map<string, string[]>>();

/**
 * The distinct categories (categoryOf of each cell present, missing cells left out) of the named
 * `columns` over every data row of `path`, in one pass; cached per file version (size and mtime), so
 * the datasets that read one file through several `where`s read it for this once.
 */
function fileCategories(path: string, names: readonly string[], columns: readonly string[], delimiter: string, decimalComma: boolean): Map<string, string[]> {
  const stats = statFile(path);
  const key = `${resolve(path)}\u0000${stats.mtimeNs}\u0000${stats.size}\u0000${JSON.stringify(columns)}\u0000${delimiter}\u0000${decimalComma}`;
  const hit = categoriesCache.get(key);
  if (hit !== undefined) return hit;
  const at = columns.map((c) => names.indexOf(c));
  const seen = columns.map(() => new Set<string>());
  forEachCsvRow(
    path,
    (fields) =>
      at.forEach((column, k) => {
        const cell = decimalComma ? pointDecimal(fields[column]!) : fields[column]!;
        if (isMissingCell(cell)) return;
        const value = categoryOf(cell);
        // Its own string only when new: a slice of the line would keep the line alive.
        if (!seen[k]!.has(value)) seen[k]!.add(own(value));
      }),
    undefined,
    delimiter,
  );
  const out = new Map(columns.map((c, k) => [c, [...seen[k]!]]));
  categoriesCache.set(key, out);
  // A few files' worth of small sets; the oldest goes first.
  if (categoriesCache.size > CACHE_LIMIT) categoriesCache.delete(categoriesCache.keys().next().value as string);
  return out;
}

/**
 * One column's trimmed cells over every data row, with their line numbers (a pass of its own, for a
 * `where` quantile, whose bounds depend on the whole column). Blank lines are skipped: the main parse
 * refuses the file if any is not trailing.
 */
function columnCells(path: string, column: number, skipMissing: boolean, delimiter: string, decimalComma: boolean): { cell: string; line: number }[] {
  const out: { cell: string; line: number }[] = [];
  forEachCsvRow(
    path,
    (fields, line) => {
      const cell = decimalComma ? pointDecimal(fields[column]!) : fields[column]!;
      if (!(skipMissing && isMissingCell(cell))) out.push({ cell: own(cell), line });
    },
    undefined,
    delimiter,
  );
  return out;
}

/** The file's first non-blank line (its header), as text; read up to it only (a gzip file is decompressed whole). */
export function headerLine(path: string): string {
  statFile(path);
  let found: string | null = null;
  const stop = new Error('header found');
  try {
    forEachLine(openInput(path), (bytes, start, end) => {
      const line = LINE_UTF8.decode(bytes.subarray(start, end));
      if (line.trim() === '') return;
      found = line;
      throw stop;
    });
  } catch (error) {
    if (error !== stop) throw error;
  }
  if (found === null) throw new DataError(`${path}: empty (no header row)`);
  return found;
}

/**
 * Every data row of `path` as trimmed text fields, in order (for profiling a file, not for training:
 * nothing is kept). Returns the header. Blank lines are skipped; a row with another field count than
 * the header is refused (DataError naming the file and row).
 */
export function forEachCsvRow(
  path: string,
  visit: (fields: readonly string[], lineNumber: number) => void,
  onHeader?: (header: readonly string[]) => void,
  delimiter = ',',
): string[] {
  statFile(path);
  let header: string[] | null = null;
  let lineNumber = 0;
  forEachLine(openInput(path), (bytes, start, end) => {
    lineNumber++;
    const line = LINE_UTF8.decode(bytes.subarray(start, end));
    if (line.trim() === '') return;
    const fields = splitFields(path, line, lineNumber, delimiter).map((f) => f.trim());
    if (header === null) {
      header = fields.map(own);
      onHeader?.(header);
      return;
    }
    if (fields.length !== header.length) throw new DataError(`${path}: row ${lineNumber} has ${fields.length} fields, header has ${header.length}`);
    visit(fields, lineNumber);
  });
  if (header === null) throw new DataError(`${path}: empty (no header row)`);
  return header;
}

/** Raw rows to predict on: the features in the model's column order, and the label cells if asked for. */
export interface FeatureRowsFile {
  readonly features: Float32Array;
  readonly rows: number;
  readonly cols: number;
  /** The label column's cells as written (see canonicalLabel); null without a label column. */
  readonly labels: readonly string[] | null;
  /** Cells of categorical columns holding a value the model was not trained on (encoded as none of its values). */
  readonly unseenCategories: number;
}

export interface FeatureRowsOptions {
  /** The model's feature columns in order, matched by name (any order in the file); null: unnamed. */
  readonly names: readonly string[] | null;
  /** Named: columns that are neither features nor the label are ignored instead of refused. */
  readonly allowExtra?: boolean;
  /** Named: columns ignored even without allowExtra (those the training CSV's dataset dropped). */
  readonly ignore?: readonly string[];
  /** A missing feature cell (isMissingCell) is read as NaN instead of refused (a model of `missing: impute`). */
  readonly missingAsNaN?: boolean;
  /** Unnamed: how many features (every column but the label, in file order); null: any number. */
  readonly cols?: number | null;
  readonly label?: string;
  /** The field delimiter (default `,`): the training CSV's, from the model's meta. */
  readonly delimiter?: string;
  /** `,`: numbers with a decimal comma (the training CSV's, from the model's meta). */
  readonly decimal?: ',';
  /** Named: the model's one-hot encoded columns (its features `COLUMN=VALUE` are read from COLUMN's cells). */
  readonly categorical?: readonly CategoryEncoding[];
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
  const delimiter = options.delimiter ?? ',';
  const header = splitFields(path, lines[0] as string, 1, delimiter).map((name) => name.trim());
  const seen = new Set<string>();
  header.forEach((name, index) => {
    if (name === '') throw new DataError(`${path}: header column ${index + 1} has no name${unnamedHint(index, header.length)}`);
    if (seen.has(name)) throw new DataError(`${path}: duplicate column ${quote(name)}`);
    seen.add(name);
  });
  // A header of one column holding another delimiter is a file in another format, not one missing columns.
  const other = header.length === 1 ? [',', ';', '\t', '|'].find((d) => d !== delimiter && header[0]!.includes(d)) : undefined;
  const otherFormat = other === undefined ? '' : ` (its header reads as one column: is the file delimited by ${JSON.stringify(other)}?)`;
  const labelIndex = labelColumn === undefined ? -1 : header.indexOf(labelColumn);
  if (labelColumn !== undefined && labelIndex < 0) {
    throw new DataError(`${path}: label column ${quote(labelColumn)} not found (columns: ${listColumns(header)})${otherFormat}`);
  }
  // source[j]: the file column of the model's feature j; indicator[j]: the value it is 1 for, when one-hot.
  let source: number[];
  let indicator: (string | undefined)[] = [];
  const indicators = indicatorsOf(options.categorical);
  if (names !== null) {
    const columnOf = (name: string) => indicators.get(name)?.column ?? name;
    const missing = [...new Set(names.map(columnOf))].filter((name) => !seen.has(name));
    if (missing.length > 0) {
      throw new DataError(`${path}: missing column ${quote(missing[0] as string)}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}: the model reads ${names.length} features by name${otherFormat}`);
    }
    const wanted = new Set(names.map(columnOf));
    const ignored = new Set(options.ignore ?? []);
    const extra = header.filter((name, i) => i !== labelIndex && !wanted.has(name) && !ignored.has(name));
    if (extra.length > 0 && !options.allowExtra) {
      const hint = labelColumn === undefined ? ' (a label column? name it with --label)' : '';
      throw new DataError(`${path}: unexpected column ${quote(extra[0] as string)}${hint}: the model was not trained on it`);
    }
    source = names.map((name) => header.indexOf(columnOf(name)));
    indicator = names.map((name) => indicators.get(name)?.value);
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
  // Per file column read one-hot: the values the model knows (a cell outside them counts as unseen).
  // Only the columns some feature reads: feature selection may have kept none of a column's indicators.
  const read = new Set(source.filter((_, j) => indicator[j] !== undefined));
  const known = new Map((options.categorical ?? []).map((e) => [header.indexOf(e.column), new Set(e.values)] as const).filter(([col]) => read.has(col)));
  let unseenCategories = 0;
  for (let row = 0; row < rows; row++) {
    const lineNumber = row + 2;
    const line = lines[row + 1] as string;
    if (line.trim() === '') throw new DataError(`${path}: row ${lineNumber} is empty`);
    const fields = splitFields(path, line, lineNumber, delimiter);
    if (fields.length !== header.length) throw new DataError(`${path}: row ${lineNumber} has ${fields.length} fields, header has ${header.length}`);
    const cellAt = (col: number) => {
      const trimmed = (fields[col] as string).trim();
      return options.decimal === ',' ? pointDecimal(trimmed) : trimmed;
    };
    // A one-hot column's category, once per row for all its indicators (null: its cell is missing).
    const categories = new Map<number, string | null>();
    for (const [col, values] of known) {
      const cell = cellAt(col);
      const category = isMissingCell(cell) ? null : categoryOf(cell);
      categories.set(col, category);
      if (category !== null && !values.has(category)) unseenCategories++;
    }
    source.forEach((col, j) => {
      const value = indicator[j];
      if (value !== undefined) {
        const category = categories.get(col)!;
        if (category !== null) features[row * source.length + j] = category === value ? 1 : 0;
        else if (options.missingAsNaN) features[row * source.length + j] = Number.NaN;
        else throw new DataError(`${path}: row ${lineNumber} column ${quote(header[col] as string)}: ${quote(cellAt(col))} is missing (the model was not trained with missing: impute)`);
        return;
      }
      const cell = cellAt(col);
      features[row * source.length + j] = options.missingAsNaN && isMissingCell(cell) ? Number.NaN : parseNumber(path, cell, lineNumber, header[col] as string);
    });
    if (labels !== null) {
      const cell = (fields[labelIndex] as string).trim();
      if (cell === '') throw new DataError(`${path}: row ${lineNumber} column ${quote(labelColumn as string)} is empty`);
      labels[row] = cell;
    }
  }
  return { features, rows, cols: source.length, labels, unseenCategories };
}

/** A label cell as class names write it: a number in its canonical form (`1.0` → `1`), other text as it is. */
export function canonicalLabel(cell: string): string {
  return DECIMAL.test(cell) ? String(Number(cell)) : cell;
}

/** Splits one line on `delimiter` (a comma by default); a field wrapped in double quotes may hold it and `""` escapes. */
function splitFields(path: string, line: string, lineNumber: number, delimiter = ','): string[] {
  if (!line.includes('"')) return line.split(delimiter);
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
      if (k < line.length && line[k] !== delimiter) {
        throw new DataError(`${path}: row ${lineNumber} has text after a closing quote`);
      }
      fields.push(value);
      if (k >= line.length) return fields;
      i = k + 1;
    } else {
      const comma = line.indexOf(delimiter, i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

/** `hint` follows the message of a cell that is text, not a number. */
function parseNumber(path: string, cell: string, lineNumber: number, column: string, hint = ''): number {
  const where = `${path}: row ${lineNumber} column ${quote(column)}`;
  if (!DECIMAL.test(cell)) {
    if (NON_FINITE.test(cell)) throw new DataError(`${where}: ${quote(cell)} is not a finite number`);
    throw new DataError(`${where}: ${quote(cell)} is not a number${hint}`);
  }
  const value = Number(cell);
  // Number() of a decimal overflows to ±Infinity rather than failing: that is "too large" too.
  if (!(Math.abs(value) <= MAX_ABS_VALUE)) throw new DataError(`${where}: ${quote(cell)} is too large`);
  return value;
}

/**
 * Labels by first appearance (`ids`, rewritten in place) → class indices 0..K-1: numeric order when
 * every label is a number (cells of equal value, `1` and `1.0`, are one class), else code-unit string order.
 */
function encodeLabelIds(ids: Int32Array, cells: readonly string[]): {
  labels: Int32Array;
  numClasses: number;
  classNames: string[];
} {
  // Numbers canonical (`1.0` is `1`) only when every label is one: a text label set keeps its cells as written.
  const named = cells.every((cell) => DECIMAL.test(cell)) ? cells.map(categoryOf) : cells;
  const classNames = orderedCategories(named);
  const index = new Map(classNames.map((value, i) => [value, i]));
  const classOf = named.map((cell) => index.get(cell) as number);
  for (let i = 0; i < ids.length; i++) ids[i] = classOf[ids[i] as number] as number;
  return { labels: ids, numClasses: classNames.length, classNames };
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
