// The library API beside the CLI: load a study file, open a study in a store, ask/tell, or run it
// with the warm worker pool. Main thread.
export { loadStudyFile, parseStudy, studyJsonSchema } from './config/index.js';
export type { ResolvedStudy, ModelSpec, Objective, ObjectiveTerm, Constraint, Budget, SchedulerSpec, ArtifactPolicy } from './spec/study.js';
export type { Recipe } from './spec/recipe.js';
export * from './errors.js';
export { openStore, PostgresStore, SqliteStore } from './store/index.js';
export type { Store } from './store/types.js';
export type { StudyRecord, TrialRecord, TrialState, UnitRecord } from './spec/records.js';
export { StudyHandle, type AskedTrial, type TellOutcome, type OpenStudyOptions } from './study/study-handle.js';
export { runStudy, bestTrial, type RunStudyOptions, type RunSummary, type StudyEvent } from './study/run-study.js';
export { PoolExecutor, UnitFailedError, type Executor, type ExecutorOptions } from './study/pool-executor.js';
export { leaderboard, trialRows, type LeaderboardRow, type TrialRow } from './study/leaderboard.js';
// A unit's stored model (artifacts: best | all), decoded, or null; writeModelDir writes it as a model folder.
export { readStoredArtifact } from './study/artifacts.js';
export { RandomSampler, TpeSampler, MotpeSampler, createSampler, type Sampler, type SampleContext, type TrialSnapshot, type TpeSettings } from './search/samplers/index.js';
export type { Params, ParamValue, SearchSpace, ParamSpec, Distribution } from './spec/space.js';
export {
  createScheduler,
  AshaScheduler,
  HyperbandScheduler,
  type Scheduler,
  type RungValue,
} from './search/schedulers/index.js';
export type { BackendName, UnitResult, TrialUnit } from './spec/units.js';
export {
  attributeSources,
  planScreens,
  rankSubsets,
  runScreens,
  suggestSubsets,
  type Attribution,
  type AttributionOptions,
  type AttributionScope,
  type EffectFlag,
  type ScreenTable,
  type SourceEffect,
  type SubsetRanking,
  type SubsetScore,
  type SubsetSuggestion,
  type TrialTable,
} from './selection/index.js';
export { loadTrialTable } from './study/trial-table.js';
export { priorFromScores, type SourcePrior } from './search/source-prior.js';
export { readSourcePrior } from './study/screen-prior.js';
export { aggregate, cvar, meanMinusStd } from './metrics/aggregate.js';
// Multi-objective studies: hypervolume (all objectives minimised), Pareto dominance, a study's front.
export { hypervolume } from './metrics/hypervolume.js';
export { dominates, nondominatedRanks, paretoFront } from './metrics/pareto.js';
export { paretoView, hypervolumeCurve, isFeasible, type ParetoView } from './study/pareto.js';
export { type AggregateKind } from './spec/metrics.js';
export { hScore, leep, logme } from './metrics/transferability.js';
export {
  studyReport,
  renderReport,
  collectReport,
  paramImportance,
  type ReportData,
  type SectionOptions,
} from './report/index.js';
// Models out: a trained model as TF.js Layers files plus its meta, loaded back to predict on raw rows.
export { loadModel, predict, saveModel, readModelDir, writeModelDir, type LoadedModel, type Prediction, type PredictRows } from './model/index.js';
export type { ModelArtifact, ModelMeta, WeightSpec } from './spec/artifacts.js';
