// `tasksieve suggest`: the source subsets worth evaluating next (those the surrogate fitted on every
// finished trial predicts best among the subsets not tried yet), and with --enqueue, trials for them
// that the study's next run claims before asking its sampler. Main thread; thin.
import type { ResolvedStudy } from '../spec/study.js';
import { StudyConfigError } from '../errors.js';
import { bestTrial } from '../study/leaderboard.js';
import { chosenSourceNames, SUBSET_PARAM, type Params } from '../spec/space.js';
import { harmfulNotes, subsetKey, suggestSubsets, type SubsetSuggestion } from '../selection/index.js';
import { loadTrialTable } from '../study/trial-table.js';
import type { Json, TrialRecord } from '../spec/records.js';
import type { Store } from '../store/types.js';
import { fmtParam, fmtSigned } from '../util/format.js';
import { isStudyFile, openStudy } from './locate.js';
import type { Args, Options } from './options.js';
import { printJson, printLines, printTable } from './output.js';
import { decodeParams, studySpecOf } from '../study/decoders.js';

export async function suggestCommand([target]: Args<'suggest'>, options: Options<'suggest'>): Promise<number> {
  const { count, enqueue } = options;
  const { store, record } = await openStudy(target, options.db, { readonly: !enqueue });
  try {
    const study = studySpecOf(record);
    const subset = study.space.find((p) => p.name === SUBSET_PARAM && p.distribution.type === 'subset');
    if (subset === undefined || subset.distribution.type !== 'subset') {
      throw new StudyConfigError(`study "${record.name}" does not search its sources (no space.${SUBSET_PARAM} subset parameter): there is no subset to suggest`);
    }
    const data = loadTrialTable(store, record);
    if (data.trials.length === 0) {
      if (options.json) printJson({ study: record.name, trials: 0, suggestions: [], enqueued: [] });
      else printLines(`study ${record.name}: no COMPLETE trial yet, nothing to suggest from`);
      return 0;
    }
    // Subsets already waiting or running would be measured anyway: suggesting them again (a second
    // `suggest --enqueue`) would spend trials twice on one subset.
    const all = store.getTrials(record.id);
    const paramsOf = (t: TrialRecord) => decodeParams(t.params, `study "${record.name}" trial #${t.number}: its params`);
    const pending = new Set(
      all.filter((t) => t.state === 'WAITING' || t.state === 'RUNNING').map((t) => subsetKey(chosenSourceNames(paramsOf(t)), data.sources)),
    );
    const { min, max } = subset.distribution;
    const suggestions = suggestSubsets(data, count + pending.size, { min, max })
      .filter((s) => !pending.has(subsetKey(s.sources, data.sources)))
      .slice(0, count);
    // The recipe of the best trial that chose its sources (a conditional subset may be absent from some).
    const best = bestTrial(
      all.filter((t) => SUBSET_PARAM in paramsOf(t)),
      record.direction,
    );
    const enqueued = enqueue && best !== null ? suggestions.map((s) => enqueueSuggestion(store, record.id, paramsOf(best), s)) : [];
    if (options.json) {
      printJson({
        study: record.name,
        trials: data.trials.length,
        suggestions: suggestions.map((s) => ({ sources: s.sources, predicted_gain: s.predictedGain })),
        enqueued: enqueued.map((number, i) => ({ number, params: { ...paramsOf(best!), [SUBSET_PARAM]: suggestions[i]!.sources } })),
      });
      return 0;
    }
    writeSuggestions(record.name, data.trials.length, study, suggestions, harmfulNotes(data).subsetText);
    if (enqueue) {
      if (enqueued.length === 0) {
        printLines('nothing enqueued: no suggestion, or no COMPLETE trial with a source subset to take a recipe from');
        return 0;
      }
      const recipe = Object.entries(paramsOf(best!))
        .filter(([k]) => k !== SUBSET_PARAM)
        .map(([k, v]) => `${k}=${fmtParam(v)}`)
        .join(' ');
      const total = all.length + enqueued.length;
      const rerun = isStudyFile(target) ? `tasksieve run ${target} --trials ${total}` : `tasksieve run STUDY.yaml --trials ${total}`;
      printLines(
        `enqueued as trial${enqueued.length === 1 ? '' : 's'} ${enqueued.map((n) => `#${n}`).join(', ')} (WAITING) with the recipe of best trial #${best!.number}${recipe ? ` (${recipe})` : ''}; ` +
          `the next run or resume claims them before asking the sampler, once budget.trials allows ${total} trials (${rerun})`,
      );
    }
    return 0;
  } finally {
    store.close();
  }
}

/**
 * One WAITING trial for a suggestion. It may go past budget.trials: the study then looks finished
 * until a run raises its budget (`--trials`), and that run claims these trials first.
 */
function enqueueSuggestion(store: Store, studyId: number, recipe: Params, suggestion: SubsetSuggestion): number {
  const params: { readonly [k: string]: Json } = { ...recipe, [SUBSET_PARAM]: [...suggestion.sources] };
  // No budget cap here (the limit only bounds the count): see the comment above.
  const created = store.createTrial(studyId, Number.MAX_SAFE_INTEGER, () => ({ params, state: 'WAITING', owner: null }));
  return created!.number;
}

function writeSuggestions(
  name: string,
  trials: number,
  study: ResolvedStudy,
  suggestions: readonly SubsetSuggestion[],
  subsetText: (sources: readonly string[]) => string,
): void {
  printLines(
    `study ${name}: subsets not tried yet that the surrogate fitted on ${trials} trial(s) predicts best (${study.objective.metric} gain over the target-only baseline, averaged over targets, seeds and recipes)`,
  );
  if (suggestions.length === 0) {
    printLines('none: every allowed subset has been tried or is waiting to run');
    return;
  }
  const body = suggestions.map((s, i) => [String(i + 1), subsetText(s.sources), fmtSigned(s.predictedGain)]);
  printTable(['rank', 'sources', 'predicted gain'], body);
}
