// A balanced start for the source subset: a two-level fractional factorial design of resolution IV
// over the sources. Every source is in exactly half of its runs, every pair of sources in a quarter,
// and no source's main effect is aliased with a two-source interaction, so the per-source effects a
// study reports (src/selection) are estimated from its first trials as well as the budget allows,
// whatever the sampler does afterwards (a model-guided sampler then avoids the sources it learnt are
// harmful, which leaves their effect poorly measured without such a start). Main thread; pure.
import { Rng, mixSeed } from '../../util/rng.js';
import type { ParamSpec, Params } from '../../spec/space.js';
import type { SampleContext } from './types.js';

/**
 * The smallest design for `sources` factors: 2^k runs whose first k columns are a full factorial and
 * whose other columns are products of an odd number (3 or more) of those. Every word of the defining
 * relation then has even length of at least 4 (resolution IV). With at most k = log2(runs) sources it
 * is the full factorial. 8 sources take 16 runs, 16 take 32, 32 take 64.
 */
export function designRuns(sources: number): number {
  if (sources <= 0) return 0;
  let k = 1;
  while (k < sources && k + oddProducts(k) < sources) k++;
  return 2 ** Math.min(k, sources);
}

/** Products of an odd number (>= 3) of k base columns: 2^(k-1) - k of them. */
function oddProducts(k: number): number {
  return k < 3 ? 0 : 2 ** (k - 1) - k;
}

/**
 * The runs of the design for `sources` factors, as inclusion flags per source. `seed` draws which
 * level of each column means "included" (so the all-in and all-out runs are not always present), which
 * product goes to which source, and the order of the runs (a study stopped early keeps a random part
 * of the design rather than a systematic one).
 */
export function sourceDesign(sources: number, seed: number): Uint8Array[] {
  const runs = designRuns(sources);
  if (runs === 0) return [];
  const k = Math.log2(runs);
  const rng = new Rng(mixSeed(seed, 0xd0e5));
  // Base columns first, then products of 3, 5, ... base columns (the shortest words first: fewer
  // of the longer, rarer three-source interactions alias with them).
  const words: number[][] = Array.from({ length: k }, (_, i) => [i]);
  for (let size = 3; size <= k && words.length < sources; size += 2) words.push(...combinations(k, size));
  const columns = words.slice(0, sources);
  const order = rng.permutation(sources);
  const flip = Array.from({ length: sources }, () => rng.next() < 0.5);
  const rows = rng.permutation(runs);
  return Array.from(rows, (run) => {
    const flags = new Uint8Array(sources);
    for (let s = 0; s < sources; s++) {
      const word = columns[order[s] as number]!;
      let parity = 0;
      for (const base of word) parity ^= (run >> base) & 1;
      flags[s] = (parity === 1) !== flip[s] ? 1 : 0;
    }
    return flags;
  });
}

/** The `size`-element subsets of 0..n-1, in lexicographic order. */
function combinations(n: number, size: number): number[][] {
  const out: number[][] = [];
  const pick = (start: number, chosen: number[]): void => {
    if (chosen.length === size) {
      out.push([...chosen]);
      return;
    }
    for (let i = start; i <= n - (size - chosen.length); i++) pick(i + 1, [...chosen, i]);
  };
  pick(0, []);
  return out;
}

/** The design runs of a subset param (inclusion flags in the order of its items). */
interface SubsetDesign {
  readonly param: ParamSpec;
  readonly items: readonly string[];
  readonly runs: readonly Uint8Array[];
}

/**
 * The balanced start of a sampler (bayes and gp share it): per subset param, its design, and the
 * params of a design trial. One instance per sampler; the design depends only on the seed and the space.
 */
export class SourceDesigns {
  /** Per subset param name: its design (null: it does not fit the size limits). */
  private readonly designs = new Map<string, SubsetDesign | null>();

  constructor(
    private readonly seed: number,
    private readonly budgetTrials: number | null,
  ) {}

  /**
   * The params of trial `context.trialNumber` if it is a design trial (its other params drawn by
   * `others`, as in any startup trial), else null. Null too when the design does not apply: there is
   * a screen prior (which already says which sources to try first) or a warm start (earlier studies
   * stand in for the start), the space has no top-level subset (or more than one), a run would break
   * the subset's size limits, or the design would take more than a quarter of the trial budget (a
   * larger share costs the search more than attribution gains: `npm run bench -- subsets` with 12
   * sources and 100 trials).
   */
  trial(context: SampleContext, others: () => Params): Params | null {
    if (context.sourcePrior !== undefined || context.warmStart !== undefined) return null;
    const design = this.designFor(context);
    if (design === null || context.trialNumber >= design.runs.length) return null;
    const run = design.runs[context.trialNumber]!;
    return { ...others(), [design.param.name]: design.items.filter((_, i) => run[i] === 1) };
  }

  private designFor(context: SampleContext): SubsetDesign | null {
    const subsets = context.space.filter((p) => p.distribution.type === 'subset');
    const param = subsets[0];
    if (subsets.length !== 1 || param === undefined || param.when !== undefined || param.distribution.type !== 'subset') return null;
    const { items, min, max } = param.distribution;
    if (this.budgetTrials !== null && 4 * designRuns(items.length) > this.budgetTrials) return null;
    const cached = this.designs.get(param.name);
    if (cached !== undefined) return cached;
    const runs = sourceDesign(items.length, this.seed);
    const fits = runs.every((run) => {
      const size = run.reduce((a, v) => a + v, 0);
      return size >= min && size <= max;
    });
    const design = fits ? { param, items, runs } : null;
    this.designs.set(param.name, design);
    return design;
  }
}
