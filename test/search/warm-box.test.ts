// Bounding-box transfer: the box around an earlier study's best trials, and the bayes sampler's use of
// it (a share of its candidates drawn inside, only while the earlier study agrees with this one).
import { describe, expect, it } from 'vitest';
import { TpeSampler, type TpeSettings } from '../../src/search/samplers/tpe-sampler.js';
import type { PriorTrial, TrialSnapshot, WarmStart } from '../../src/search/samplers/types.js';
import { inBox, warmBox } from '../../src/search/samplers/warm-box.js';
import type { Params, SearchSpace } from '../../src/spec/space.js';
import { Rng } from '../../src/util/rng.js';

const SPACE: SearchSpace = [
  ...[0, 1, 2].map((i) => ({ name: `x${i}`, distribution: { type: 'float' as const, low: -5, high: 5, log: false } })),
  { name: 'lr', distribution: { type: 'float', low: 1e-4, high: 1, log: true } },
];
const xs = (p: Params) => [0, 1, 2].map((i) => p[`x${i}`] as number);
const sphere = (centre: readonly number[]) => (p: Params) => xs(p).reduce((a, v, i) => a + (v - centre[i]!) ** 2, 0) + Math.log10(p.lr as number) ** 2;

function earlier(f: (p: Params) => number, n: number, seed: number): PriorTrial[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const params = { x0: rng.next() * 10 - 5, x1: rng.next() * 10 - 5, x2: rng.next() * 10 - 5, lr: 10 ** (-4 * rng.next()) };
    return { params, loss: f(params) };
  });
}

function proposals(f: (p: Params) => number, trials: number, seed: number, warmStart: WarmStart, settings: Partial<TpeSettings>): Params[] {
  const sampler = new TpeSampler(seed, settings);
  const history: TrialSnapshot[] = [];
  for (let n = 0; n < trials; n++) {
    const params = sampler.sample({ space: SPACE, direction: 'minimize', history, trialNumber: n, warmStart });
    history.push({ number: n, state: 'COMPLETE', params, value: f(params) });
  }
  return history.map((t) => t.params);
}

const centre = [2, -3, 1];
const trials = earlier(sphere(centre), 80, 1);
const prior: WarmStart = { studies: [{ name: 'earlier', trials }] };
const OPTIONS = { top: 0.1, margin: 0.5 };
/** Every candidate drawn from the box: what it does is visible in every proposal. */
const ALL_BOX: Partial<TpeSettings> = { warmBoxShare: 1, warmBox: OPTIONS, warmBoxGate: 0.2 };

/** Inside, written out on its own (lr is log-scaled): what inBox must agree with. */
const inside = (p: Params, box: NonNullable<ReturnType<typeof warmBox>>) =>
  [...box].every(([name, side]) => {
    const v = name === 'lr' ? Math.log(p[name] as number) : (p[name] as number);
    return v >= side.low - 1e-9 && v <= side.high + 1e-9;
  });

