// Bounding-box transfer (Perrone et al. 2019): the box around an earlier study's best trials, per
// numeric parameter, in the estimator's coordinates. The bayes sampler draws a share of its candidates
// uniformly from it, so the region the earlier study found good is searched evenly rather than only
// where its kernels sit (they sit at the earlier optimum; a moved optimum is elsewhere in the box).
// Main thread; pure.
import type { Params, SearchSpace } from '../../spec/space.js';
import type { Rng } from '../../util/rng.js';
import { dimOf, encode, type ScalarDistribution } from './param-coding.js';
import type { PriorTrial } from './types.js';

export interface BoxOptions {
  /** The best fraction of each earlier study's trials (at least 2) the box is drawn around. */
  readonly top: number;
  /** Added on each side, as a fraction of the box's width (then clipped to the range). */
  readonly margin: number;
}

/** Per numeric parameter name: [low, high] in internal coordinates. Parameters no trial has are left out. */
export type Box = ReadonlyMap<string, { readonly low: number; readonly high: number }>;

/** The bounding box of the best `top` share of every study in `studies` (null: no numeric parameter). */
export function warmBox(space: SearchSpace, studies: readonly (readonly PriorTrial[])[], options: BoxOptions): Box | null {
  const out = new Map<string, { low: number; high: number }>();
  for (const param of space) {
    if (param.distribution.type === 'subset' || param.distribution.type === 'categorical') continue;
    const dist = param.distribution as ScalarDistribution;
    const dim = dimOf(dist);
    if (dim.kind !== 'numeric') continue;
    let low = Infinity;
    let high = -Infinity;
    for (const trials of studies) {
      const k = Math.max(2, Math.ceil(options.top * trials.length));
      const best = [...trials].sort((a, b) => a.loss - b.loss).slice(0, k);
      for (const t of best) {
        const v = encode(dist, t.params[param.name]);
        if (v === null) continue;
        low = Math.min(low, v);
        high = Math.max(high, v);
      }
    }
    if (!(low <= high)) continue;
    const pad = options.margin * (high - low);
    out.set(param.name, { low: Math.max(dim.low, low - pad), high: Math.min(dim.high, high + pad) });
  }
  return out.size === 0 ? null : out;
}

/** A uniform draw inside the box's side of one parameter. */
export function drawInBox(rng: Rng, side: { readonly low: number; readonly high: number }): number {
  return side.low + rng.next() * (side.high - side.low);
}

/**
 * Whether `params` lie inside the box (a parameter the box or the params lack does not count against
 * it). The sampler keeps the box only while this study's own best trial does: the box claims "the
 * optimum is here", and an own best outside it refutes the claim (an unrelated earlier study, or an
 * optimum that moved out), which the agreement measure alone answered too late.
 */
export function inBox(space: SearchSpace, box: Box, params: Params): boolean {
  for (const param of space) {
    const side = box.get(param.name);
    if (side === undefined) continue;
    const v = encode(param.distribution as ScalarDistribution, params[param.name]);
    if (v !== null && (v < side.low || v > side.high)) return false;
  }
  return true;
}
