// The synthetic subset objective of the `subsets` benchmark: a transfer gain over 12 sources with
// individual effects (some harmful), pairwise synergies and conflicts, and a dilution penalty on
// large selections. Each seed draws its own instance; the optimum is found by enumerating subsets.
import { Rng, mixSeed } from '../src/util/rng.js';

export interface SubsetInstance {
  readonly sources: number;
  /** Gain of each source alone. */
  readonly single: readonly number[];
  /** Extra gain when both sources of a pair are chosen: [i, j, gain] (negative: a conflict). */
  readonly pairs: readonly (readonly [number, number, number])[];
  /** Subtracted: dilution * |S|^2 (each extra source weighs a bit less). */
  readonly dilution: number;
  readonly best: number;
  readonly worst: number;
}

export function makeInstance(seed: number, sources = 12): SubsetInstance {
  const rng = new Rng(mixSeed(0x5b5e7, seed));
  const single = Array.from({ length: sources }, (_, i) => {
    if (i < 5) return rng.uniform(0.4, 1.0); // helpful
    if (i < 9) return rng.uniform(-0.1, 0.2); // about neutral
    return rng.uniform(-1.0, -0.4); // harmful
  });
  rng.shuffle(single);
  const all: [number, number][] = [];
  for (let i = 0; i < sources; i++) for (let j = i + 1; j < sources; j++) all.push([i, j]);
  rng.shuffle(all);
  const pairs = all.slice(0, 16).map(([i, j], k) => [i, j, (k < 8 ? 1 : -1) * rng.uniform(0.4, 1.0)] as const);
  const partial = { sources, single, pairs, dilution: 0.05 };
  let best = -Infinity;
  let worst = Infinity;
  for (let mask = 0; mask < 1 << sources; mask++) {
    const v = evaluateMask(partial, mask);
    best = Math.max(best, v);
    worst = Math.min(worst, v);
  }
  return { ...partial, best, worst };
}

type Coefficients = Pick<SubsetInstance, 'sources' | 'single' | 'pairs' | 'dilution'>;

export function evaluateMask(inst: Coefficients, mask: number): number {
  let v = 0;
  let size = 0;
  for (let i = 0; i < inst.sources; i++) {
    if (mask & (1 << i)) {
      v += inst.single[i] as number;
      size++;
    }
  }
  for (const [i, j, gain] of inst.pairs) if (mask & (1 << i) && mask & (1 << j)) v += gain;
  return v - inst.dilution * size * size;
}

/** Value of a subset given as source indices. */
export function evaluate(inst: Coefficients, chosen: readonly number[]): number {
  let mask = 0;
  for (const i of chosen) mask |= 1 << i;
  return evaluateMask(inst, mask);
}

/** Regret normalised by the instance's range: 0 at the optimum, 1 at the worst subset. */
export function normalisedRegret(inst: SubsetInstance, value: number): number {
  return (inst.best - value) / (inst.best - inst.worst);
}
