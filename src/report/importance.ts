// Parameter importance over finished trials: a small seeded random forest of regression trees and
// each search-space parameter's out-of-bag permutation importance (Breiman 2001). Main thread; pure
// (no store, no DOM); must not import the CLI or worker code.
import type { Distribution, ParamSpec, ParamValue, Params, SearchSpace } from '../spec/space.js';
import { sampleDistribution } from '../search/samplers/random-sampler.js';
import { Rng, mixSeed } from '../util/rng.js';

export interface ImportanceTrial {
  readonly params: Params;
  readonly value: number;
}

export interface ParamImportance {
  readonly param: string;
  /** Share of the total importance, in [0, 1]; the shares sum to 1 unless every one is 0. */
  readonly share: number;
  /** Mean increase of the out-of-bag squared error when this parameter's values are shuffled. */
  readonly mseIncrease: number;
}

export interface ImportanceResult {
  readonly method: string;
  readonly trials: number;
  readonly trees: number;
  /** Most important first. */
  readonly params: readonly ParamImportance[];
}

export interface ImportanceOptions {
  readonly trees?: number;
  readonly seed?: number;
  /** Smallest number of trials in a leaf. */
  readonly minLeaf?: number;
  readonly maxDepth?: number;
}

/** Fewer finished trials than this and the forest would mostly fit noise: no importance is given. */
export const MIN_IMPORTANCE_TRIALS = 5;

export const IMPORTANCE_METHOD =
  'random forest (bagged regression trees) with out-of-bag permutation importance';

interface Encoded {
  /** Row-major feature matrix: rows x columns. */
  readonly x: Float64Array;
  readonly columns: number;
  /** For each parameter, the columns that encode it (a subset has one column per item). */
  readonly groups: readonly { readonly param: string; readonly columns: readonly number[] }[];
}

interface Node {
  feature: number;
  threshold: number;
  left: number;
  right: number;
  value: number;
}

/**
 * How much each parameter explains of the variation of the objective. Returns the reason instead
 * when it cannot say (too few trials, no parameter, constant objective).
 */
export function paramImportance(
  space: SearchSpace,
  trials: readonly ImportanceTrial[],
  options: ImportanceOptions = {},
): ImportanceResult | { readonly reason: string } {
  const usable = trials.filter((t) => Number.isFinite(t.value));
  if (space.length === 0) return { reason: 'the search space has no parameter' };
  if (usable.length < MIN_IMPORTANCE_TRIALS) {
    return { reason: `needs at least ${MIN_IMPORTANCE_TRIALS} finished trials with a value (has ${usable.length})` };
  }
  const y = Float64Array.from(usable, (t) => t.value);
  if (y.every((v) => v === y[0])) return { reason: 'every finished trial has the same value' };

  const rng = new Rng(mixSeed(options.seed ?? 0, 0x1a9f));
  const encoded = encode(space, usable, rng);
  const trees = options.trees ?? 64;
  // Leaves of at least 2% of the trials: on large studies deeper splits only fit noise, and cost time.
  const minLeaf = options.minLeaf ?? Math.max(2, Math.floor(usable.length / 50));
  const maxDepth = options.maxDepth ?? 8;
  const n = usable.length;
  // Fewer candidate features per split than there are features decorrelates the trees, so a
  // parameter that is useful but never the single best split still gets credit.
  const mtry = Math.max(1, Math.ceil(encoded.columns * 0.6));

  const increase = new Float64Array(encoded.groups.length);
  let scoredTrees = 0;
  for (let t = 0; t < trees; t++) {
    const inBag = new Int32Array(n);
    const sample: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = rng.int(0, n - 1);
      inBag[row]! += 1;
      sample.push(row);
    }
    const oob: number[] = [];
    for (let i = 0; i < n; i++) if (inBag[i] === 0) oob.push(i);
    const tree = growTree(encoded, y, sample, { minLeaf, maxDepth, mtry, rng });
    if (oob.length < 2) continue;
    scoredTrees++;
    const base = oobError(tree, encoded, y, oob, null);
    encoded.groups.forEach((group, g) => {
      const perm = rng.permutation(oob.length);
      increase[g]! += oobError(tree, encoded, y, oob, { group: group.columns, perm }) - base;
    });
  }

  const raw = Array.from(increase, (sum) => (scoredTrees > 0 ? Math.max(0, sum / scoredTrees) : 0));
  const total = raw.reduce((a, b) => a + b, 0);
  const params = encoded.groups
    .map((group, g) => ({ param: group.param, mseIncrease: raw[g]!, share: total > 0 ? raw[g]! / total : 0 }))
    .sort((a, b) => b.share - a.share || a.param.localeCompare(b.param));
  return { method: IMPORTANCE_METHOD, trials: n, trees, params };
}

/** Numbers for the trees: log scale where the space samples in log scale, choices by index. */
function encode(space: SearchSpace, trials: readonly ImportanceTrial[], rng: Rng): Encoded {
  const groups: { param: string; columns: number[] }[] = [];
  let columns = 0;
  for (const param of space) {
    const width = param.distribution.type === 'subset' ? param.distribution.items.length : 1;
    groups.push({ param: param.name, columns: Array.from({ length: width }, (_, i) => columns + i) });
    columns += width;
  }
  const x = new Float64Array(trials.length * columns);
  trials.forEach((trial, row) => {
    space.forEach((param, g) => {
      const values = encodeValue(param, trial.params[param.name], rng);
      groups[g]!.columns.forEach((column, i) => {
        x[row * columns + column] = values[i]!;
      });
    });
  });
  return { x, columns, groups };
}

