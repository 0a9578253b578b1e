// Public names of the selection module: which sources to transfer from, with evidence — source
// attribution with bootstrap intervals, ranked subsets with support, trials re-ranked by another
// aggregate, the harmful-source notes of leaderboards, and the trial table they read.
// Main thread. Must not import tfjs, worker code or src/study (the study reads the table from a store:
// src/study/trial-table.ts loadTrialTable).
export { mergeRepeats, subsetKey, type TrialRow, type TrialTable, type UnitRow } from './trial-table.js';
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
export { harmfulNotes, type HarmfulNotes } from './harmful-notes.js';
export { rerankTrials, type RerankedTrial } from './rerank.js';
export { RANK_DEFAULTS, rankSubsets, type RankOptions, type SubsetRanking, type SubsetScore } from './subsets.js';
export { suggestSubsets, type SubsetSuggestion, type SuggestOptions } from './suggest.js';
export { planScreens, runScreens, screenTable, type ScreenRunner } from './screen.js';
export { type ScreenTable, type SourceScreen } from '../spec/screens.js';
export type { Interval } from './bootstrap.js';
