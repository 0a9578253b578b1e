// The library API beside the CLI: load a study file, open a study in a store, ask/tell, or run it
// with the warm worker pool. Main thread.
export { loadStudyFile, parseStudy, studyJsonSchema } from './config/index.js';
export type { ResolvedStudy, Recipe, ModelSpec, Objective, Budget, SchedulerSpec } from './config/types.js';
export * from './errors.js';
export { openStore, PostgresStore, SqliteStore } from './store/index.js';
export type { Store, StudyRecord, TrialRecord, TrialState, UnitRecord } from './store/types.js';
export { StudyHandle, type AskedTrial, type TellOutcome, type OpenStudyOptions } from './search/study-handle.js';
export { runStudy, bestTrial, type RunStudyOptions, type RunSummary, type StudyEvent } from './search/study.js';
export { PoolExecutor, UnitFailedError, type Executor, type ExecutorOptions } from './search/executor.js';
export { leaderboard, trialRows, type LeaderboardRow, type TrialRow } from './search/leaderboard.js';
export { RandomSampler, TpeSampler, createSampler, type Sampler, type SampleContext, type TrialSnapshot, type TpeSettings } from './search/samplers/index.js';
export type { Params, ParamValue, SearchSpace, ParamSpec, Distribution } from './search/types.js';
export {
  createScheduler,
  AshaScheduler,
  HyperbandScheduler,
  type Scheduler,
  type RungValue,
} from './search/schedulers/index.js';
export type { BackendName, UnitResult, TrialUnit } from './worker/protocol.js';
export {
  attributeSources,
  loadTrialTable,
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
export { priorFromScores, readSourcePrior, type SourcePrior } from './search/source-prior.js';
export { aggregate, cvar, meanMinusStd, type AggregateKind } from './metrics/aggregate.js';
export { hScore, leep, logme } from './metrics/transferability.js';
export {
  studyReport,
  renderReport,
  collectReport,
  paramImportance,
  type ReportData,
  type SectionOptions,
} from './report/index.js';
