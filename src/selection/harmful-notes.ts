// What a leaderboard says of the study's harmful sources: a mark on them wherever a subset is shown,
// the note under the table naming each with how much adding it lowers the gain, and the same in JSON.
// The CLI's leaderboards and the HTML report both use it. Main thread; pure given a trial table.
import { fmtInterval, fmtSigned, fmtSubset } from '../util/format.js';
import { HARMFUL_MARK, harmfulSources, type Attribution, type SourceEffect } from './attribution.js';
import type { Interval } from './bootstrap.js';
import type { TrialTable } from './trial-table.js';

export interface HarmfulNotes {
  /** The sources flagged harmful, with the flags of `tasksieve sources` (its defaults). */
  readonly harmful: readonly SourceEffect[];
  /** A subset as a leaderboard shows it: harmful sources marked (`a,bad!`); see fmtSubset. */
  readonly subsetText: (sources: readonly string[], separator?: string) => string;
  /** Lines under a leaderboard: none when no source is harmful. */
  readonly footer: readonly string[];
  /** Added to a leaderboard's JSON. */
  readonly json: { readonly harmful_sources: readonly { readonly source: string; readonly effect: number; readonly interval: Interval }[] };
}

/**
 * A leaderboard ranks trials and subsets by their scores, and a subset with a harmful source can rank
 * high on the strength of its recipe or of the sources next to it. Marking the source keeps the two
 * views from contradicting each other silently. `attribution`: one already computed on `table` with
 * the defaults (the report computes it once for all its sections).
 */
export function harmfulNotes(table: TrialTable, attribution?: Attribution): HarmfulNotes {
  const harmful = harmfulSources(table, attribution);
  const marked = new Set(harmful.map((e) => e.source));
  const mark = (source: string) => (marked.has(source) ? HARMFUL_MARK : '');
  return {
    harmful,
    subsetText: (sources, separator = ',') => fmtSubset(sources, separator, mark),
    footer:
      harmful.length === 0
        ? []
        : [
            `${HARMFUL_MARK} harmful (tasksieve sources): adding it lowers the gain on average over this study's trials — ` +
              harmful.map((e) => `${e.source} ${fmtSigned(e.effect)} ${fmtInterval(e.interval.low, e.interval.high)}`).join(', ') +
              `; a subset with it that ranks high does so in spite of it (its recipe, the sources next to it, or seed noise)`,
          ],
    json: { harmful_sources: harmful.map((e) => ({ source: e.source, effect: e.effect, interval: e.interval })) },
  };
}
