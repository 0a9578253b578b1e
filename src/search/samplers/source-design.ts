// A balanced start for the source subset: a two-level fractional factorial design of resolution IV
// over the sources. Every source is in exactly half of its runs, every pair of sources in a quarter,
// and no source's main effect is aliased with a two-source interaction, so the per-source effects a
// study reports (src/selection) are estimated from its first trials as well as the budget allows,
// whatever the sampler does afterwards (a model-guided sampler then avoids the sources it learnt are
// harmful, which leaves their effect poorly measured without such a start). Main thread; pure.
import { Rng, mixSeed } from '../../util/rng.js';

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
