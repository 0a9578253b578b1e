// Sampler registry. Main thread.
import type { ResolvedStudy } from '../../spec/study.js';
import { GpSampler } from './gp-sampler.js';
import { RandomSampler } from './random-sampler.js';
import { TpeSampler } from './tpe-sampler.js';
import type { Sampler } from './types.js';

export { DEFAULT_GP_SETTINGS, GpSampler, type GpSettings } from './gp-sampler.js';
export { RandomSampler, sampleDistribution } from './random-sampler.js';
export { DEFAULT_TPE_SETTINGS, TpeSampler, type TpeSettings } from './tpe-sampler.js';
export type { PriorTrial, SampleContext, Sampler, TrialSnapshot, WarmStart } from './types.js';

export function createSampler(study: ResolvedStudy): Sampler {
  const spec = study.sampler;
  switch (spec.kind) {
    case 'random':
      return new RandomSampler(study.seed);
    case 'bayes':
      return new TpeSampler(study.seed, {
        startupTrials: spec.startup_trials,
        candidates: spec.candidates,
        multivariate: spec.multivariate,
        gamma: spec.gamma,
        constantLiar: spec.constant_liar,
        sourceDesign: spec.source_design,
        budgetTrials: study.budget.trials,
      });
    case 'gp':
      return new GpSampler(study.seed, {
        startupTrials: spec.startup_trials,
        tpeAfter: spec.tpe_after,
        constantLiar: spec.constant_liar,
        budgetTrials: study.budget.trials,
      });
  }
}
