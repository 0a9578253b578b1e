// The problems of the `multiobjective` benchmark: ZDT1, ZDT2, ZDT3 (Zitzler, Deb and Thiele 2000) and
// DTLZ2 with 3 objectives (Deb et al. 2002), all minimised over [0, 1]^n, with the reference point
// their hypervolume is measured against. The Python peer (bench/peers/optuna_multiobjective.py) poses
// the same problems by name and dimension; the values it returns are scored by our hypervolume code.
import type { Params, SearchSpace } from '../src/spec/space.js';

export interface MoProblem {
  readonly name: string;
  readonly dim: number;
  readonly objectives: number;
  /** Objective values (all minimised) at x in [0, 1]^dim. */
  readonly f: (x: readonly number[]) => number[];
  /**
   * Hypervolume reference point: a little beyond the worst value random points reach often in each
   * objective, so that the figure measures progress toward the front rather than the box.
   */
  readonly reference: readonly number[];
}

function g(x: readonly number[]): number {
  let sum = 0;
  for (let i = 1; i < x.length; i++) sum += x[i]!;
  return 1 + (9 * sum) / (x.length - 1);
}

function zdt(name: string, dim: number, h: (f1: number, gx: number) => number): MoProblem {
  return {
    name: `${name}_${dim}d`,
    dim,
    objectives: 2,
    f: (x) => {
      const gx = g(x);
      return [x[0]!, gx * h(x[0]!, gx)];
    },
    reference: [1.1, 10],
  };
}

export function dtlz2(dim: number): MoProblem {
  return {
    name: `dtlz2_${dim}d`,
    dim,
    objectives: 3,
    f: (x) => {
      let gx = 0;
      for (let i = 2; i < x.length; i++) gx += (x[i]! - 0.5) ** 2;
      const a = (x[0]! * Math.PI) / 2;
      const b = (x[1]! * Math.PI) / 2;
      return [(1 + gx) * Math.cos(a) * Math.cos(b), (1 + gx) * Math.cos(a) * Math.sin(b), (1 + gx) * Math.sin(a)];
    },
    reference: [2.5, 2.5, 2.5],
  };
}

export function moProblems(dim: number): MoProblem[] {
  return [
    zdt('zdt1', dim, (f1, gx) => 1 - Math.sqrt(f1 / gx)),
    zdt('zdt2', dim, (f1, gx) => 1 - (f1 / gx) ** 2),
    zdt('zdt3', dim, (f1, gx) => 1 - Math.sqrt(f1 / gx) - (f1 / gx) * Math.sin(10 * Math.PI * f1)),
    // DTLZ2 with M = 3 objectives and k = 10 distance variables: n = M + k - 1 = 12.
    dtlz2(12),
  ];
}

export function moSpace(dim: number): SearchSpace {
  return Array.from({ length: dim }, (_, i) => ({ name: `x${i}`, distribution: { type: 'float', low: 0, high: 1, log: false } }));
}

export function coordinates(params: Params, dim: number): number[] {
  return Array.from({ length: dim }, (_, i) => params[`x${i}`] as number);
}
