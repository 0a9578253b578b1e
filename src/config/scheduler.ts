// The `scheduler:` key of a study file: its cross-field checks and its resolution to a SchedulerSpec.
// Main thread. Must not import tfjs, the worker or the store.
import { show } from './format.js';
import type { ConfigIssue, RawScheduler, StudyConfig } from './study-config.js';
import type { SchedulerSpec } from '../spec/study.js';

export const DEFAULT_MIN_EPOCHS = 1;
export const DEFAULT_ETA = 3;
export const DEFAULT_FIRST_SEEDS = 1;
/**
 * Racing's own defaults: top half at each rung, and the paired rule at 0.1. Chosen on the racing part
 * of `npm run bench -- halving` over 30 study seeds, once with 1 worker (deterministic) and once with
 * 2 (docs/benchmarks.md, 2026-12-07 seventh session): the former defaults (eta 3, min_reports 3, no
 * paired rule) never reached the no-scheduler recommendation in 9 and 11 of 30 studies (median
 * 1.24x and 1.69x fewer trainings to it, a miss counted as 0); these in 3 and 8 (2.02x and 1.56x).
 */
export const DEFAULT_RACE_ETA = 2;
export const DEFAULT_RACE_WILCOXON = 0.1;
/** What `scheduler: race` resolved to before those defaults, for any first_seeds. */
const LEGACY_RACE = { eta: 3, min_reports: 3 } as const;

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
  if (raw.kind === 'race') {
    const eta = raw.eta ?? DEFAULT_RACE_ETA;
    const wilcoxon = raw.wilcoxon ?? DEFAULT_RACE_WILCOXON;
    return {
      kind: 'race',
      first_seeds: raw.first_seeds ?? DEFAULT_FIRST_SEEDS,
      eta,
      min_reports: raw.min_reports ?? eta,
      ...(wilcoxon !== 'off' ? { wilcoxon } : {}),
    };
  }
  const eta = raw.eta ?? DEFAULT_ETA;
  const min_reports = raw.min_reports ?? eta;
  return { kind: raw.kind, min_epochs: raw.min_epochs ?? DEFAULT_MIN_EPOCHS, eta, min_reports };
}

/**
 * Whether a stored race scheduler is what `scheduler: race` meant before racing got its own defaults
 * while the file now resolves to those defaults: a study made then resumes with its stored settings
 * (never a mix of two rules in one study) instead of being refused as changed. A file that spells
 * out the new defaults for such a study also runs the stored settings; anything else is a change.
 */
export function isLegacyRaceDefault(stored: unknown, fresh: unknown): boolean {
  if (!isRace(stored) || !isRace(fresh)) return false;
  const keys = (o: object) => Object.keys(o).sort().join(',');
  return (
    keys(stored) === 'eta,first_seeds,kind,min_reports' &&
    stored['eta'] === LEGACY_RACE.eta &&
    stored['min_reports'] === LEGACY_RACE.min_reports &&
    keys(fresh) === 'eta,first_seeds,kind,min_reports,wilcoxon' &&
    fresh['first_seeds'] === stored['first_seeds'] &&
    fresh['eta'] === DEFAULT_RACE_ETA &&
    fresh['min_reports'] === DEFAULT_RACE_ETA &&
    fresh['wilcoxon'] === DEFAULT_RACE_WILCOXON
  );
}

function isRace(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && (value as { kind?: unknown }).kind === 'race';
}
