// `tasksieve sources`: per-source effects on the transfer gain with bootstrap intervals and flags,
// overall and per target, and the recommended subset. Reads the database read-only. Main thread;
// thin: src/selection computes, this prints.
import { StudyConfigError } from '../errors.js';
import { attributeSources, rankSubsets, type AttributionScope } from '../selection/index.js';
import { studySpecOf } from '../study/decoders.js';
import { loadTrialTable } from '../study/trial-table.js';
import { fmtInterval, fmtNumber, fmtRowCounts, fmtSigned, fmtSubset } from '../util/format.js';
import { openStudyToRead } from './locate.js';
import type { Args, Options } from './options.js';
import { printJson, printLines, printTable } from './output.js';

export async function sourcesCommand([target]: Args<'sources'>, options: Options<'sources'>): Promise<number> {
  const { resamples, seed } = options;
  const { store, record } = await openStudyToRead(target, options.db);
  try {
    const data = loadTrialTable(store, record);
    const only = options.target;
    if (only !== undefined && !data.targets.includes(only)) {
      throw new StudyConfigError(`--target: unknown target "${only}" (targets: ${data.targets.join(', ')})`);
    }
    if (data.trials.length === 0) {
      if (options.json) printJson({ study: record.name, trials: 0, attribution: null, recommended: null });
      else printLines(`study ${record.name}: no COMPLETE trial yet`);
      return 0;
    }
    const attribution = attributeSources(data, { ...(resamples !== undefined ? { resamples } : {}), ...(seed !== undefined ? { seed } : {}) });
    const ranking = rankSubsets(data, seed !== undefined ? { seed } : {});
    const { objective } = studySpecOf(record);
    const metric = objective.metric;
    const test = ranking.recommended?.test ?? null;
    if (options.json) {
      const scopes = only === undefined ? attribution : { ...attribution, targets: attribution.targets.filter((s) => s.target === only) };
      const recommended = ranking.recommended === null ? null : { ...ranking.recommended, ...(test !== null ? { test } : {}) };
      printJson({ study: record.name, metric, attribution: scopes, recommended, rule: ranking.rule });
      return 0;
    }
    const scopes = only === undefined ? [attribution.overall, ...attribution.targets] : attribution.targets.filter((s) => s.target === only);
    for (const scope of scopes) writeScope(scope, metric, attribution.level);
    printLines(
      `effect: change of the ${metric} gain over the target-only baseline when the source is added (ridge surrogate ` +
        `on inclusion indicators, recipe params as covariates); interval: ${Math.round(attribution.level * 100)}% ` +
        `bootstrap over trials (${attribution.resamples} resamples); helpful/harmful: the interval excludes 0; ` +
        `loo: trials with the same recipe differing by that source only`,
    );
    const rec = ranking.recommended;
    printLines(
      rec === null
        ? `recommended: none yet (${ranking.rule})`
        : `recommended: ${fmtSubset(rec.sources)} — ${ranking.by} ${fmtNumber(rec.score)} ${fmtInterval(rec.interval.low, rec.interval.high, objective.on === 'gain')} over ${rec.units} units (${ranking.rule})`,
      ...(test !== null
        ? [`test ${metric} of the recommended subset: ${fmtNumber(test)} (mean over its units on the held-out test rows${testRowsNote(data.testRows)}, which no trial was selected on; the figure above is on validation rows)`]
        : []),
    );
    return 0;
  } finally {
    store.close();
  }
}

function writeScope(scope: AttributionScope, metric: string, level: number): void {
  const name = scope.target === null ? 'all targets' : `target ${scope.target}`;
  printLines(`${name}: ${scope.trials} trials, ${scope.units} units`);
  const body = [...scope.effects]
    .sort((a, b) => b.effect - a.effect)
    .map((e) => [
      e.source,
      fmtSigned(e.effect),
      fmtInterval(e.interval.low, e.interval.high),
      e.flag,
      String(e.includedIn),
      e.loo === null ? '-' : `${fmtSigned(e.loo.effect)} (${e.loo.pairs} pair${e.loo.pairs === 1 ? '' : 's'})`,
    ]);
  const headers = ['source', `effect on ${metric} gain`, `${Math.round(level * 100)}% interval`, 'flag', 'trials with it', 'loo'];
  printTable(headers, body);
  printLines('');
}

/** ` (y80-82: 36 rows)`: what the recommended subset's test figure rests on. */
function testRowsNote(rows: Readonly<Record<string, number>> | undefined): string {
  const entries = Object.entries(rows ?? {});
  return entries.length === 0 ? '' : ` (${fmtRowCounts(entries)})`;
}
