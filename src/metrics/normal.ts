// The standard normal distribution's tails, accurate far out (a p-value, an expected improvement).
// Both threads; pure. Must not import the store, tfjs or the worker.

/** erfcx(t) = exp(t^2) erfc(t) for t >= 0 (Numerical Recipes' erfcc form, relative error < 1.2e-7). */
export function erfcx(t: number): number {
  const u = 1 / (1 + 0.5 * t);
  const poly =
    -1.26551223 +
    u * (1.00002368 + u * (0.37409196 + u * (0.09678418 + u * (-0.18628806 + u * (0.27886807 + u * (-1.13520398 + u * (1.48851587 + u * (-0.82215223 + u * 0.17087277))))))));
  return u * Math.exp(poly);
}

/** Standard normal CDF (to ~1e-7 relative, from the same erfc). */
export function normalCdf(z: number): number {
  const t = Math.abs(z) * Math.SQRT1_2;
  const tail = 0.5 * erfcx(t) * Math.exp(-t * t);
  return z >= 0 ? 1 - tail : tail;
}
