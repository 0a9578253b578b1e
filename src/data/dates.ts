// Cells that are dates written year first (2015-03-01, 2015/03/01, 2015.03.01, with or without a
// time after them): as text they sort in time order, so a `where` range with text bounds ("2015",
// "2016") keeps one year, which is how `tasksieve init` makes a domain per year of a date column.
// Runs on both threads. Must not import tfjs, the store, the CLI or YAML parsing.

/** Year, month, an optional day, then an optional time (after a space or a T). */
const YEAR_FIRST_DATE = /^(\d{4})[-/.](?:0?[1-9]|1[0-2])(?:[-/.](?:0?[1-9]|[12]\d|3[01]))?(?:[ T].*)?$/;

/** The year of a date written year first, or null for any other cell. */
export function yearOf(cell: string): string | null {
  const match = YEAR_FIRST_DATE.exec(cell);
  return match === null ? null : match[1]!;
}

/** The year after `year` (four digits), the exclusive upper bound of its range as text. */
export function nextYear(year: string): string {
  return String(Number(year) + 1).padStart(4, '0');
}
