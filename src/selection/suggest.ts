// The next subsets worth evaluating: those the surrogate (surrogate.ts, fitted on every finished trial)
// predicts best among the subsets no trial has used yet. A study spends its last trials on them to
// confirm the best selection with real units instead of trusting the model. Main thread; pure.
import { fitOverallSurrogate, type AttributionOptions } from './attribution.js';
import { predictGain } from './surrogate.js';
import { subsetKey, type TrialTable } from './trial-table.js';

export interface SubsetSuggestion {
  /** In the study's source order. */
  readonly sources: readonly string[];
  /** Mean gain over the (target, seed) cells the surrogate predicts, with an average recipe. */
  readonly predictedGain: number;
}

export interface SuggestOptions extends AttributionOptions {
  /** Fewest and most sources a suggestion may have (default 0 and all). */
  readonly min?: number;
  readonly max?: number;
}

/** Above this many sources the 2^n subsets are not enumerated; a greedy ascent searches instead. */
export const MAX_ENUMERATED_SOURCES = 16;

/**
 * Up to `count` unevaluated subsets with the highest predicted gain (maximising; lowest when the
 * objective minimises), best first. With at most MAX_ENUMERATED_SOURCES sources every subset of
 * allowed size is scored; with more, a greedy ascent by single additions and removals starts from
 * every evaluated subset. Throws RangeError when the table has no trial.
 */
export function suggestSubsets(table: TrialTable, count: number, options: SuggestOptions = {}): SubsetSuggestion[] {
  if (table.trials.length === 0) throw new RangeError('no COMPLETE trial to suggest from');
  const n = table.sources.length;
  const min = options.min ?? 0;
  const max = options.max ?? n;
  const sign = table.objective.direction === 'maximize' ? 1 : -1;
  const { design, fit } = fitOverallSurrogate(table, options);
  const evaluated = new Set(table.trials.map((t) => subsetKey(t.sources, table.sources)));
  const score = (subset: readonly string[]) => sign * predictGain(design, fit, subset);
  const candidates = new Map<string, SubsetSuggestion>();
  const consider = (subset: string[]) => {
    const key = subsetKey(subset, table.sources);
    if (evaluated.has(key) || candidates.has(key) || subset.length < min || subset.length > max) return;
    candidates.set(key, { sources: subset, predictedGain: predictGain(design, fit, subset) });
  };
  if (n <= MAX_ENUMERATED_SOURCES) {
    for (let mask = 0; mask < 2 ** n; mask++) consider(table.sources.filter((_, i) => (mask >> i) & 1));
  } else {
    for (const start of evaluated) {
      let current = start === '' ? [] : start.split(',');
      for (;;) {
        const moves = table.sources.map((s) => (current.includes(s) ? current.filter((x) => x !== s) : table.sources.filter((x) => x === s || current.includes(x))));
        moves.forEach(consider);
        const best = moves.filter((m) => m.length >= min && m.length <= max).sort((a, b) => score(b) - score(a))[0];
        if (best === undefined || score(best) <= score(current)) break;
        current = best;
      }
    }
  }
  return [...candidates.values()].sort((a, b) => sign * (b.predictedGain - a.predictedGain)).slice(0, count);
}
