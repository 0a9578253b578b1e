// The `sampler:` key of a study file: its JSON Schema, cross-field checks and resolution to a
// SamplerSpec with every setting written out. Main thread. Must not import tfjs, the worker or the store.
import type { ConfigIssue, RawSampler, StudyConfig } from './study-config.js';
import { BAYES_DEFAULTS, GP_DEFAULTS, MOTPE_DEFAULTS, SAMPLER_KINDS, type SamplerSpec } from '../spec/study.js';

type SettingKey = Exclude<keyof RawSampler, 'kind'>;
/** Which kinds use each setting: one given to another kind would be silently ignored. */
const SETTING_KINDS: Record<SettingKey, readonly RawSampler['kind'][]> = {
  startup_trials: ['bayes', 'gp'],
  candidates: ['bayes'],
  multivariate: ['bayes'],
  gamma: ['bayes'],
  constant_liar: ['bayes', 'gp'],
  source_design: ['bayes', 'gp'],
  tpe_after: ['gp'],
};

export const SAMPLER_SCHEMA = {
  description:
    'How trials are proposed (default auto): auto (gp, or bayes for a sources subset and where gp does not apply), bayes (a Tree-structured Parzen Estimator with default settings), gp (a Gaussian process), random, or a mapping { kind, startup_trials, candidates, multivariate, gamma, constant_liar, source_design, tpe_after }. The sampler may change when a study is resumed.',
  anyOf: [
    { type: 'string', enum: [...SAMPLER_KINDS], description: 'auto, bayes, gp or random, with default settings.' },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind'],
      properties: {
        kind: {
          type: 'string',
          enum: [...SAMPLER_KINDS],
          description:
            'auto: gp with its defaults, or bayes with its defaults when the space has a subset (sources) or the study has several objectives, a warm_start, a screen_prior or a scheduler; random: every trial drawn independently; bayes: after startup_trials random trials, proposes the candidate with the best ratio of good to bad density (TPE); gp: after startup_trials random trials, proposes the point of largest expected improvement under a Gaussian process (Matérn 5/2), and hands over to bayes after tpe_after trials.',
        },
        startup_trials: {
          type: 'integer',
          minimum: 1,
          maximum: 10000,
          description: `bayes, gp: finished trials with a value before the model is used; random until then (default ${BAYES_DEFAULTS.startup_trials} for bayes, ${GP_DEFAULTS.startup_trials} for gp).`,
        },
        candidates: {
          type: 'integer',
          minimum: 1,
          maximum: 10000,
          description: `bayes: candidates drawn from the good-trial density per proposal; more exploit harder (default ${BAYES_DEFAULTS.candidates}).`,
        },
        multivariate: {
          type: 'boolean',
          description: `bayes: model the parameters that are active together jointly (true) or one at a time (default ${BAYES_DEFAULTS.multivariate}).`,
        },
        gamma: {
          type: 'number',
          exclusiveMinimum: 0,
          maximum: 1,
          description: `bayes: fraction of the finished trials (at most 25) that form the good group, in (0, 1] (default ${BAYES_DEFAULTS.gamma}).`,
        },
        constant_liar: {
          type: 'boolean',
          description: `bayes: count running trials as bad ones; gp: give running trials the mean observed value (or the model's prediction where lower); either way parallel workers propose different points (default ${BAYES_DEFAULTS.constant_liar}).`,
        },
        tpe_after: {
          type: 'integer',
          minimum: 1,
          maximum: 100000,
          description: `gp: from this many finished trials on, the bayes (TPE) sampler proposes instead, so a long study does not slow down (default ${GP_DEFAULTS.tpe_after}).`,
        },
        source_design: {
          type: 'boolean',
          description: `bayes, gp: with a sources subset and no screen_prior or warm_start, start with a balanced two-level design over the sources (16 trials for 8 sources, 32 for 16), so every source's effect is measured before the model steers away from the harmful ones; used when the budget holds at least four times its trials (default ${BAYES_DEFAULTS.source_design} for both).`,
        },
      },
    },
  ],
} as const;

function rawSampler(study: StudyConfig): RawSampler | null {
  const raw = study.sampler;
  if (raw === undefined) return null;
  return typeof raw === 'string' ? { kind: raw } : raw;
}

