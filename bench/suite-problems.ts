// The problems of the `samplers` benchmark, each with its search space, its objective per seed (BBOB
// and subset instances differ by seed, so sampler comparisons pair by seed), its regret, and the
// JSON the Python peer needs to pose the same problem (bench/peers/optuna_suite.py).
import type { Params, SearchSpace } from '../src/spec/space.js';
import { BBOB_NAMES, bbobInstance, bbobValue, type BbobInstance } from './bbob.js';
import { evaluate, makeInstance, normalisedRegret, type SubsetInstance } from './subset-objective.js';
import { logRegret, TEST_FUNCTIONS, type TestFunction } from './test-functions.js';

export interface Problem {
  readonly name: string;
  /** bbob, classic (the five functions of the earlier benchmark), mixed or subset. */
  readonly family: 'bbob' | 'classic' | 'mixed' | 'subset';
  readonly space: SearchSpace;
  /** Our samplers minimise this (the subset problem: minus the transfer gain). */
  objective(params: Params, seed: number): number;
  /** log10 of the regret of a best-so-far value (of `objective`), floored at -12. */
  logRegret(best: number, seed: number): number;
  /** The problem as the Python peer reads it. */
  peer(seeds: readonly number[]): Record<string, unknown>;
}

const box = (bounds: readonly (readonly [number, number])[]): SearchSpace =>
  bounds.map(([low, high], i) => ({ name: `x${i}`, distribution: { type: 'float', low, high, log: false } }));
const xs = (p: Params, n: number) => Array.from({ length: n }, (_, i) => p[`x${i}`] as number);

export function bbobProblem(fid: number, dim: number): Problem {
  const cache = new Map<number, BbobInstance>();
  const inst = (seed: number) => {
    let i = cache.get(seed);
    if (i === undefined) cache.set(seed, (i = bbobInstance(fid, dim, seed)));
    return i;
  };
  return {
    name: `f${fid}_${BBOB_NAMES[fid - 1]}_${dim}d`,
    family: 'bbob',
    space: box(Array.from({ length: dim }, () => [-5, 5] as const)),
    objective: (p, seed) => bbobValue(inst(seed), xs(p, dim)),
    logRegret: (best) => logRegret(best, 0),
    peer: (seeds) => ({ kind: 'bbob', instances: Object.fromEntries(seeds.map((s) => [String(s), inst(s)])) }),
  };
}

export function classicProblem(fn: TestFunction): Problem {
  return {
    name: fn.name,
    family: 'classic',
    space: box(fn.bounds),
    objective: (p) => fn.f(xs(p, fn.bounds.length)),
    logRegret: (best) => logRegret(best, fn.minimum),
    peer: () => ({ kind: 'classic', function: fn.name, bounds: fn.bounds }),
  };
}

/**
 * A conditional mixed space like a training recipe's: the optimizer (momentum only for sgd), a log
 * learning rate whose best value depends on the optimizer and the width, an int, a log int, a float
 * and another categorical. Minimum -0.02 (sgd, momentum 0.9, lr 10^-1, 3 layers of 128, dropout 0.2, gelu).
 */
export const MIXED_SPACE: SearchSpace = [
  { name: 'optimizer', distribution: { type: 'categorical', choices: ['sgd', 'adam', 'rmsprop'] } },
  { name: 'lr', distribution: { type: 'float', low: 1e-5, high: 1, log: true } },
  { name: 'momentum', distribution: { type: 'float', low: 0, high: 0.99, log: false }, when: { optimizer: ['sgd'] } },
  { name: 'layers', distribution: { type: 'int', low: 1, high: 6, log: false, step: 1 } },
  { name: 'width', distribution: { type: 'int', low: 8, high: 512, log: true, step: 1 } },
  { name: 'dropout', distribution: { type: 'float', low: 0, high: 0.5, log: false } },
  { name: 'activation', distribution: { type: 'categorical', choices: ['relu', 'tanh', 'gelu'] } },
];

export function mixedValue(p: Params): number {
  const opt = p.optimizer as string;
  const width = Math.log2(p.width as number);
  const shift = -0.2 * (width - 7);
  const [bestLr, extra, base] =
    opt === 'sgd' ? [-1 + shift, 2 * ((p.momentum as number) - 0.9) ** 2, 0] : opt === 'adam' ? [-3 + shift, 0, 0.05] : [-3.5 + shift, 0, 0.08];
  const act = ({ relu: 0, tanh: 0.05, gelu: -0.02 } as Record<string, number>)[p.activation as string]!;
  const layers = p.layers as number;
  return (
    base +
    extra +
    0.3 * (Math.log10(p.lr as number) - bestLr) ** 2 +
    0.05 * (layers - 3) ** 2 +
    0.025 * (width - 7) ** 2 +
    ((p.dropout as number) - 0.2) ** 2 * (1 + 0.5 * layers) +
    act
  );
}

export const mixedProblem: Problem = {
  name: 'mixed_conditional',
  family: 'mixed',
  space: MIXED_SPACE,
  objective: (p) => mixedValue(p),
  logRegret: (best) => logRegret(best, -0.02),
  peer: () => ({ kind: 'mixed' }),
};

export function subsetProblem(sources: number): Problem {
  const items = Array.from({ length: sources }, (_, i) => `s${i}`);
  const cache = new Map<number, SubsetInstance>();
  const inst = (seed: number) => {
    let i = cache.get(seed);
    if (i === undefined) cache.set(seed, (i = makeInstance(seed, sources)));
    return i;
  };
  return {
    name: `subset_${sources}`,
    family: 'subset',
    space: [{ name: 'sources', distribution: { type: 'subset', items, min: 0, max: sources } }],
    objective: (p, seed) => -evaluate(inst(seed), (p.sources as string[]).map((n) => items.indexOf(n))),
    logRegret: (best, seed) => Math.log10(Math.max(normalisedRegret(inst(seed), -best), 1e-12)),
    peer: (seeds) => ({ kind: 'subset', instances: Object.fromEntries(seeds.map((s) => [String(s), { ...inst(s) }])) }),
  };
}

/** The whole suite: BBOB f1-f24 at each dimension, the five classic functions, mixed, subset. */
export function suite(dims: readonly number[], functions: readonly number[]): Problem[] {
  const out: Problem[] = [];
  for (const dim of dims) for (const fid of functions) out.push(bbobProblem(fid, dim));
  out.push(...TEST_FUNCTIONS.map(classicProblem), mixedProblem, subsetProblem(10));
  return out;
}
