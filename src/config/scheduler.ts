// The `scheduler:` key of a study file: its cross-field checks and its resolution to a SchedulerSpec.
// Main thread. Must not import tfjs, the worker or the store.
import { show } from './format.js';
import type { ConfigIssue, RawScheduler, StudyConfig } from './study-config.js';
import type { SchedulerSpec } from '../spec/study.js';

export const DEFAULT_MIN_EPOCHS = 1;
export const DEFAULT_ETA = 3;

function rawScheduler(study: StudyConfig): RawScheduler | null {
  const raw = study.scheduler;
  if (raw === undefined) return null;
  return typeof raw === 'string' ? { kind: raw } : raw;
}

/** The most fine-tuning epochs any trial of the study can have, and where that bound comes from. */
function maxTrialEpochs(study: StudyConfig, defaultEpochs: number): [number, string] {
  const param = study.space?.['epochs'];
  if (param?.type === 'int') return [param.high, 'space.epochs.high'];
  if (param?.type === 'categorical') {
    const numbers = param.choices.filter((c): c is number => typeof c === 'number');
    if (numbers.length > 0) return [Math.max(...numbers), 'the largest of space.epochs.choices'];
  }
  if (study.recipe?.epochs !== undefined) return [study.recipe.epochs, 'recipe.epochs'];
  return [study.budget.epochs ?? defaultEpochs, 'budget.epochs'];
}

/**
 * Settings that would be ignored, rungs no trial can reach, and objectives a rung cannot measure.
 * `defaultEpochs` is budget.epochs when the file leaves it out.
 */
export function schedulerIssue(study: StudyConfig, defaultEpochs: number): ConfigIssue | null {
  const raw = rawScheduler(study);
  if (raw === null) return null;
  const at = typeof study.scheduler === 'string' ? ['scheduler'] : ['scheduler', 'kind'];
  if (raw.kind === 'none') {
    const extra = (['min_epochs', 'eta', 'min_reports'] as const).find((key) => raw[key] !== undefined);
    return extra === undefined ? null : { path: ['scheduler', extra], message: 'only used with kind asha or hyperband (kind is none)' };
  }
  const minEpochs = raw.min_epochs ?? DEFAULT_MIN_EPOCHS;
  const [epochs, bound] = maxTrialEpochs(study, defaultEpochs);
  if (minEpochs >= epochs) {
    const given = raw.min_epochs !== undefined;
    return {
      path: given ? ['scheduler', 'min_epochs'] : at,
      message:
        `${given ? 'must' : `the default min_epochs (${minEpochs}) must`} be < ${bound} (${epochs}) (got ${minEpochs}): ` +
        `rungs are fine-tuning epochs before a trial's last, so no trial could ever be stopped`,
    };
  }
  if (!Array.isArray(study.objective) && study.objective?.on === 'gain') {
    return {
      path: at,
      message:
        `${show(raw.kind)} cannot be combined with objective.on: gain: a rung value is the metric, and the ` +
        `baseline a gain needs is trained only after the transfer run (use on: metric, or no scheduler)`,
    };
  }
  return null;
}

/** The resolved scheduler, or null for none (then the key is left out of the ResolvedStudy). */
export function resolveScheduler(study: StudyConfig): SchedulerSpec | null {
  const raw = rawScheduler(study);
  if (raw === null || raw.kind === 'none') return null;
  const eta = raw.eta ?? DEFAULT_ETA;
  return { kind: raw.kind, min_epochs: raw.min_epochs ?? DEFAULT_MIN_EPOCHS, eta, min_reports: raw.min_reports ?? eta };
}
