// Sampler registry. Main thread.
import type { ResolvedStudy } from '../../spec/study.js';
import { GpSampler } from './gp-sampler.js';
import { RandomSampler } from './random-sampler.js';
import { TpeSampler } from './tpe-sampler.js';
import { MotpeSampler } from './motpe-sampler.js';
import type { Sampler } from './types.js';

export { DEFAULT_GP_SETTINGS, GpSampler, type GpSettings } from './gp-sampler.js';
export { RandomSampler, sampleDistribution } from './random-sampler.js';
export { DEFAULT_TPE_SETTINGS, TpeSampler, type TpeSettings } from './tpe-sampler.js';
export { MotpeSampler } from './motpe-sampler.js';
export type { PriorTrial, SampleContext, Sampler, TrialSnapshot, WarmStart } from './types.js';

/** The study's sampler; in a multi-objective study, bayes is the multi-objective TPE (gp is refused). */
export function createSampler(study: ResolvedStudy): Sampler {
  const spec = study.sampler;
  const multi = study.objectives !== undefined;
  switch (spec.kind) {
    case 'random':
      return new RandomSampler(study.seed);
    case 'bayes':
      return new (multi ? MotpeSampler : TpeSampler)(study.seed, {
        startupTrials: spec.startup_trials,
        candidates: spec.candidates,
        multivariate: spec.multivariate,
        gamma: spec.gamma,
        constantLiar: spec.constant_liar,
        sourceDesign: spec.source_design,
        budgetTrials: study.budget.trials,
      });
    case 'gp':
      // Validation refuses it first (src/config/objectives.ts); this guards a study built in code.
      if (multi) throw new RangeError('sampler gp is single-objective; a multi-objective study uses bayes (MOTPE) or random');
      return new GpSampler(study.seed, {
        startupTrials: spec.startup_trials,
        tpeAfter: spec.tpe_after,
        constantLiar: spec.constant_liar,
        // Absent in a gp spec stored before it existed: those studies ran without the design.
        sourceDesign: spec.source_design ?? false,
        budgetTrials: study.budget.trials,
      });
  }
}
