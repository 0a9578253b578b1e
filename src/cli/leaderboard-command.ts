// `tasksieve leaderboard`: best trials first with their per-target gains; with --by, trials re-ranked
// by another aggregate of their units; with --subsets, source subsets ranked over every trial that
// used them. Each marks the harmful sources (src/selection/harmful-notes.ts). Reads the database
// read-only, so it never blocks or changes a running study. Main thread; must not load the pool.
import { describeObjective, describeTerm, objectiveOn } from '../metrics/objective.js';
import { harmfulNotes, rankSubsets, rerankTrials, type HarmfulNotes, type SubsetRanking, type TrialTable } from '../selection/index.js';
import type { StudyRecord } from '../spec/records.js';
import type { Aggregate, ResolvedStudy } from '../spec/study.js';
import type { Store } from '../store/types.js';
import { studySpecOf } from '../study/decoders.js';
import { leaderboard, testRowsText, testValue, trialRows, type TrialRow } from '../study/leaderboard.js';
import { paretoView } from '../study/pareto.js';
import { loadTrialTable } from '../study/trial-table.js';
import { fmtFixed, fmtInterval, fmtNumber, fmtParam, fmtSigned } from '../util/format.js';
import { openStudyToRead } from './locate.js';
import type { Args, Options } from './options.js';
import { printJson, printLines, printNote, printTable } from './output.js';

export async function leaderboardCommand([target]: Args<'leaderboard'>, options: Options<'leaderboard'>): Promise<number> {
  const { store, record } = await openStudyToRead(target, options.db);
  try {
    if (options.pareto) return paretoBoard(record, trialRows(store, record), options);
    if (options.subsets) return subsetBoard(record, loadTrialTable(store, record), options);
    if (options.by !== undefined) return rerankedBoard(record, loadTrialTable(store, record), options.by, options);
    return trialBoard(store, record, options);
  } finally {
    store.close();
  }
}

/** COMPLETE trials by the study objective, with gains per target and the failed trials' reasons. */
function trialBoard(store: Store, record: StudyRecord, options: Options<'leaderboard'>): number {
  const rows = leaderboard(store, record, options.top);
  const notes = harmfulNotes(loadTrialTable(store, record));
  if (options.json) {
    printJson({ study: record.name, direction: record.direction, rows, ...notes.json });
    return 0;
  }
  const spec = studySpecOf(record);
  printLines(`study ${record.name}: objective ${spec.objective.aggregate} ${spec.objective.metric} (${record.direction}); ${countStates(store, record)}`);
  if (rows.length === 0) {
    printLines('no COMPLETE trial yet');
    writeFailures(store, record);
    return 0;
  }
  const targets = spec.targets.map((t) => t.name);
  const tested = spec.targets.every((t) => t.test !== undefined);
  const headers = [
    'rank',
    'trial',
    tested ? `${spec.objective.metric} (validation)` : spec.objective.metric,
    ...(tested ? [`test ${spec.objective.metric}`] : []),
    'sources',
    ...targets.map((t) => `gain ${t}`),
    'params',
  ];
  const body = rows.map((row) => [
    String(row.rank),
    `#${row.number}`,
    // Fixed decimals, so a column reads down by them (0.4300 under 0.4303, not 0.43).
    fmtFixed(row.value),
    ...(tested ? [fmtFixed(testValue(row))] : []),
    notes.subsetText(row.sources),
    ...targets.map((t) => {
      const summary = row.targets.find((s) => s.target === t);
      return summary ? fmtSigned(summary.gain) : '-';
    }),
    paramsText(row.params),
  ]);
  printTable(headers, body);
  printLines(
    `gain: ${spec.objective.metric} minus the target-only baseline with the same recipe, target and seed (mean over seeds)`,
    ...(tested
      ? [
          `test ${spec.objective.metric}: on each target's held-out test rows (${testRowsText(rows)}; mean over targets and seeds), never trained, ranked or stopped on; the validation column is what ranked the trials, so the best one's is optimistic`,
        ]
      : []),
    ...notes.footer,
    ...(spec.objectives !== undefined
      ? [`ranked by the first of ${spec.objectives.length} objectives; --pareto shows the trade-off between them (the non-dominated trials)`]
      : []),
  );
  writeFailures(store, record);
  return 0;
}

/**
 * The non-dominated trials of a multi-objective study (--pareto): one column per objective, then
 * the constraint violations (<= 0: satisfied), the sources and params. A single-objective study has
 * no front to show: refused with exit 2.
 */
function paretoBoard(record: StudyRecord, rows: readonly TrialRow[], options: Options<'leaderboard'>): number {
  const spec = studySpecOf(record);
  const objectives = spec.objectives;
  if (objectives === undefined) {
    printNote(`tasksieve leaderboard: --pareto: study ${record.name} has one objective (${describeObjective(spec.objective)}); its leaderboard is the ranking without --pareto`);
    return 2;
  }
  const view = paretoView(spec, rows);
  const front = view.front.slice(0, options.top);
  if (options.json) {
    printJson({ study: record.name, objectives, constraints: spec.constraints ?? [], complete: view.complete, feasible: view.feasible, front });
    return 0;
  }
  const constraints = spec.constraints ?? [];
  printLines(
    `study ${record.name}: Pareto front of ${objectives.map(describeTerm).join(' vs ')}; ` +
      `${view.front.length} non-dominated of ${view.feasible} feasible COMPLETE trial(s)` +
      (constraints.length > 0 ? ` (${view.complete - view.feasible} infeasible left out)` : ''),
  );
  if (front.length === 0) {
    printLines(view.complete === 0 ? 'no COMPLETE trial yet' : 'no trial satisfies every constraint yet');
    return 0;
  }
  const headers = [
    'trial',
    ...objectives.map((o) => o.metric),
    ...constraints.map((c) => `${c.metric} ${c.max !== undefined ? `<= ${c.max}` : `>= ${c.min}`}`),
    'sources',
    'params',
  ];
  const body = front.map((r) => [
    `#${r.number}`,
    ...r.values!.map((v) => fmtNumber(v)),
    ...constraints.map((_, i) => (r.constraints![i]! <= 0 ? 'ok' : `off by ${fmtNumber(r.constraints![i]!)}`)),
    r.sources.length > 0 ? r.sources.join(' ') : '(none)',
    paramsText(r.params),
  ]);
  printTable(headers, body);
  if (view.front.length > front.length) printLines(`… and ${view.front.length - front.length} more (--top)`);
  return 0;
}

