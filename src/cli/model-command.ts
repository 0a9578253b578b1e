// `tasksieve model STUDY -o DIR`: a trial's model as a model folder (TF.js Layers files plus
// tasksieve-model.json). The stored model when the study kept it; otherwise the trial's unit is
// retrained through the worker pool from its stored params and seed, and the command says so.
// Main thread; loads the pool only to retrain.
import { StudyConfigError } from '../errors.js';
import { checkModelDirTarget, writeModelDir } from '../model/index.js';
import { chosenSources, modelFor, recipeFor } from '../search/space.js';
import { rankSubsets } from '../selection/index.js';
import type { ModelArtifact } from '../spec/artifacts.js';
import type { StudyRecord, TrialRecord } from '../spec/records.js';
import type { Recipe } from '../spec/recipe.js';
import type { ModelSpec, ResolvedStudy } from '../spec/study.js';
import type { SourceSpec, TargetSpec } from '../spec/tasks.js';
import { BACKENDS, type BackendName, type StoredUnit, type TrialUnit } from '../spec/units.js';
import type { ObjectiveMetric } from '../spec/metrics.js';
import type { Store } from '../store/index.js';
import { decodeParams, decodeStoredUnit, studySpecOf } from '../study/decoders.js';
import { readStoredArtifact } from '../study/artifacts.js';
import { bestTrial } from '../study/leaderboard.js';
import { loadTrialTable } from '../study/trial-table.js';
import { planUnits } from '../study/units.js';
import { fmtNumber } from '../util/format.js';
import { openStudyToRead } from './locate.js';
import type { Args, Options } from './options.js';
import { printJson, printLines, printNote } from './output.js';

/** The unit whose model is wanted: a trial's recipe and sources on one target and seed. */
export interface ModelChoice {
  readonly trial: TrialRecord;
  readonly recipe: Recipe;
  /** The trial's model (the study's, with the trial's architecture parameters applied). */
  readonly model: ModelSpec;
  readonly sources: readonly SourceSpec[];
  readonly target: TargetSpec;
  readonly seedIndex: number;
  /** What the study stored for that unit (absent: the trial has no such unit, e.g. --seed beyond the study's seeds). */
  readonly stored: StoredUnit | null;
  readonly how: string;
}

export async function modelCommand([target]: Args<'model'>, options: Options<'model'>): Promise<number> {
  // Before any training: a folder that is not a model is refused at once.
  checkModelDirTarget(options.output);
  const { store, record } = await openStudyToRead(target, options.db);
  let choice: ModelChoice;
  let artifact: ModelArtifact | null;
  // The figure the study ranks by (accuracy, macro-F1 or macro recall), as the leaderboard shows it.
  let metric: ObjectiveMetric;
  try {
    const study = studySpecOf(record);
    metric = study.objective.metric;
    choice = chooseUnit(store, record, study, options);
    artifact = storedArtifact(store, record, choice);
  } finally {
    store.close();
  }
  let retrained = false;
  if (artifact === null) {
    const backend = options.backend ?? storedBackend(choice.stored);
    printNote(
      `${record.name}: the model of trial #${choice.trial.number} (${choice.how}; target ${choice.target.name}, seed index ${choice.seedIndex}) is not stored: retraining its unit on the worker pool${backend ? ` (${backend})` : ''}`,
    );
    artifact = await retrain(studySpecOf(record), choice, backend);
    retrained = true;
    const stored = choice.stored;
    if (stored !== null && stored.backend === artifact.meta.backend && !sameMetrics(stored, artifact)) {
      // Same unit, same seed, same backend: the figures must agree. A mismatch is a reproducibility bug.
      printNote(
        `warning: the retrained unit's accuracy ${fmtNumber(artifact.meta.metrics.accuracy, 6)} differs from the stored ${fmtNumber(stored.metrics.accuracy, 6)}`,
      );
    }
  }
  const written: ModelArtifact = {
    ...artifact,
    meta: { ...artifact.meta, origin: { study: record.name, trial: choice.trial.number, target: choice.target.name, seedIndex: choice.seedIndex } },
  };
  writeModelDir(options.output, written);
  const summary = {
    study: record.name,
    trial: choice.trial.number,
    target: choice.target.name,
    seedIndex: choice.seedIndex,
    retrained,
    dir: options.output,
    backend: written.meta.backend,
    bytes: written.weights.byteLength,
    metrics: written.meta.metrics,
  };
  if (options.json) printJson(summary);
  else {
    printLines(
      `wrote ${options.output}: trial #${summary.trial} on ${summary.target} (seed index ${summary.seedIndex}), ${summary.bytes} bytes of weights, validation ${metric} ${fmtNumber(summary.metrics[metric], 6)}${written.meta.test ? `, test ${metric} ${fmtNumber(written.meta.test[metric], 6)}` : ''} (${summary.backend}${retrained ? ', retrained' : ''})`,
    );
  }
  return 0;
}