describe('bounding-box transfer', () => {
  it('draws the box around the earlier best trials, widened by the margin and clipped to the range', () => {
    const tight = warmBox(SPACE, [trials], { top: 0.1, margin: 0 })!;
    const wide = warmBox(SPACE, [trials], OPTIONS)!;
    const best = [...trials].sort((a, b) => a.loss - b.loss).slice(0, 8);
    for (const t of best) expect(inside(t.params, tight)).toBe(true);
    for (const [name, side] of tight) {
      const w = wide.get(name)!;
      expect(w.low).toBeLessThanOrEqual(side.low);
      expect(w.high).toBeGreaterThanOrEqual(side.high);
      expect(w.low).toBeGreaterThanOrEqual(name === 'lr' ? Math.log(1e-4) : -5);
      expect(w.high).toBeLessThanOrEqual(name === 'lr' ? 0 : 5);
    }
    // The box is where the earlier study found its optimum, and narrower than the range.
    for (const [i, c] of centre.entries()) {
      const side = tight.get(`x${i}`)!;
      expect(side.low).toBeLessThan(c + 1);
      expect(side.high).toBeGreaterThan(c - 1);
      expect(side.high - side.low).toBeLessThan(7);
    }
  });

  it('tells points inside the box from points outside it', () => {
    const box = warmBox(SPACE, [trials], OPTIONS)!;
    const best = [...trials].sort((a, b) => a.loss - b.loss)[0]!.params;
    expect(inBox(SPACE, box, best)).toBe(true);
    const x0 = box.get('x0')!;
    const lr = box.get('lr')!;
    if (x0.high < 5) expect(inBox(SPACE, box, { ...best, x0: Math.min(5, x0.high + 0.01) })).toBe(false);
    if (lr.low > Math.log(1e-4)) expect(inBox(SPACE, box, { ...best, lr: Math.exp(lr.low) * 0.99 })).toBe(false);
    expect(x0.high < 5 || lr.low > Math.log(1e-4)).toBe(true);
    // A parameter the point lacks does not count against it.
    const { x1: _x1, ...rest } = best;
    expect(inBox(SPACE, box, rest)).toBe(true);
    for (const t of trials) expect(inBox(SPACE, box, t.params)).toBe(inside(t.params, box));
  });

  it('closes the box once the study\'s own best lies outside it, even while the earlier study agrees', () => {
    const box = warmBox(SPACE, [trials], OPTIONS)!;
    const f = sphere(centre);
    // Own trials that rank exactly as the earlier study does (agreement near 1) ...
    const history: TrialSnapshot[] = earlier(f, 12, 21).map((t, number) => ({ number, state: 'COMPLETE', params: t.params, value: t.loss }));
    // Its best so far at the earlier optimum, inside the box.
    const atCentre = { x0: centre[0]!, x1: centre[1]!, x2: centre[2]!, lr: 1 };
    expect(inBox(SPACE, box, atCentre)).toBe(true);
    history.push({ number: history.length, state: 'COMPLETE', params: atCentre, value: 0 });
    // ... and an own best just outside the box, beyond the first side of it that leaves room.
    const room = [0, 1, 2].flatMap((i) => {
      const side = box.get(`x${i}`)!;
      return side.high < 4.5 ? [{ i, v: side.high + 0.4 }] : side.low > -4.5 ? [{ i, v: side.low - 0.4 }] : [];
    })[0]!;
    expect(room).toBeDefined();
    const outside: Params = { x0: centre[0]!, x1: centre[1]!, x2: centre[2]!, lr: 1, [`x${room.i}`]: room.v };
    expect(inBox(SPACE, box, outside)).toBe(false);
    const propose = (h: readonly TrialSnapshot[]) =>
      Array.from({ length: 12 }, (_, k) => new TpeSampler(3, ALL_BOX).sample({ space: SPACE, direction: 'minimize', history: h, trialNumber: h.length + k, warmStart: prior }));
    // Without it, every candidate is a box draw: every proposal is inside.
    for (const p of propose(history)) expect(inside(p, box)).toBe(true);
    const closed = propose([...history, { number: history.length, state: 'COMPLETE', params: outside, value: -1 }]);
    expect(closed.filter((p) => !inside(p, box)).length).toBeGreaterThanOrEqual(3);
  });

  it('keeps box proposals inside the box once the study\'s own trials agree with the earlier study', () => {
    const box = warmBox(SPACE, [trials], OPTIONS)!;
    // Before the 5th own trial the agreement is not measured, so the box is not used yet.
    const related = proposals(sphere([2.3, -2.7, 1.3]), 30, 4, prior, ALL_BOX).slice(5);
    for (const p of related) expect(inside(p, box)).toBe(true);
  });

  it('uses the box only when the agreement passes its gate', () => {
    const f = sphere([2.3, -2.7, 1.3]);
    // A gate above any Kendall tau: the box never opens, and every proposal is the box-free one.
    expect(proposals(f, 25, 4, prior, { ...ALL_BOX, warmBoxGate: 1.01 })).toEqual(proposals(f, 25, 4, prior, { ...ALL_BOX, warmBoxShare: 0 }));
    expect(proposals(f, 25, 4, prior, ALL_BOX)).not.toEqual(proposals(f, 25, 4, prior, { ...ALL_BOX, warmBoxShare: 0 }));
  });

  it('does not hold the search in the box of an earlier study that the own trials contradict', () => {
    const box = warmBox(SPACE, [trials], OPTIONS)!;
    const target = [-3, 3, -3];
    const opposite = proposals(sphere(target), 40, 4, prior, ALL_BOX);
    const late = opposite.slice(-10);
    expect(late.filter((p) => !inside(p, box)).length).toBeGreaterThanOrEqual(8);
    const dist = (p: Params, c: readonly number[]) => Math.hypot(...xs(p).map((v, i) => v - c[i]!));
    expect(late.reduce((a, p) => a + dist(p, target), 0) / late.length).toBeLessThan(3);
    expect(late.reduce((a, p) => a + dist(p, target), 0)).toBeLessThan(late.reduce((a, p) => a + dist(p, centre), 0));
  });

  it('is seeded: the same earlier trials and history give the same box proposals', () => {
    const f = sphere([2.3, -2.7, 1.3]);
    expect(proposals(f, 12, 9, prior, ALL_BOX)).toEqual(proposals(f, 12, 9, prior, ALL_BOX));
    expect(proposals(f, 12, 9, prior, ALL_BOX)).not.toEqual(proposals(f, 12, 10, prior, ALL_BOX));
  });

  it('is off without a share: no candidate comes from the box', () => {
    const f = sphere([2.3, -2.7, 1.3]);
    expect(proposals(f, 12, 9, prior, { ...ALL_BOX, warmBoxShare: 0 })).toEqual(proposals(f, 12, 9, prior, { warmBoxShare: 0 }));
  });
});
