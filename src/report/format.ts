// Number, duration and size formatting for report text. Pure; main thread. (The CLI has its own:
// the report must not import the CLI.)

/** Up to `digits` decimals, trailing zeros dropped; exponent form for very small or large values. */
export function fmt(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e6)) return value.toExponential(2);
  return Number(value.toFixed(digits)).toString();
}

export function fmtSigned(value: number | null | undefined, digits = 3): string {
  const text = fmt(value, digits);
  return value !== null && value !== undefined && value > 0 ? `+${text}` : text;
}

export function fmtPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** 1234567 → "1,234,567". */
export function fmtCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function fmtDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function fmtParam(value: unknown): string {
  if (typeof value === 'number') return fmt(value);
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  return String(value);
}

export function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
