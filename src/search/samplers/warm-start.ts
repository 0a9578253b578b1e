// How much an earlier study's trials should still count in this one: the agreement between the
// ranking they predict at this study's own points and the ranking this study measured there. An
// earlier study on a related problem keeps its weight; one whose good region is this study's bad
// region (negative transfer of the search itself) loses it after a handful of own trials.
// Main thread; pure.
import { kendallTau } from '../../metrics/rank.js';
import type { Params, SearchSpace } from '../../spec/space.js';
import { dimOf, encode, encodeSubset, type ScalarDistribution } from './param-coding.js';
import type { PriorTrial } from './types.js';

/** Own observations before the agreement is trusted (until then the earlier study counts in full). */
export const AGREEMENT_MIN_OWN = 5;
/** The most recent own observations the agreement is measured on (bounds its cost). */
const AGREEMENT_MAX_OWN = 60;
/** Nearest earlier trials whose ranks predict the rank at a point. */
const NEIGHBOURS = 3;

/**
 * Kendall's tau between this study's losses at its last own points and the earlier study's rank there
 * (the mean normalised rank of its NEIGHBOURS nearest trials, in the space's unit coordinates):
 * 1 before AGREEMENT_MIN_OWN own points, else in [-1, 1].
 */
export function priorAgreement(space: SearchSpace, own: readonly { readonly params: Params; readonly loss: number }[], prior: readonly PriorTrial[]): number {
  if (own.length < AGREEMENT_MIN_OWN || prior.length < NEIGHBOURS) return 1;
  const recent = own.slice(-AGREEMENT_MAX_OWN);
  const order = prior.map((_, i) => i).sort((a, b) => prior[a]!.loss - prior[b]!.loss || a - b);
  const rank = new Float64Array(prior.length);
  order.forEach((i, r) => (rank[i] = r / Math.max(1, prior.length - 1)));
  const coords = prior.map((t) => coordinates(space, t.params));
  const predicted = recent.map((o) => {
    const x = coordinates(space, o.params);
    const nearest: { d: number; r: number }[] = [];
    coords.forEach((c, i) => {
      const d = distance(x, c);
      if (nearest.length < NEIGHBOURS || d < nearest[nearest.length - 1]!.d) {
        nearest.push({ d, r: rank[i]! });
        nearest.sort((a, b) => a.d - b.d);
        if (nearest.length > NEIGHBOURS) nearest.pop();
      }
    });
    return nearest.reduce((a, n) => a + n.r, 0) / nearest.length;
  });
  const tau = kendallTau(predicted, recent.map((o) => o.loss));
  return Number.isFinite(tau) ? tau : 0;
}

/** A point in unit coordinates per dimension (NaN where the param is absent: it adds no distance). */
function coordinates(space: SearchSpace, params: Params): number[] {
  const out: number[] = [];
  for (const p of space) {
    if (p.distribution.type === 'subset') {
      const flags = new Uint8Array(p.distribution.items.length);
      const ok = encodeSubset(p.distribution.items, params[p.name], flags, 0);
      // Each flag weighs 1/m: a whole subset spans one unit, like any other parameter.
      for (const f of flags) out.push(ok ? f / Math.sqrt(flags.length) : Number.NaN);
      continue;
    }
    const dist = p.distribution as ScalarDistribution;
    const v = encode(dist, params[p.name]);
    const dim = dimOf(dist);
    if (dim.kind === 'categorical') {
      // One-hot over 1/sqrt(2): two different choices are one unit apart.
      for (let c = 0; c < dim.size; c++) out.push(v === null ? Number.NaN : v === c ? Math.SQRT1_2 : 0);
      continue;
    }
    out.push(v === null ? Number.NaN : dim.high === dim.low ? 0 : (v - dim.low) / (dim.high - dim.low));
  }
  return out;
}

function distance(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    s += (x - y) ** 2;
  }
  return s;
}
