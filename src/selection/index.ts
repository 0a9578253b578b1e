// Public names of the selection module: which sources to transfer from, with evidence — source
// attribution with bootstrap intervals, ranked subsets with support, and the trial table they read.
// Main thread. Must not import tfjs or worker code.
export { loadTrialTable, mergeRepeats, subsetKey, type TrialRow, type TrialTable, type UnitRow } from './trial-table.js';
export {
  ATTRIBUTION_DEFAULTS,
  attributeSources,
  fitOverallSurrogate,
  HARMFUL_MARK,
  harmfulSources,
  predictGain,
  type Attribution,
  type AttributionOptions,
  type AttributionScope,
  type EffectFlag,
  type LooEffect,
  type SourceEffect,
} from './attribution.js';
export { RANK_DEFAULTS, rankSubsets, type RankOptions, type SubsetRanking, type SubsetScore } from './subsets.js';
export { suggestSubsets, type SubsetSuggestion, type SuggestOptions } from './suggest.js';
export {
  planScreens,
  runScreens,
  screenTable,
  type ScreenRunner,
  type ScreenTable,
  type SourceScreen,
} from './screen.js';
export type { Interval } from './bootstrap.js';
