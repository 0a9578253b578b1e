// Per-source inclusion vs objective: for each candidate source, the objective of the finished trials
// that included it against those that did not, with a Welch 95% interval for the difference. An
// association, not an attribution: sources chosen together share the credit. Main thread; pure.
import { mean, sampleStd } from '../metrics/aggregate.js';

export interface InclusionTrial {
  readonly number: number;
  readonly value: number;
  readonly sources: readonly string[];
}

export interface InclusionSide {
  readonly n: number;
  readonly mean: number | null;
}

export interface SourceInclusion {
  readonly source: string;
  readonly with: InclusionSide;
  readonly without: InclusionSide;
  /** Mean with minus mean without (null when either side is empty). */
  readonly difference: number | null;
  /** 95% Welch interval of the difference (null with fewer than 2 trials on a side or no spread). */
  readonly interval: readonly [number, number] | null;
  /** Whether the interval excludes 0 on the side the direction counts as worse / better. */
  readonly worse: boolean;
  readonly better: boolean;
}

export function sourceInclusion(
  trials: readonly InclusionTrial[],
  sources: readonly string[],
  direction: 'maximize' | 'minimize',
): SourceInclusion[] {
  return sources.map((source) => {
    const withValues: number[] = [];
    const withoutValues: number[] = [];
    for (const trial of trials) (trial.sources.includes(source) ? withValues : withoutValues).push(trial.value);
    const side = (values: number[]): InclusionSide => ({ n: values.length, mean: values.length > 0 ? mean(values) : null });
    const a = side(withValues);
    const b = side(withoutValues);
    const difference = a.mean !== null && b.mean !== null ? a.mean - b.mean : null;
    const interval = welchInterval(withValues, withoutValues);
    const sign = direction === 'maximize' ? 1 : -1;
    return {
      source,
      with: a,
      without: b,
      difference,
      interval,
      worse: interval !== null && (sign > 0 ? interval[1] < 0 : interval[0] > 0),
      better: interval !== null && (sign > 0 ? interval[0] > 0 : interval[1] < 0),
    };
  });
}

/** 95% interval of mean(a) - mean(b) with unequal variances (Welch-Satterthwaite degrees of freedom). */
export function welchInterval(a: readonly number[], b: readonly number[]): readonly [number, number] | null {
  if (a.length < 2 || b.length < 2) return null;
  const va = sampleStd(a) ** 2 / a.length;
  const vb = sampleStd(b) ** 2 / b.length;
  const se = Math.sqrt(va + vb);
  if (!(se > 0)) return null;
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const d = mean(a) - mean(b);
  const half = tQuantile975(df) * se;
  return [d - half, d + half];
}

// Two-sided 95% critical values of Student's t for 1..30 degrees of freedom.
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12,
  2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 97.5% quantile of Student's t; fractional df round down (a slightly wider, safe interval). */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) return T975[0]!;
  if (df <= 30) return T975[Math.floor(df) - 1]!;
  // Cornish-Fisher expansion around the normal quantile: within 1e-4 of the exact value past 30 df.
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}
