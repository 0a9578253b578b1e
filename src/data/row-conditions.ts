// Which rows of a CSV a dataset keeps (`where`, several domains in one file): each condition becomes a
// test of one cell's text; a quantile condition first becomes bounds from its column's values over
// every data row of the file. Runs on both threads. Must not import tfjs, the store, the CLI or YAML.
import { DataFieldError } from '../errors.js';
import type { RowCondition } from '../spec/tasks.js';

/** A decimal number as a CSV cell writes it (no NaN, no Infinity). */
export const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number written with a decimal comma (`1,5`, `-0,25e3`). */
const DECIMAL_COMMA = /^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$/;

/** `cell` with its decimal comma made a point when it is a number written so; any other cell as it is. */
export function pointDecimal(cell: string): string {
  return DECIMAL_COMMA.test(cell) ? cell.replace(',', '.') : cell;
}

/** A cell that spreadsheets, R, pandas and the UCI files write for a missing value. */
const MISSING = /^(?:|\?|na|n\/a|nan|null|none|#n\/a)$/i;

/** Whether a (trimmed) cell is a missing value (`missing: drop` leaves its row out). */
export function isMissingCell(cell: string): boolean {
  return MISSING.test(cell);
}

/** One condition, bound to its column's index in the header. */
export interface ColumnTest {
  readonly column: number;
  /** Whether the row's cell (trimmed) passes; throws DataFieldError for a bound on a cell that is not a number. */
  readonly test: (cell: string, lineNumber: number) => boolean;
}

/** A column's trimmed cells in row order, each with its line number (for the quantile bounds). */
export type ColumnCells = (column: number) => readonly { readonly cell: string; readonly line: number }[];

/**
 * The tests of `where` against the file's header. Throws DataFieldError (at `where.COLUMN`) for a
 * column the header does not have and for a quantile column holding a cell that is not a number.
 */
export function columnTests(path: string, header: readonly string[], where: readonly RowCondition[], cellsOf: ColumnCells): ColumnTest[] {
  return where.map((condition) => {
    const column = header.indexOf(condition.column);
    const field = ['where', condition.column];
    if (column < 0) throw new DataFieldError(`${path}: where: column ${JSON.stringify(condition.column)} not found`, field);
    const number = (cell: string, line: number): number => {
      if (!DECIMAL.test(cell)) {
        // A bound of a range may be text; a quantile's may not (it is a share of the sorted numbers).
        const hint = condition.kind === 'range' ? `; to compare text (a date), quote the bounds: { min: "2015", max: "2016" }` : '';
        throw new DataFieldError(
          `${path}: row ${line} column ${JSON.stringify(condition.column)}: ${JSON.stringify(cell)} is not a number (where compares it with a number${hint})`,
          field,
        );
      }
      return Number(cell);
    };
    switch (condition.kind) {
      case 'in': {
        const texts = new Set(condition.values.map(String));
        const numbers = new Set(condition.values.map(numericValue).filter((v) => !Number.isNaN(v)));
        return { column, test: (cell) => texts.has(cell) || (numbers.size > 0 && DECIMAL.test(cell) && numbers.has(Number(cell))) };
      }
      case 'range': {
        if (isTextRange(condition)) {
          // As `in` compares: as numbers where the cell and the bound both are, else as text.
          const above = textBound(condition.min);
          const below = textBound(condition.max);
          return { column, test: (cell) => (above === null || above(cell) >= 0) && (below === null || below(cell) < 0) };
        }
        const low = condition.min ?? -Infinity;
        const high = condition.max ?? Infinity;
        return { column, test: (cell, line) => inRange(number(cell, line), low as number, high as number) };
      }
      case 'quantile': {
        const sorted = Float64Array.from(cellsOf(column), ({ cell, line }) => number(cell, line)).sort();
        const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
        const low = condition.low <= 0 ? -Infinity : at(condition.low);
        const high = condition.high >= 1 ? Infinity : at(condition.high);
        return { column, test: (cell, line) => inRange(number(cell, line), low, high) };
      }
    }
  });
}

const inRange = (value: number, low: number, high: number) => value >= low && value < high;

/** A range with a bound given as text: the cells that are not numbers then compare as text, by code unit. */
export function isTextRange(range: { readonly min?: number | string; readonly max?: number | string }): boolean {
  return typeof range.min === 'string' || typeof range.max === 'string';
}

/**
 * The sign of cell - bound for a bound of a text range: as numbers when both are numbers (a quoted
 * "9" still orders 10 above it), else as text by code unit (dates written year first in time order).
 */
export function compareBound(cell: string, bound: string): number {
  if (DECIMAL.test(cell) && DECIMAL.test(bound)) return Math.sign(Number(cell) - Number(bound));
  return cell < bound ? -1 : cell > bound ? 1 : 0;
}

function textBound(bound: number | string | undefined): ((cell: string) => number) | null {
  if (bound === undefined) return null;
  const text = String(bound).trim();
  return (cell) => compareBound(cell, text);
}

function numericValue(value: string | number): number {
  if (typeof value === 'number') return value;
  return DECIMAL.test(value.trim()) ? Number(value) : Number.NaN;
}

/** `where` in words, for messages: `site in [a, b]`, `age in [40, 60)`, `texture in quantiles [0, 0.25)`. */
export function describeWhere(where: readonly RowCondition[]): string {
  return where
    .map((c) => {
      const name = JSON.stringify(c.column);
      if (c.kind === 'in') return `${name} in [${c.values.map((v) => JSON.stringify(v)).join(', ')}]`;
      if (c.kind === 'range' && isTextRange(c)) {
        const [min, max] = [c.min, c.max].map((v) => (v === undefined ? undefined : JSON.stringify(String(v))));
        return `${name} ${min === undefined ? `< ${max}` : max === undefined ? `>= ${min}` : `in [${min}, ${max})`}`;
      }
      if (c.kind === 'range') return `${name} in [${c.min ?? '-inf'}, ${c.max ?? 'inf'})`;
      return `${name} in quantiles [${c.low}, ${c.high}${c.high >= 1 ? ']' : ')'}`;
    })
    .join(' and ');
}
