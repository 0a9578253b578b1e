// Batch augmentation on plain arrays: Gaussian input noise and mixup (Zhang et al. 2018), drawn from
// the caller's seeded RNG. Pure (no tfjs); worker side. Must not import the store, the CLI or YAML.
import type { Rng } from '../util/rng.js';

/** Adds std * N(0, 1) to every value, in place. */
export function addNoise(values: Float32Array, std: number, rng: Rng): void {
  for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) + std * rng.normal();
}

/** A row-major array of `width` values per row that mixup mixes like the inputs. */
export interface MixedArray {
  readonly values: Float32Array;
  readonly width: number;
}

/**
 * Mixup, in place: lambda ~ Beta(alpha, alpha) once for the batch and a random pairing of its rows;
 * row i of every array becomes lambda * row i + (1 - lambda) * row partner(i) (inputs, targets, row
 * weights alike). Returns lambda.
 */
export function mixup(rng: Rng, alpha: number, n: number, arrays: readonly MixedArray[]): number {
  const lambda = sampleBeta(rng, alpha, alpha);
  const partner = rng.permutation(n);
  for (const { values, width } of arrays) {
    const source = Float32Array.from(values);
    for (let i = 0; i < n; i++) {
      const p = partner[i] as number;
      for (let k = 0; k < width; k++) {
        values[i * width + k] = lambda * (source[i * width + k] as number) + (1 - lambda) * (source[p * width + k] as number);
      }
    }
  }
  return lambda;
}

/** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function sampleBeta(rng: Rng, a: number, b: number): number {
  const x = sampleGamma(rng, a);
  const y = sampleGamma(rng, b);
  return x + y === 0 ? 0.5 : x / (x + y);
}

/** Gamma(shape, 1) by Marsaglia and Tsang (2000); shape < 1 through Gamma(shape + 1) * U^(1/shape). */
export function sampleGamma(rng: Rng, shape: number): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0 (got ${shape})`);
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = rng.next();
    return sampleGamma(rng, shape + 1) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}