/**
 * An inactive conditional parameter gets a random value drawn from its distribution. A fixed
 * placeholder would tell the trees whether it is active, i.e. the value of the parameter its `when`
 * names, and the conditional parameter would take the credit of that parent.
 */
function encodeValue(param: ParamSpec, value: ParamValue | undefined, rng: Rng): number[] {
  const dist: Distribution = param.distribution;
  const v = value ?? sampleDistribution(rng, dist);
  switch (dist.type) {
    case 'float':
    case 'int':
      return [dist.log ? Math.log(v as number) : (v as number)];
    case 'categorical':
      return [dist.choices.findIndex((c) => c === v)];
    case 'subset': {
      const chosen = new Set(v as readonly string[]);
      return dist.items.map((item) => (chosen.has(item) ? 1 : 0));
    }
  }
}

/**
 * CART regression tree on the bootstrap sample. Each node keeps, per feature, its rows sorted by that
 * feature (sorted once per tree, then split stably), so finding a split is a linear scan.
 */
function growTree(
  data: Encoded,
  y: Float64Array,
  sample: readonly number[],
  opts: { minLeaf: number; maxDepth: number; mtry: number; rng: Rng },
): Node[] {
  const { columns, x } = data;
  const value = (row: number, feature: number) => x[row * columns + feature]!;
  const nodes: Node[] = [];
  const goesLeft = new Uint8Array(y.length);
  const build = (lists: readonly Int32Array[], depth: number): number => {
    const rows = lists[0]!;
    const id = nodes.length;
    let sum = 0;
    for (const r of rows) sum += y[r]!;
    nodes.push({ feature: -1, threshold: 0, left: -1, right: -1, value: sum / rows.length });
    if (depth >= opts.maxDepth || rows.length < 2 * opts.minLeaf) return id;
    const split = bestSplit(lists, value, y, sum, opts, columns);
    if (!split) return id;
    // Bootstrap duplicates of a row always fall on the same side, so marking by row is enough.
    for (const r of rows) goesLeft[r] = value(r, split.feature) <= split.threshold ? 1 : 0;
    const nLeft = split.nLeft;
    const left: Int32Array[] = [];
    const right: Int32Array[] = [];
    for (const list of lists) {
      const l = new Int32Array(nLeft);
      const r = new Int32Array(list.length - nLeft);
      let li = 0;
      let ri = 0;
      for (const row of list) {
        if (goesLeft[row] === 1) l[li++] = row;
        else r[ri++] = row;
      }
      left.push(l);
      right.push(r);
    }
    const node = nodes[id]!;
    node.feature = split.feature;
    node.threshold = split.threshold;
    node.left = build(left, depth + 1);
    node.right = build(right, depth + 1);
    return id;
  };
  const roots = Array.from({ length: columns }, (_, f) =>
    Int32Array.from([...sample].sort((a, b) => value(a, f) - value(b, f))),
  );
  build(roots, 0);
  return nodes;
}

/** The split with the largest decrease of the squared error among `mtry` random features. */
function bestSplit(
  lists: readonly Int32Array[],
  value: (row: number, feature: number) => number,
  y: Float64Array,
  total: number,
  opts: { minLeaf: number; mtry: number; rng: Rng },
  columns: number,
): { feature: number; threshold: number; nLeft: number } | null {
  const features = opts.rng.permutation(columns).subarray(0, opts.mtry);
  const n = lists[0]!.length;
  const parentScore = (total * total) / n;
  let best: { feature: number; threshold: number; nLeft: number; gain: number } | null = null;
  for (const feature of features) {
    const order = lists[feature]!;
    let leftSum = 0;
    for (let i = 0; i < n - 1; i++) {
      leftSum += y[order[i]!]!;
      const here = value(order[i]!, feature);
      const next = value(order[i + 1]!, feature);
      if (here === next) continue;
      const nLeft = i + 1;
      const nRight = n - nLeft;
      if (nLeft < opts.minLeaf || nRight < opts.minLeaf) continue;
      const rightSum = total - leftSum;
      const gain = (leftSum * leftSum) / nLeft + (rightSum * rightSum) / nRight - parentScore;
      if (gain > 1e-12 && (!best || gain > best.gain)) best = { feature, threshold: (here + next) / 2, nLeft, gain };
    }
  }
  return best;
}

/** Mean squared error on the out-of-bag rows, with one parameter's columns optionally shuffled. */
function oobError(
  tree: readonly Node[],
  data: Encoded,
  y: Float64Array,
  oob: readonly number[],
  shuffle: { group: readonly number[]; perm: Int32Array } | null,
): number {
  let sum = 0;
  const row = new Float64Array(data.columns);
  oob.forEach((r, i) => {
    row.set(data.x.subarray(r * data.columns, (r + 1) * data.columns));
    if (shuffle) {
      const donor = oob[shuffle.perm[i]!]!;
      for (const c of shuffle.group) row[c] = data.x[donor * data.columns + c]!;
    }
    const err = predict(tree, row) - y[r]!;
    sum += err * err;
  });
  return sum / oob.length;
}

function predict(tree: readonly Node[], row: Float64Array): number {
  let node = tree[0]!;
  while (node.feature >= 0) node = tree[row[node.feature]! <= node.threshold ? node.left : node.right]!;
  return node.value;
}
