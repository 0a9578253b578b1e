// `tasksieve suggest`: the source subsets worth evaluating next (those the surrogate fitted on every
// finished trial predicts best among the subsets not tried yet), and with --enqueue, trials for them
// that the study's next run claims before asking its sampler. Main thread; thin.
import type { ResolvedStudy } from '../config/types.js';
import { StudyConfigError } from '../errors.js';
import { bestTrial } from '../search/study.js';
import { chosenSourceNames, SUBSET_PARAM } from '../search/space.js';
import { suggestSubsets, type SubsetSuggestion } from '../selection/suggest.js';
import { loadTrialTable, subsetKey } from '../selection/trial-table.js';
import type { Params } from '../search/types.js';
import type { Json, Store } from '../store/types.js';
import { fmtParamValue, fmtSigned, table } from './format.js';
import { isStudyFile, openStudy } from './locate.js';
import type { Options } from './main.js';
import { intOption } from './run-command.js';
import { harmfulNotes } from './selection-commands.js';

const DEFAULT_COUNT = 3;

export async function suggestCommand([target]: string[], options: Options): Promise<number> {
  const count = intOption(options, 'count') ?? DEFAULT_COUNT;
  if (count < 1) throw new StudyConfigError(`--count: must be at least 1 (got ${count})`);
  const enqueue = options.enqueue === true;
  const { store, record } = openStudy(target!, options.db as string | undefined, { readonly: !enqueue });
  try {
    const study = record.spec as unknown as ResolvedStudy;
    const subset = study.space.find((p) => p.name === SUBSET_PARAM && p.distribution.type === 'subset');
    if (subset === undefined || subset.distribution.type !== 'subset') {
      throw new StudyConfigError(`study "${record.name}" does not search its sources (no space.${SUBSET_PARAM} subset parameter): there is no subset to suggest`);
    }
    const data = loadTrialTable(store, record);
    if (data.trials.length === 0) {
      if (options.json) process.stdout.write(`${JSON.stringify({ study: record.name, trials: 0, suggestions: [], enqueued: [] })}\n`);
      else process.stdout.write(`study ${record.name}: no COMPLETE trial yet, nothing to suggest from\n`);
      return 0;
    }
    // Subsets already waiting or running would be measured anyway: suggesting them again (a second
    // `suggest --enqueue`) would spend trials twice on one subset.
    const all = store.getTrials(record.id);
    const pending = new Set(
      all.filter((t) => t.state === 'WAITING' || t.state === 'RUNNING').map((t) => subsetKey(chosenSourceNames(t.params as Params), data.sources)),
    );
    const { min, max } = subset.distribution;
    const suggestions = suggestSubsets(data, count + pending.size, { min, max })
      .filter((s) => !pending.has(subsetKey(s.sources, data.sources)))
      .slice(0, count);
    // The recipe of the best trial that chose its sources (a conditional subset may be absent from some).
    const best = bestTrial(
      all.filter((t) => SUBSET_PARAM in (t.params as object)),
      record.direction,
    );
    const enqueued = enqueue && best !== null ? suggestions.map((s) => enqueueSuggestion(store, record.id, best.params, s)) : [];
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({
          study: record.name,
          trials: data.trials.length,
          suggestions: suggestions.map((s) => ({ sources: s.sources, predicted_gain: s.predictedGain })),
          enqueued: enqueued.map((number, i) => ({ number, params: { ...(best!.params as object), [SUBSET_PARAM]: suggestions[i]!.sources } })),
        })}\n`,
      );
      return 0;
    }
    writeSuggestions(record.name, data.trials.length, study, suggestions, harmfulNotes(data).subsetText);
    if (enqueue) {
      if (enqueued.length === 0) {
        process.stdout.write('nothing enqueued: no suggestion, or no COMPLETE trial with a source subset to take a recipe from\n');
        return 0;
      }
      const recipe = Object.entries(best!.params as Record<string, Json>)
        .filter(([k]) => k !== SUBSET_PARAM)
        .map(([k, v]) => `${k}=${fmtParamValue(v as never)}`)
        .join(' ');
      const total = all.length + enqueued.length;
      const rerun = isStudyFile(target!) ? `tasksieve run ${target} --trials ${total}` : `tasksieve run STUDY.yaml --trials ${total}`;
      process.stdout.write(
        `enqueued as trial${enqueued.length === 1 ? '' : 's'} ${enqueued.map((n) => `#${n}`).join(', ')} (WAITING) with the recipe of best trial #${best!.number}${recipe ? ` (${recipe})` : ''}; ` +
          `the next run or resume claims them before asking the sampler, once budget.trials allows ${total} trials (${rerun})\n`,
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
function enqueueSuggestion(store: Store, studyId: number, recipe: Json, suggestion: SubsetSuggestion): number {
  const params = { ...(recipe as Record<string, Json>), [SUBSET_PARAM]: [...suggestion.sources] };
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
  process.stdout.write(
    `study ${name}: subsets not tried yet that the surrogate fitted on ${trials} trial(s) predicts best (${study.objective.metric} gain over the target-only baseline, averaged over targets, seeds and recipes)\n`,
  );
  if (suggestions.length === 0) {
    process.stdout.write('none: every allowed subset has been tried or is waiting to run\n');
    return;
  }
  const body = suggestions.map((s, i) => [String(i + 1), subsetText(s.sources), fmtSigned(s.predictedGain)]);
  process.stdout.write(`${table(['rank', 'sources', 'predicted gain'], body)}\n`);
}
