// Sampler registry. Main thread.
import type { ResolvedStudy } from '../../config/types.js';
import { RandomSampler } from './random-sampler.js';
import type { Sampler } from './types.js';

export { RandomSampler, sampleDistribution } from './random-sampler.js';
export type { SampleContext, Sampler, TrialSnapshot } from './types.js';

export function createSampler(study: ResolvedStudy): Sampler {
  switch (study.sampler.kind) {
    case 'random':
      return new RandomSampler(study.seed);
  }
}