/**
 * The stored model of `choice`'s unit, or null when the study does not keep it (artifacts: none, a
 * trial superseded under `best`, an older database): read from the artifacts table, decoded and
 * size-checked (src/study/artifacts.ts).
 */
export function storedArtifact(store: Store, record: StudyRecord, choice: ModelChoice): ModelArtifact | null {
  return readStoredArtifact(store, record, choice.trial.number, choice.target.name, choice.seedIndex);
}

/** --trial N|best|recommended, --target, --seed: the unit, with what the study stored of it. */
export function chooseUnit(
  store: Store,
  record: StudyRecord,
  study: ResolvedStudy,
  options: Pick<Options<'model'>, 'trial' | 'target' | 'seed'>,
): ModelChoice {
  const target = options.target === undefined ? study.targets[0]! : study.targets.find((t) => t.name === options.target);
  if (target === undefined) {
    throw new StudyConfigError(`--target: study "${record.name}" has no target ${JSON.stringify(options.target)} (targets: ${study.targets.map((t) => t.name).join(', ')})`);
  }
  const seedIndex = options.seed ?? 0;
  const trials = store.getTrials(record.id);
  const which = options.trial ?? 'best';
  let trial: TrialRecord | null;
  let how: string;
  if (which === 'best') {
    trial = bestTrial(trials, record.direction);
    how = 'the best trial';
    if (trial === null) throw new StudyConfigError(`study "${record.name}" has no finished trial yet`);
  } else if (which === 'recommended') {
    const table = loadTrialTable(store, record);
    const recommended = rankSubsets(table).recommended;
    if (recommended === null) throw new StudyConfigError(`study "${record.name}" has no recommended source subset yet (see tasksieve leaderboard --subsets)`);
    // The trials its score came from: its best recipe's (or, pooled, every trial of the subset).
    const numbers = new Set(recommended.trialNumbers);
    trial = bestTrial(
      trials.filter((t) => numbers.has(t.number)),
      record.direction,
    );
    how = `the recommended subset {${recommended.sources.join(', ') || 'target only'}} with its best trial's recipe`;
    if (trial === null) throw new StudyConfigError(`study "${record.name}": no finished trial used the recommended subset`);
  } else {
    if (!/^\d+$/.test(which)) throw new StudyConfigError(`--trial must be a trial number, best or recommended (got ${JSON.stringify(which)})`);
    const number = Number(which);
    trial = trials.find((t) => t.number === number) ?? null;
    how = `trial #${number}`;
    if (trial === null) throw new StudyConfigError(`--trial: study "${record.name}" has no trial #${number}`);
  }
  const params = decodeParams(trial.params, `study "${record.name}" trial #${trial.number}: its params`);
  const units = store.getUnits(trial.id).map((u) => decodeStoredUnit(u.result, `study "${record.name}" trial #${trial.number}: unit ${u.target}`));
  const targets = store.getUnits(trial.id).map((u) => u.target);
  const stored = units.find((u, i) => targets[i] === target.name && u.seedIndex === seedIndex) ?? null;
  return { trial, recipe: recipeFor(study, params), model: modelFor(study, params), sources: chosenSources(study, params), target, seedIndex, stored, how };
}

/** The unit of `choice`, as the study ran it (its seed and recipe), trained again with artifact: true. */
async function retrain(study: ResolvedStudy, choice: ModelChoice, backend: BackendName | null): Promise<ModelArtifact> {
  // A unit the scheduler stopped early trained for stoppedAt fine-tuning epochs: so does its model.
  const stoppedAt = choice.stored?.stoppedAt ?? null;
  const recipe = stoppedAt !== null ? { ...choice.recipe, epochs: stoppedAt } : choice.recipe;
  const seeds = Math.max(study.budget.seeds, choice.seedIndex + 1);
  const plan = planUnits({ ...study, targets: [choice.target], budget: { ...study.budget, seeds } }, choice.trial.number, recipe, choice.sources, [], choice.model).find(
    (p) => p.seedIndex === choice.seedIndex,
  )!;
  const unit: TrialUnit = { ...plan.unit, withBaseline: false, artifact: true };
  const { PoolExecutor } = await import('../study/pool-executor.js');
  const executor = await PoolExecutor.start({ workers: 1, backend });
  try {
    const result = await executor.runUnit(unit);
    if (result.artifact === undefined) throw new Error('the worker returned no model for a unit asked for one');
    return result.artifact;
  } finally {
    await executor.close();
  }
}

function storedBackend(stored: StoredUnit | null): BackendName | null {
  const backend = stored?.backend;
  return BACKENDS.find((b) => b === backend) ?? null;
}

function sameMetrics(stored: StoredUnit, artifact: ModelArtifact): boolean {
  return JSON.stringify(stored.metrics.confusion) === JSON.stringify(artifact.meta.metrics.confusion);
}
