// How numbers, durations, parameter values and source subsets are written in text, the same in the
// CLI and in the HTML report (both import it; it imports nothing). Pure; either thread.

/** Up to `digits` decimals, trailing zeros dropped; exponent form below 1e-3 and from 1e5 up; null: '-'. */
export function fmtNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e5)) return value.toExponential(2);
  return Number(value.toFixed(digits)).toString();
}

/**
 * fmtNumber keeping its trailing zeros (`0.4300`, not `0.43`), for a column of values that should
 * line up by their decimals; an exponent (or '-') where fmtNumber writes one.
 */
export function fmtFixed(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return fmtNumber(value, digits);
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e5)) return fmtNumber(value, digits);
  return value.toFixed(digits);
}

/** Below this a gain or effect (a difference of metrics of at most millions of rows) is floating-point noise. */
const ROUNDING_NOISE = 1e-12;

/**
 * fmtNumber with 3 decimals and a '+' on positive values (gains, effects). A value that shows at
 * those decimals stays in decimals (`+0.001`, not fmtNumber's `+9.91e-4` beside `+0.142` in one
 * interval); only one that would round to 0 there keeps the exponent, so its sign still shows.
 */
export function fmtSigned(value: number | null | undefined, digits = 3): string {
  // A difference of equal means summed in another order (a gain of -2.2e-17) is rounding, not a sign.
  if (value !== null && value !== undefined && Math.abs(value) < ROUNDING_NOISE) return '0';
  const shows = value !== null && value !== undefined && Math.abs(value) >= 0.5 * 10 ** -digits && Math.abs(value) < 1e5;
  const text = shows ? Number(value.toFixed(digits)).toString() : fmtNumber(value, digits);
  return value !== null && value !== undefined && value > 0 ? `+${text}` : text;
}

/** `[-0.12, +0.03]`: an interval of signed values (gains, effects); `signed: false` for a metric's ([0.91, 0.95]). */
export function fmtInterval(low: number, high: number, signed = true): string {
  return signed ? `[${fmtSigned(low)}, ${fmtSigned(high)}]` : `[${fmtNumber(low)}, ${fmtNumber(high)}]`;
}

/** `0.4s`, `12.3s`, `2m05s`, `1h02m`; '?' when unknown (not finite), '-' when absent. */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (!Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A parameter value: numbers as fmtNumber, lists as `[a,b]` (`separator` between items). */
export function fmtParam(value: unknown, separator = ','): string {
  if (typeof value === 'number') return fmtNumber(value);
  if (Array.isArray(value)) return `[${value.join(separator)}]`;
  return String(value);
}

/** How the empty source subset (the target-only baseline's) is written everywhere. */
export const TARGET_ONLY = '(target only)';

/**
 * A source subset: its names joined by `separator` (`a,b` in CLI tables, `a, b` in the report), each
 * followed by `mark(name)` (the harmful mark, or ''); the empty subset is TARGET_ONLY.
 */
export function fmtSubset(sources: readonly string[], separator = ',', mark: (source: string) => string = () => ''): string {
  return sources.length > 0 ? sources.map((s) => `${s}${mark(s)}`).join(separator) : TARGET_ONLY;
}

/** `y80-82: 36 rows, y83: 12 rows`: how many rows each target's figure rests on. */
export function fmtRowCounts(counts: Iterable<readonly [string, number]>): string {
  return [...counts].map(([target, n]) => `${target}: ${n} rows`).join(', ');
}

/** A share as a percentage: `8.3%`, `0.25%` under 1%. */
export function fmtPercent(share: number): string {
  return `${(share * 100).toFixed(share < 0.01 ? 2 : 1)}%`;
}
