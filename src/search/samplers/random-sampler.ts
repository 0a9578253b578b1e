// Random search: each trial's params come from an RNG seeded by (study seed, trial number), so the
// same study proposes the same trials whatever the order in which parallel workers ask. Main thread.
import { Rng, mixSeed } from '../../util/rng.js';
import { sampleSpace } from '../space.js';
import { samplePriorSubset } from '../source-prior.js';
import type { Distribution, ParamValue, Params, SearchSpace } from '../../spec/space.js';
import type { SampleContext, Sampler } from './types.js';

export class RandomSampler implements Sampler {
  readonly name = 'random';

  constructor(private readonly seed: number) {}

  sample(context: SampleContext) {
    return this.draw(context, new Rng(mixSeed(this.seed, 0x5a3b1e, context.trialNumber)));
  }

  /**
   * A random trial that repeats no trial of the history (finished or running) when the space has no
   * float: the startup of a model-based sampler (bayes, gp). In a discrete space a repeat measures
   * what is already known (units are seeded), and with a subset drawn by size first the full and the
   * empty selections come up one time in (n + 1) each: on the agreement benchmark's 16-trial studies
   * of 6 sources, 1-2 of the 5 startup trials were repeats. The first draw is sample()'s own, so a
   * study without a repeat proposes what it did before; after `UNSEEN_ATTEMPTS` repeats (a space
   * nearly exhausted) the first draw stands.
   */
  sampleUnseen(context: SampleContext): Params {
    const first = this.sample(context);
    if (context.space.some((p) => p.distribution.type === 'float') || context.history.length === 0) return first;
    const seen = new Set(context.history.map((t) => trialKey(context.space, t.params)));
    if (!seen.has(trialKey(context.space, first))) return first;
    for (let attempt = 1; attempt <= UNSEEN_ATTEMPTS; attempt++) {
      const params = this.draw(context, new Rng(mixSeed(this.seed, 0x5a3b1e, context.trialNumber, attempt)));
      if (!seen.has(trialKey(context.space, params))) return params;
    }
    return first;
  }

  private draw(context: SampleContext, rng: Rng): Params {
    const prior = context.sourcePrior;
    return sampleSpace(context.space, (param) =>
      // screen_prior: sources the screen rates higher are included more often.
      param.distribution.type === 'subset' && prior !== undefined
        ? samplePriorSubset(rng, param.distribution, prior)
        : sampleDistribution(rng, param.distribution),
    );
  }
}

/** Draws sampleUnseen makes before it accepts a repeat. */
const UNSEEN_ATTEMPTS = 64;

/** The identity of a trial's values over a space: active params in space order, a subset as a sorted list. */
function trialKey(space: SearchSpace, params: Params): string {
  return JSON.stringify(
    space.map((p) => {
      const v = params[p.name];
      return Array.isArray(v) ? [...v].sort() : (v ?? null);
    }),
  );
}

export function sampleDistribution(rng: Rng, dist: Distribution): ParamValue {
  switch (dist.type) {
    case 'float':
      return dist.log
        ? Math.exp(rng.uniform(Math.log(dist.low), Math.log(dist.high)))
        : rng.uniform(dist.low, dist.high);
    case 'int': {
      if (dist.log) {
        // Uniform in log space over [low - 0.5, high + 0.5] so the end points are as likely as in Optuna.
        // (low >= 1 here: log ints need a positive lower bound.)
        const x = Math.exp(rng.uniform(Math.log(dist.low - 0.5), Math.log(dist.high + 0.5)));
        return Math.min(dist.high, Math.max(dist.low, Math.round(x)));
      }
      const steps = Math.floor((dist.high - dist.low) / dist.step);
      return dist.low + dist.step * rng.int(0, steps);
    }
    case 'categorical':
      return rng.pick(dist.choices);
    case 'subset': {
      // Size first, then which items: every size in [min, max] is equally likely, so small and
      // large selections are both explored (uniform over subsets would crowd around n/2).
      const size = rng.int(dist.min, dist.max);
      const order = rng.permutation(dist.items.length);
      const chosen = new Set<number>();
      for (let i = 0; i < size; i++) chosen.add(order[i] as number);
      return dist.items.filter((_, i) => chosen.has(i));
    }
  }
}