/** A setting given to a kind that does not use it would be silently ignored. */
export function samplerIssue(study: StudyConfig): ConfigIssue | null {
  const raw = rawSampler(study);
  if (raw === null) return null;
  const extra = (Object.keys(SETTING_KINDS) as SettingKey[]).find((key) => raw[key] !== undefined && !SETTING_KINDS[key].includes(raw.kind));
  if (extra === undefined) return null;
  const kinds = SETTING_KINDS[extra];
  return { path: ['sampler', extra], message: `only used with kind ${kinds.join(' or ')} (kind is ${raw.kind})` };
}

/**
 * What `auto` (the default) resolves to, and why: gp, unless the study needs what only bayes has or
 * searches where bayes was measured better. On `npm run bench -- samplers` (79 problems x 10 seeds,
 * docs/benchmarks.md 2026-12-07) gp beats bayes 449-329 at 50 trials and 471-309 at 100, at 4-13 ms
 * per proposal, nothing next to a training trial; it hands over to bayes after tpe_after trials and
 * in spaces of more than 40 encoded dimensions. bayes:
 * - with a `subset` parameter (the sources): on the selection benchmark's digits family gp's
 *   recommendation missed the regret goal in a third of 40 replays, bayes in none (docs/benchmarks.md
 *   2026-12-07, sixth session), and the per-source attribution was measured on bayes's studies;
 * - with several objectives (bayes is then the multi-objective TPE);
 * - with a warm start or a screen prior (only bayes reads earlier trials and source priors);
 * - with a scheduler (the halving and racing benchmarks measured bayes; gp there is not measured).
 */
export function autoKind(study: AutoFacts): 'bayes' | 'gp' {
  const { multiObjective, warmStart, screenPrior, scheduler, subset } = study;
  return multiObjective || warmStart || screenPrior || scheduler || subset ? 'bayes' : 'gp';
}

/** What autoKind reads of a study. */
export interface AutoFacts {
  readonly multiObjective: boolean;
  readonly warmStart: boolean;
  readonly screenPrior: boolean;
  /** A scheduler other than none. */
  readonly scheduler: boolean;
  /** A `subset` parameter in the space. */
  readonly subset: boolean;
}

function autoFacts(study: StudyConfig): AutoFacts {
  const scheduler = typeof study.scheduler === 'string' ? study.scheduler : study.scheduler?.kind;
  return {
    multiObjective: Array.isArray(study.objective),
    warmStart: (study.warm_start ?? []).length > 0,
    screenPrior: study.screen_prior !== undefined,
    scheduler: scheduler !== undefined && scheduler !== 'none',
    subset: Object.values(study.space ?? {}).some((p) => p.type === 'subset'),
  };
}

/** Every setting written out; `auto` (or no `sampler:`) becomes gp or bayes by autoKind. */
export function resolveSampler(study: StudyConfig): SamplerSpec {
  const given = rawSampler(study) ?? { kind: 'auto' };
  const raw: RawSampler = given.kind === 'auto' ? { kind: autoKind(autoFacts(study)) } : given;
  if (raw.kind === 'random') return { kind: 'random' };
  if (raw.kind === 'gp') {
    return {
      kind: 'gp',
      startup_trials: raw.startup_trials ?? GP_DEFAULTS.startup_trials,
      tpe_after: raw.tpe_after ?? GP_DEFAULTS.tpe_after,
      constant_liar: raw.constant_liar ?? GP_DEFAULTS.constant_liar,
      source_design: raw.source_design ?? GP_DEFAULTS.source_design,
    };
  }
  // Several objectives: the multi-objective TPE's own defaults (measured on `-- multiobjective`).
  const defaults = Array.isArray(study.objective) ? MOTPE_DEFAULTS : BAYES_DEFAULTS;
  return {
    kind: 'bayes',
    startup_trials: raw.startup_trials ?? defaults.startup_trials,
    candidates: raw.candidates ?? defaults.candidates,
    multivariate: raw.multivariate ?? defaults.multivariate,
    gamma: raw.gamma ?? defaults.gamma,
    constant_liar: raw.constant_liar ?? defaults.constant_liar,
    source_design: raw.source_design ?? defaults.source_design,
  };
}
