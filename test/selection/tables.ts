// Hand-made trial tables with known source effects, for the selection statistics' tests.
import type { Objective } from '../../src/spec/study.js';
import type { TrialRow, TrialTable } from '../../src/selection/trial-table.js';
import { Rng } from '../../src/util/rng.js';

export const OBJECTIVE: Objective = { metric: 'accuracy', direction: 'maximize', aggregate: 'mean', on: 'gain' };

/** Every subset of `sources` (bit i of the mask: source i included). */
export function allSubsets(sources: readonly string[]): string[][] {
  return Array.from({ length: 2 ** sources.length }, (_, mask) => sources.filter((_, i) => (mask >> i) & 1));
}

export interface TableSpec {
  readonly sources: readonly string[];
  /** Per source, the true change of the gain when it is added (per target: target -> effect). */
  readonly effects: Readonly<Record<string, number | Readonly<Record<string, number>>>>;
  readonly targets?: readonly string[];
  readonly seeds?: number;
  /** Std of the per-unit noise. */
  readonly noise?: number;
  /** Recipes (each evaluated with every subset): learning rates, which have no effect on the gain. */
  readonly learningRates?: readonly number[];
  readonly subsets?: readonly (readonly string[])[];
  readonly seed?: number;
  readonly objective?: Objective;
  /** Extra gain when both sources of a pair are in the subset: `a,b` -> amount. */
  readonly pairs?: Readonly<Record<string, number>>;
  /** Per trial (in order), its learning rate; default: every subset once per rate of learningRates. */
  readonly plan?: readonly (readonly [readonly string[], number])[];
}

/** gain(unit) = sum of the included sources' effects (on that target) + Gaussian noise; value = gain. */
export function table(spec: TableSpec): TrialTable {
  const targets = spec.targets ?? ['t1', 't2'];
  const rng = new Rng(spec.seed ?? 1);
  const trials: TrialRow[] = [];
  const plan =
    spec.plan ?? (spec.learningRates ?? [0.01, 0.02]).flatMap((lr) => (spec.subsets ?? allSubsets(spec.sources)).map((s) => [s, lr] as const));
  for (const [subset, learning_rate] of plan) {
    {
      const units = targets.flatMap((target) =>
        Array.from({ length: spec.seeds ?? 3 }, (_, seedIndex) => {
          let gain = (spec.noise ?? 0.02) * rng.normal();
          for (const s of subset) {
            const e = spec.effects[s] ?? 0;
            gain += typeof e === 'number' ? e : (e[target] ?? 0);
          }
          for (const [pair, amount] of Object.entries(spec.pairs ?? {})) {
            if (pair.split(',').every((s) => subset.includes(s))) gain += amount;
          }
          return { target, seedIndex, value: gain, gain };
        }),
      );
      trials.push({ number: trials.length, sources: [...subset], recipe: { learning_rate }, units });
    }
  }
  return { sources: spec.sources, targets, objective: spec.objective ?? OBJECTIVE, trials };
}
