// How the bayes sampler sees a parameter: numeric and categorical values as coordinates of a Parzen
// estimator (log scale logged, grids widened by half a step), subsets as 0/1 flags. Main thread; pure.
import type { Distribution, ParamValue } from '../../spec/space.js';
import type { Dim } from './parzen-estimator.js';

export type ScalarDistribution = Exclude<Distribution, { type: 'subset' }>;

/** The estimator dimension of a scalar distribution. */
export function dimOf(dist: ScalarDistribution): Dim {
  switch (dist.type) {
    case 'float':
      return dist.log
        ? { kind: 'numeric', low: Math.log(dist.low), high: Math.log(dist.high), q: null }
        : { kind: 'numeric', low: dist.low, high: dist.high, q: null };
    case 'int':
      // As in Optuna: a log int is a continuous kernel over the log of [low - 1/2, high + 1/2], rounded
      // when decoded; a linear int is a grid whose cells are one step wide.
      return dist.log
        ? { kind: 'numeric', low: Math.log(dist.low - 0.5), high: Math.log(dist.high + 0.5), q: null }
        : { kind: 'numeric', low: dist.low - dist.step / 2, high: dist.high + dist.step / 2, q: dist.step };
    case 'categorical':
      return { kind: 'categorical', size: dist.choices.length };
  }
}

/** Internal coordinate of a stored value, or null when it is not a value of the distribution. */
export function encode(dist: ScalarDistribution, value: ParamValue | undefined): number | null {
  switch (dist.type) {
    case 'float':
    case 'int': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return null;
      const v = Math.min(dist.high, Math.max(dist.low, value));
      return dist.log ? Math.log(v) : v;
    }
    case 'categorical': {
      const index = dist.choices.indexOf(value as string | number | boolean);
      return index < 0 ? null : index;
    }
  }
}

/** The grid coordinate a drawn coordinate stands for (identity for continuous dimensions). */
export function snap(dist: ScalarDistribution, x: number): number {
  if (dist.type === 'int' && !dist.log) {
    const k = Math.round((x - dist.low) / dist.step);
    const steps = Math.floor((dist.high - dist.low) / dist.step);
    return dist.low + dist.step * Math.min(steps, Math.max(0, k));
  }
  return x;
}

/** The parameter value of an internal coordinate. */
export function decode(dist: ScalarDistribution, x: number): ParamValue {
  switch (dist.type) {
    case 'float': {
      const v = dist.log ? Math.exp(x) : x;
      return Math.min(dist.high, Math.max(dist.low, v));
    }
    case 'int': {
      if (!dist.log) return snap(dist, x);
      return Math.min(dist.high, Math.max(dist.low, Math.round(Math.exp(x))));
    }
    case 'categorical':
      return dist.choices[x] as string | number | boolean;
  }
}

/** 0/1 flags of a stored subset over `items` (unknown names ignored), or null when it is not a list. */
export function encodeSubset(items: readonly string[], value: ParamValue | undefined, out: Uint8Array, offset: number): boolean {
  if (!Array.isArray(value)) return false;
  for (const name of value as readonly string[]) {
    const i = items.indexOf(name);
    if (i >= 0) out[offset + i] = 1;
  }
  return true;
}

/** The stored form of a subset: chosen names in the order of `items`. */
export function decodeSubset(items: readonly string[], flags: Uint8Array): readonly string[] {
  return items.filter((_, i) => flags[i] !== 0);
}