/** COMPLETE trials ranked by another aggregate of their per-unit values (--by). */
function rerankedBoard(record: StudyRecord, data: TrialTable, by: Aggregate, options: Options<'leaderboard'>): number {
  const spec = studySpecOf(record);
  const notes = harmfulNotes(data);
  const rows = rerankTrials(data, by).slice(0, options.top);
  if (options.json) {
    printJson({ study: record.name, by, direction: record.direction, rows, ...notes.json });
    return 0;
  }
  printLines(`study ${record.name}: trials ranked by ${describeObjective(spec.objective, by)} over their units (study objective: ${describeObjective(spec.objective)})`);
  if (rows.length === 0) {
    printLines('no COMPLETE trial yet');
    return 0;
  }
  const body = rows.map((r) => [
    String(r.rank),
    `#${r.number}`,
    fmtNumber(r.score),
    fmtNumber(r.value),
    String(r.units),
    notes.subsetText(r.sources),
    paramsText(r.params),
  ]);
  printTable(['rank', 'trial', by, 'objective', 'units', 'sources', 'params'], body);
  printLines(...notes.footer);
  return 0;
}

/** Source subsets ranked over their units (--subsets, optionally --by), with the recommended one. */
function subsetBoard(record: StudyRecord, data: TrialTable, options: Options<'leaderboard'>): number {
  const spec = studySpecOf(record);
  const notes = harmfulNotes(data);
  const ranking = rankSubsets(data, options.by !== undefined ? { by: options.by } : {});
  if (options.json) {
    printJson({ study: record.name, ...ranking, subsets: ranking.subsets.slice(0, options.top), ...notes.json });
    return 0;
  }
  writeSubsets(record, spec, ranking, options.top, notes);
  return 0;
}

function writeSubsets(record: StudyRecord, spec: ResolvedStudy, ranking: SubsetRanking, top: number, notes: HarmfulNotes): void {
  const what = describeObjective(spec.objective, ranking.by);
  printLines(`study ${record.name}: source subsets ranked by ${what} over their units, each on its best recipe with support (on all its recipes when none has it alone)`);
  if (ranking.subsets.length === 0) {
    printLines('no COMPLETE trial yet');
    return;
  }
  // The recipe each subset is scored on, where the study searches one beside the subset.
  const recipes = ranking.subsets.some((s) => s.recipe === null || Object.keys(s.recipe).length > 0);
  const body = ranking.subsets.slice(0, top).map((s) => [
    String(s.rank),
    notes.subsetText(s.sources),
    fmtNumber(s.score),
    // A score is a gain (signed) only when the objective is on gains.
    fmtInterval(s.interval.low, s.interval.high, spec.objective.on === 'gain'),
    fmtSigned(s.meanGain),
    // Of its trials with any recipe, how many the score is on.
    s.trials === s.trialsAnyRecipe ? String(s.trials) : `${s.trials} of ${s.trialsAnyRecipe}`,
    String(s.units),
    String(s.minUnitsPerTarget),
    s.supported ? 'yes' : 'no',
    ...(recipes ? [s.recipe === null ? `all ${s.trialsAnyRecipe} trials` : paramsText(s.recipe)] : []),
  ]);
  const headers = ['rank', 'sources', ranking.by, `${Math.round(ranking.level * 100)}% interval`, 'mean gain', 'trials', 'units', 'min units/target', 'supported', ...(recipes ? ['recipe'] : [])];
  printTable(headers, body);
  const rec = ranking.recommended;
  printLines(rec === null ? `recommended: none (${ranking.rule})` : `recommended: ${notes.subsetText(rec.sources)} (rank ${rec.rank}; ${ranking.rule})`);
  if (objectiveOn(spec.objective) === 'metric') {
    printLines(`score: ${spec.objective.metric} per unit; mean gain: over the paired target-only baseline`);
  }
  printLines(...notes.footer);
}

/** Failed trials are not ranked, but their reasons must be visible where people look. */
function writeFailures(store: Store, record: StudyRecord): void {
  const failed = store.getTrials(record.id, ['FAIL']);
  if (failed.length === 0) return;
  const shown = failed.slice(0, 5).map((t) => `  #${t.number}: ${t.error ?? 'unknown error'}`);
  const more = failed.length > 5 ? [`  … and ${failed.length - 5} more (tasksieve export shows all)`] : [];
  printLines(`${failed.length} failed trial(s):`, ...shown, ...more);
}

function paramsText(params: TrialRow['params']): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${fmtParam(v)}`)
    .join(' ');
}

function countStates(store: Store, record: StudyRecord): string {
  const counts = new Map<string, number>();
  for (const trial of store.getTrials(record.id)) counts.set(trial.state, (counts.get(trial.state) ?? 0) + 1);
  const total = studySpecOf(record).budget.trials;
  const parts = [...counts].map(([state, n]) => `${n} ${state}`);
  return `${parts.length > 0 ? parts.join(', ') : 'no trials'} of ${total}`;
}
