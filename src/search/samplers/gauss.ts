// Truncated-normal kernels for the Parzen estimators: log densities, log interval masses and draws.
// Main thread; pure numbers (no store, no config). Works in log space so far tails never underflow.
import type { Rng } from '../../util/rng.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT1_2 = Math.SQRT1_2;

/**
 * log(erfc(z)) for z >= 0 (Numerical Recipes' erfcc, relative error < 1.2e-7 everywhere): the form
 * t * exp(-z^2 + poly(t)) keeps full relative precision in the tail, where erfc itself underflows.
 */
function logErfcPositive(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - z * z + poly;
}

/** log P(Z > x) for a standard normal Z. */
export function logUpperTail(x: number): number {
  if (x >= 0) return logErfcPositive(x * SQRT1_2) - Math.LN2;
  // P(Z > x) = 1 - P(Z > -x), and P(Z > -x) <= 1/2 here.
  return Math.log1p(-Math.exp(logErfcPositive(-x * SQRT1_2) - Math.LN2));
}

/** log P(a < Z < b) for a standard normal Z (a < b), accurate when both ends lie in one tail. */
export function logGaussMass(a: number, b: number): number {
  if (b <= a) return -Infinity;
  // Both tails beyond 9 sigma hold < 1e-18: the mass is 1 to double precision. The common case
  // (a narrow kernel inside its range), so it is worth skipping two tail evaluations.
  if (a < -9 && b > 9) return 0;
  if (a >= 0) return logDiff(logUpperTail(a), logUpperTail(b));
  if (b <= 0) return logDiff(logUpperTail(-b), logUpperTail(-a));
  // The interval straddles 0: 1 - P(Z < a) - P(Z > b), both tails at most 1/2.
  return Math.log1p(-Math.exp(logUpperTail(-a)) - Math.exp(logUpperTail(b)));
}

/** log(exp(x) - exp(y)) for x >= y. */
function logDiff(x: number, y: number): number {
  if (y === -Infinity) return x;
  const d = y - x;
  return d >= 0 ? -Infinity : x + Math.log1p(-Math.exp(d));
}

/** Log density at x of N(mu, sigma) truncated to [low, high]. */
export function truncNormLogPdf(x: number, mu: number, sigma: number, low: number, high: number): number {
  const z = (x - mu) / sigma;
  return -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - logGaussMass((low - mu) / sigma, (high - mu) / sigma);
}

/** A draw of N(mu, sigma) truncated to [low, high]: rejection, then inverse-free fallback to clamping. */
export function truncNormSample(rng: Rng, mu: number, sigma: number, low: number, high: number): number {
  // mu lies in [low, high] and sigma <= high - low for every kernel here, so acceptance is >= ~1/3.
  for (let attempt = 0; attempt < 32; attempt++) {
    const x = mu + sigma * rng.normal();
    if (x >= low && x <= high) return x;
  }
  return Math.min(high, Math.max(low, mu));
}

/** log(sum(exp(values))) of the first n entries, stable. */
export function logSumExp(values: Float64Array, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if ((values[i] as number) > max) max = values[i] as number;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp((values[i] as number) - max);
  return max + Math.log(sum);
}
