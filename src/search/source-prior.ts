// Screen scores as a prior over which sources a trial includes (`screen_prior:` in a study file): the
// maths of it (scores to inclusion probabilities, and subsets drawn from them). Main thread; pure.
// How the screen is run, stored and read back: src/study/screen-prior.ts.
import type { Distribution } from '../spec/space.js';
import type { Rng } from '../util/rng.js';

/**
 * Probability that a sampler includes each source in a proposal, by source name (in (0, 1)). A
 * sampler that models subsets can use it as its prior inclusion odds; the random sampler draws each
 * source with its probability.
 */
export type SourcePrior = Readonly<Record<string, number>>;

/** Inclusion probabilities stay in [0.1, 0.9]: a screen can be wrong, so every source keeps being tried. */
export const PRIOR_FLOOR = 0.1;

/**
 * Inclusion probabilities from screen scores: the scores' z-scores through a logistic, clamped to
 * [PRIOR_FLOOR, 1 - PRIOR_FLOOR]. Equal scores (or one source) give 0.5 for every source.
 */
export function priorFromScores(scores: Readonly<Record<string, number>>): SourcePrior {
  const names = Object.keys(scores);
  const values = names.map((n) => scores[n]!);
  const m = values.reduce((a, v) => a + v, 0) / Math.max(1, values.length);
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / Math.max(1, values.length));
  return Object.fromEntries(
    names.map((n) => {
      const z = sd > 0 ? (scores[n]! - m) / sd : 0;
      const p = 1 / (1 + Math.exp(-z));
      return [n, Math.min(1 - PRIOR_FLOOR, Math.max(PRIOR_FLOOR, p))];
    }),
  );
}

type SubsetDistribution = Extract<Distribution, { type: 'subset' }>;

/**
 * A subset drawn source by source, each included with its prior probability (0.5 for a source the
 * prior does not name), redrawn until its size is within [min, max]; after 1000 draws out of bounds
 * it takes a uniform size and the most probable sources. Items keep the distribution's order.
 */
export function samplePriorSubset(rng: Rng, dist: SubsetDistribution, prior: SourcePrior): string[] {
  const p = (item: string) => prior[item] ?? 0.5;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const chosen = dist.items.filter((item) => rng.next() < p(item));
    if (chosen.length >= dist.min && chosen.length <= dist.max) return chosen;
  }
  const keep = new Set([...dist.items].sort((a, b) => p(b) - p(a)).slice(0, rng.int(dist.min, dist.max)));
  return dist.items.filter((item) => keep.has(item));
}
