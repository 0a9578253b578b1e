// The `scheduler:` key of a study file: its cross-field checks and its resolution to a SchedulerSpec.
// Main thread. Must not import tfjs, the worker or the store.
import { show } from './format.js';
import type { ConfigIssue, RawScheduler, StudyConfig } from './study-config.js';
import type { SchedulerSpec } from '../spec/study.js';

export const DEFAULT_MIN_EPOCHS = 1;
export const DEFAULT_ETA = 3;
export const DEFAULT_FIRST_SEEDS = 1;

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
  const misplaced = misplacedSetting(raw);
  if (misplaced !== null) return misplaced;
  if (raw.kind === 'none') return null;
  if (raw.kind === 'race') return raceIssue(study, raw, at);
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

/** Which kinds read each setting: one given to another kind would be silently ignored. */
const SETTING_KINDS: Readonly<Record<string, readonly string[]>> = {
  min_epochs: ['asha', 'hyperband'],
  eta: ['asha', 'hyperband', 'race'],
  min_reports: ['asha', 'hyperband', 'race'],
  first_seeds: ['race'],
  wilcoxon: ['race'],
};

function misplacedSetting(raw: RawScheduler): ConfigIssue | null {
  for (const [key, kinds] of Object.entries(SETTING_KINDS)) {
    if (raw[key as keyof RawScheduler] === undefined || kinds.includes(raw.kind)) continue;
    const list = kinds.length === 1 ? kinds[0]! : `${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)!}`;
    const why = key === 'min_epochs' ? ': race stops trials between units, not between epochs' : '';
    return { path: ['scheduler', key], message: `only used with kind ${list} (kind is ${raw.kind})${why}` };
  }
  return null;
}

/**
 * Racing needs a unit left after the first slice. The objective may be on gain: a unit's gain is
 * known once the unit is in (its baseline trains with it), unlike at an epoch rung.
 */
function raceIssue(study: StudyConfig, raw: RawScheduler, at: readonly string[]): ConfigIssue | null {
  const first = raw.first_seeds ?? DEFAULT_FIRST_SEEDS;
  const seeds = study.budget.seeds ?? 1;
  if (first >= seeds) {
    const given = raw.first_seeds !== undefined;
    return {
      path: given ? ['scheduler', 'first_seeds'] : [...at],
      message:
        `${given ? 'must' : `the default first_seeds (${first}) must`} be < budget.seeds (${seeds}) (got ${first}): ` +
        `the first slice would hold every unit of a trial, so no trial could ever be stopped`,
    };
  }
  return null;
}

/** The resolved scheduler, or null for none (then the key is left out of the ResolvedStudy). */
export function resolveScheduler(study: StudyConfig): SchedulerSpec | null {
  const raw = rawScheduler(study);
  if (raw === null || raw.kind === 'none') return null;
  const eta = raw.eta ?? DEFAULT_ETA;
  const min_reports = raw.min_reports ?? eta;
  if (raw.kind === 'race') {
    return {
      kind: 'race',
      first_seeds: raw.first_seeds ?? DEFAULT_FIRST_SEEDS,
      eta,
      min_reports,
      ...(raw.wilcoxon !== undefined ? { wilcoxon: raw.wilcoxon } : {}),
    };
  }
  return { kind: raw.kind, min_epochs: raw.min_epochs ?? DEFAULT_MIN_EPOCHS, eta, min_reports };
}
