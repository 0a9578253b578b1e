// What a CSV's columns hold, for writing a study from it (`tasksieve init`): per column whether every
// value present is a number, how many cells are missing, its distinct values while they are few, and
// with a label, a numeric column's range in each class and a few-valued column's classes per value
// (to spot a column that alone decides the label).
// Main thread; reads the file once. Must not import tfjs, the store, the CLI or YAML parsing.
import { DECIMAL, isMissingCell, pointDecimal } from './row-conditions.js';
import { forEachCsvRow, headerLine } from './csv.js';
import { yearOf } from './dates.js';
import { CSV_DELIMITERS, type CsvDelimiter } from '../spec/tasks.js';

/** Distinct values kept per column; a column with more is not a set of domains. */
export const MAX_DISTINCT = 50;

export interface ColumnProfile {
  readonly name: string;
  /** Every cell present is a decimal number. */
  readonly numeric: boolean;
  /** Cells that are missing values (isMissingCell). */
  readonly missing: number;
  /** Rows by distinct value (as written), while there are at most MAX_DISTINCT; null past that. */
  readonly values: ReadonlyMap<string, number> | null;
  /** The numbers present, in row order (numeric columns named in profileCsv's `numbersOf` only; for quantile bounds). */
  readonly numbers: readonly number[];
  /**
   * A numeric column's smallest and largest value in the rows of each label value (profileCsv's
   * `label`; rows whose label is missing left out); null without a label, or for a text column.
   */
  readonly classRanges: ReadonlyMap<string, ClassRange> | null;
  /**
   * A column of few values (`values` not null): the label values seen with each of its values (rows
   * whose label is missing left out); null without a label, or past MAX_DISTINCT values.
   */
  readonly classesByValue: ReadonlyMap<string, ReadonlySet<string>> | null;
  /**
   * A text column whose every cell present is a date written year first (dates.ts): rows by year,
   * and with a label the label values seen in each year; null for any other column.
   */
  readonly years: ReadonlyMap<string, { readonly rows: number; readonly classes: ReadonlySet<string> }> | null;
}

export interface ClassRange {
  readonly min: number;
  readonly max: number;
}

export interface CsvProfile {
  /** The field delimiter the profile read with. */
  readonly delimiter: ',' | CsvDelimiter;
  /** `,` when some number cell was written with a decimal comma (read so only with another delimiter). */
  readonly decimal: '.' | ',';
  readonly rows: number;
  readonly columns: readonly ColumnProfile[];
}

/**
 * The delimiter the header uses: the comma, unless `;`, a tab or `|` splits it into more columns
 * (outside quotes). A one-column file reads as comma-delimited.
 */
export function detectDelimiter(path: string): ',' | CsvDelimiter {
  const header = headerLine(path).replace(/"[^"]*"/g, '');
  const count = (d: string) => header.split(d).length - 1;
  let best: ',' | CsvDelimiter = ',';
  for (const d of CSV_DELIMITERS) if (count(d) > count(best)) best = d;
  return best;
}

/**
 * `numbersOf`: the columns whose numbers are kept (a million rows of every column would take ~8 MB
 * each); `delimiter`: detected from the header (detectDelimiter) when not given.
 */
export function profileCsv(path: string, numbersOf: readonly string[] = [], delimiter: ',' | CsvDelimiter = detectDelimiter(path), label?: string): CsvProfile {
  let keepNumbers: boolean[] = [];
  let labelAt = -1;
  let ranges: Map<string, { min: number; max: number }>[] = [];
  let classesOf: Map<string, Set<string>>[] = [];
  let numeric: boolean[] = [];
  let missing: number[] = [];
  let values: (Map<string, number> | null)[] = [];
  let numbers: number[][] = [];
  // Per column, while every cell present is a date written year first: rows and classes by year.
  let years: (Map<string, { rows: number; classes: Set<string> }> | null)[] = [];
  let rows = 0;
  let decimalComma = false;
  const header = forEachCsvRow(path, (written) => {
    const fields = delimiter === ',' ? written : written.map((cell) => {
      const pointed = pointDecimal(cell);
      if (pointed !== cell) decimalComma = true;
      return pointed;
    });
    if (rows === 0) {
      ranges = fields.map(() => new Map());
      classesOf = fields.map(() => new Map());
      numeric = fields.map(() => true);
      missing = fields.map(() => 0);
      values = fields.map(() => new Map());
      numbers = fields.map(() => []);
      years = fields.map(() => new Map());
    }
    rows++;
    const labelCell = labelAt < 0 || isMissingCell(fields[labelAt]!) ? null : fields[labelAt]!;
    fields.forEach((cell, c) => {
      if (isMissingCell(cell)) {
        missing[c]!++;
        return;
      }
      const byYear = years[c];
      if (byYear) {
        const year = yearOf(cell);
        if (year === null) years[c] = null;
        else {
          const seen = byYear.get(year) ?? { rows: 0, classes: new Set<string>() };
          seen.rows++;
          if (labelCell !== null) seen.classes.add(labelCell);
          byYear.set(year, seen);
        }
      }
      if (!numeric[c] || !DECIMAL.test(cell)) numeric[c] = false;
      else {
        const value = Number(cell);
        if (keepNumbers[c]) numbers[c]!.push(value);
        if (labelCell !== null) {
          const range = ranges[c]!.get(labelCell);
          if (range === undefined) ranges[c]!.set(labelCell, { min: value, max: value });
          else {
            if (value < range.min) range.min = value;
            if (value > range.max) range.max = value;
          }
        }
      }
      const seen = values[c];
      if (seen === null || seen === undefined) return;
      seen.set(cell, (seen.get(cell) ?? 0) + 1);
      if (labelCell !== null) {
        const classes = classesOf[c]!.get(cell);
        if (classes === undefined) classesOf[c]!.set(cell, new Set([labelCell]));
        else classes.add(labelCell);
      }
      if (seen.size > MAX_DISTINCT) values[c] = null;
    });
  }, (names) => {
    keepNumbers = names.map((name) => numbersOf.includes(name));
    labelAt = label === undefined ? -1 : names.indexOf(label);
  }, delimiter);
  return {
    delimiter,
    decimal: decimalComma ? ',' : '.',
    rows,
    columns: header.map((name, c) => ({
      name,
      numeric: rows === 0 || (numeric[c] ?? true),
      missing: missing[c] ?? 0,
      // null (too many values) must stay null: `??` would turn it into an empty map.
      values: values[c] === undefined ? new Map() : values[c]!,
      numbers: numeric[c] ? (numbers[c] ?? []) : [],
      classRanges: labelAt >= 0 && numeric[c] && c !== labelAt ? (ranges[c] ?? new Map()) : null,
      classesByValue: labelAt >= 0 && c !== labelAt && values[c] !== null ? (classesOf[c] ?? new Map()) : null,
      // A column with no cell present, or none but missing ones, is not a date column.
      years: years[c] && years[c]!.size > 0 ? years[c]! : null,
    })),
  };
}
