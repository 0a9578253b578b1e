// Shares, counts and timestamps for report text. Pure; main thread. Numbers, durations, parameter
// values and source subsets are written as the CLI writes them: src/util/format.ts.

export function fmtPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** 1234567 → "1,234,567". */
export function fmtCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
