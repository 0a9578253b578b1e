// One-hot encoding of a CSV's categorical columns (a dataset's `categorical`): how a cell names its
// category, the order of a column's values, the indicator features' names, and the map a predictor
// uses to turn a raw row into them. Both threads; must not import tfjs, the store, the CLI or YAML.
import { DECIMAL } from './row-conditions.js';
import type { CategoryEncoding } from '../spec/tasks.js';

/**
 * The category a trimmed cell names: a number in its canonical form (`1.0` and `1` are one code, as
 * labels are), other text as written. Decimal commas are the caller's to point first.
 */
export function categoryOf(cell: string): string {
  return DECIMAL.test(cell) ? String(Number(cell)) : cell;
}

/** Distinct categories in order: as numbers when every one is a number, else by code unit (as class names). */
export function orderedCategories(values: Iterable<string>): string[] {
  const distinct = [...new Set(values)];
  if (distinct.every((v) => DECIMAL.test(v))) return distinct.sort((a, b) => Number(a) - Number(b));
  return distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The indicator feature of `value` in `column`. */
export function indicatorName(column: string, value: string): string {
  return `${column}=${value}`;
}

/** Every indicator feature's name → its column and value (what a predictor reads a raw row with). */
export function indicatorsOf(encodings: readonly CategoryEncoding[] | undefined): Map<string, { readonly column: string; readonly value: string }> {
  const out = new Map<string, { column: string; value: string }>();
  for (const { column, values } of encodings ?? []) for (const value of values) out.set(indicatorName(column, value), { column, value });
  return out;
}
