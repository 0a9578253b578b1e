// Selection commands: `sources` (per-source effects with intervals and flags), `leaderboard --by` /
// `--subsets` (robust re-ranking of trials and of source subsets), `screen` (transferability screens).
// Main thread; thin: parse options, call src/selection, print.
import { existsSync } from 'node:fs';
import { loadStudyFile } from '../config/index.js';
import { AGGREGATES, type Aggregate, type ResolvedStudy } from '../config/types.js';
import { StudyConfigError } from '../errors.js';
import { aggregate as aggregateOf } from '../metrics/aggregate.js';
import { PoolExecutor } from '../search/executor.js';
import { describeObjective, objectiveOn } from '../search/objective.js';
import { readScreenTable } from '../search/source-prior.js';
import { attributeSources, HARMFUL_MARK, harmfulSources, type AttributionScope } from '../selection/attribution.js';
import { runScreens, type ScreenTable } from '../selection/screen.js';
import { rankSubsets, type SubsetRanking } from '../selection/subsets.js';
import { loadTrialTable, type TrialTable } from '../selection/trial-table.js';
import type { StudyRecord } from '../store/types.js';
import { BACKENDS, type BackendName } from '../worker/protocol.js';
import { fmtNumber, fmtParamValue, fmtSigned, table } from './format.js';
import { dbPath, isStudyFile, openExisting, openStudyToRead } from './locate.js';
import type { Options } from './main.js';
import { leaderboardCommand, type SourceNotes } from './query-commands.js';
import { intOption } from './run-command.js';

function byOption(options: Options): Aggregate | undefined {
  const raw = options.by;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !(AGGREGATES as readonly string[]).includes(raw)) {
    throw new StudyConfigError(`--by: must be one of ${AGGREGATES.join(', ')} (got "${String(raw)}")`);
  }
  return raw as Aggregate;
}

const interval = (low: number, high: number) => `[${fmtSigned(low)}, ${fmtSigned(high)}]`;
const subsetText = (sources: readonly string[]) => (sources.length > 0 ? sources.join(',') : '(target only)');

/**
 * A leaderboard ranks trials and subsets by their scores, and a subset with a harmful source can rank
 * high on the strength of its recipe or of the sources next to it. Marking the source keeps the two
 * views from contradicting each other silently.
 */
export function harmfulNotes(data: TrialTable): SourceNotes {
  const harmful = harmfulSources(data);
  const marked = new Set(harmful.map((e) => e.source));
  return {
    subsetText: (sources) =>
      sources.length > 0 ? sources.map((s) => (marked.has(s) ? `${s}${HARMFUL_MARK}` : s)).join(',') : '(target only)',
    footer:
      harmful.length === 0
        ? []
        : [
            `${HARMFUL_MARK} harmful (tasksieve sources): adding it lowers the gain on average over this study's trials — ` +
              harmful.map((e) => `${e.source} ${fmtSigned(e.effect)} ${interval(e.interval.low, e.interval.high)}`).join(', ') +
              `; a subset with it that ranks high does so in spite of it (its recipe, the sources next to it, or seed noise)`,
          ],
    json: { harmful_sources: harmful.map((e) => ({ source: e.source, effect: e.effect, interval: e.interval })) },
  };
}

// ---- sources ---------------------------------------------------------------------------------------

export async function sourcesCommand([target]: string[], options: Options): Promise<number> {
  const resamples = intOption(options, 'resamples');
  const seed = intOption(options, 'seed');
  const { store, record } = openStudyToRead(target!, options.db as string | undefined);
  try {
    const data = loadTrialTable(store, record);
    const only = options.target as string | undefined;
    if (only !== undefined && !data.targets.includes(only)) {
      throw new StudyConfigError(`--target: unknown target "${only}" (targets: ${data.targets.join(', ')})`);
    }
    if (data.trials.length === 0) {
      if (options.json) process.stdout.write(`${JSON.stringify({ study: record.name, trials: 0, attribution: null, recommended: null })}\n`);
      else process.stdout.write(`study ${record.name}: no COMPLETE trial yet\n`);
      return 0;
    }
    const attribution = attributeSources(data, { ...(resamples !== undefined ? { resamples } : {}), ...(seed !== undefined ? { seed } : {}) });
    const ranking = rankSubsets(data, seed !== undefined ? { seed } : {});
    if (options.json) {
      const scopes = only === undefined ? attribution : { ...attribution, targets: attribution.targets.filter((s) => s.target === only) };
      process.stdout.write(`${JSON.stringify({ study: record.name, metric: (record.spec as unknown as ResolvedStudy).objective.metric, attribution: scopes, recommended: ranking.recommended, rule: ranking.rule })}\n`);
      return 0;
    }
    const metric = (record.spec as unknown as ResolvedStudy).objective.metric;
    const scopes = only === undefined ? [attribution.overall, ...attribution.targets] : attribution.targets.filter((s) => s.target === only);
    for (const scope of scopes) writeScope(scope, metric, attribution.level);
    process.stdout.write(
      `effect: change of the ${metric} gain over the target-only baseline when the source is added (ridge surrogate ` +
        `on inclusion indicators, recipe params as covariates); interval: ${Math.round(attribution.level * 100)}% ` +
        `bootstrap over trials (${attribution.resamples} resamples); helpful/harmful: the interval excludes 0; ` +
        `loo: trials with the same recipe differing by that source only\n`,
    );
    const rec = ranking.recommended;
    process.stdout.write(
      rec === null
        ? `recommended: none yet (${ranking.rule})\n`
        : `recommended: ${subsetText(rec.sources)} — ${ranking.by} ${fmtNumber(rec.score)} ${interval(rec.interval.low, rec.interval.high)} over ${rec.units} units (${ranking.rule})\n`,
    );
    return 0;
  } finally {
    store.close();
  }
}

function writeScope(scope: AttributionScope, metric: string, level: number): void {
  const name = scope.target === null ? 'all targets' : `target ${scope.target}`;
  process.stdout.write(`${name}: ${scope.trials} trials, ${scope.units} units\n`);
  const body = [...scope.effects]
    .sort((a, b) => b.effect - a.effect)
    .map((e) => [
      e.source,
      fmtSigned(e.effect),
      interval(e.interval.low, e.interval.high),
      e.flag,
      String(e.includedIn),
      e.loo === null ? '-' : `${fmtSigned(e.loo.effect)} (${e.loo.pairs} pair${e.loo.pairs === 1 ? '' : 's'})`,
    ]);
  const headers = ['source', `effect on ${metric} gain`, `${Math.round(level * 100)}% interval`, 'flag', 'trials with it', 'loo'];
  process.stdout.write(`${table(headers, body)}\n\n`);
}

// ---- leaderboard --by / --subsets ------------------------------------------------------------------

/** `leaderboard`: the plain leaderboard, or a robust re-ranking with --by and/or --subsets. */
export async function leaderboardWithSelection(positionals: string[], options: Options): Promise<number> {
  const by = byOption(options);
  if (by === undefined && !options.subsets) {
    return leaderboardCommand(positionals, options, (store, record) => harmfulNotes(loadTrialTable(store, record)));
  }
  const top = intOption(options, 'top') ?? 10;
  const { store, record } = openStudyToRead(positionals[0]!, options.db as string | undefined);
  try {
    const data = loadTrialTable(store, record);
    const spec = record.spec as unknown as ResolvedStudy;
    const notes = harmfulNotes(data);
    if (options.subsets) {
      const ranking = rankSubsets(data, by !== undefined ? { by } : {});
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ study: record.name, ...ranking, subsets: ranking.subsets.slice(0, top), ...notes.json })}\n`);
        return 0;
      }
      writeSubsets(record, spec, ranking, top, notes);
      return 0;
    }
    const rows = rerankTrials(data, by!).slice(0, top);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ study: record.name, by, direction: record.direction, rows, ...notes.json })}\n`);
      return 0;
    }
    process.stdout.write(`study ${record.name}: trials ranked by ${describeObjective(spec.objective, by)} over their units (study objective: ${describeObjective(spec.objective)})\n`);
    if (rows.length === 0) {
      process.stdout.write('no COMPLETE trial yet\n');
      return 0;
    }
    const body = rows.map((r) => [
      String(r.rank),
      `#${r.number}`,
      fmtNumber(r.score),
      fmtNumber(r.value),
      String(r.units),
      notes.subsetText(r.sources),
      Object.entries(r.params).map(([k, v]) => `${k}=${fmtParamValue(v)}`).join(' '),
    ]);
    process.stdout.write(`${table(['rank', 'trial', by!, 'objective', 'units', 'sources', 'params'], body)}\n`);
    for (const line of notes.footer) process.stdout.write(`${line}\n`);
    return 0;
  } finally {
    store.close();
  }
}

export interface RerankedTrial {
  readonly rank: number;
  readonly number: number;
  /** The `by` aggregate of the trial's per-unit values. */
  readonly score: number;
  /** The study objective's own value (as stored). */
  readonly value: number;
  readonly units: number;
  readonly sources: readonly string[];
  readonly params: TrialTable['trials'][number]['recipe'];
}

/** COMPLETE trials ranked by another aggregate of the same per-unit values (ties: earlier trial first). */
export function rerankTrials(data: TrialTable, by: Aggregate): RerankedTrial[] {
  const { objective } = data;
  const params = { alpha: objective.alpha, lambda: objective.lambda };
  const sign = objective.direction === 'maximize' ? -1 : 1;
  return data.trials
    .map((t) => {
      const values = t.units.map((u) => u.value);
      return {
        number: t.number,
        score: aggregateOf(values, by, objective.direction, params),
        value: aggregateOf(values, objective.aggregate, objective.direction, params),
        units: t.units.length,
        sources: t.sources,
        params: t.recipe,
      };
    })
    .sort((a, b) => sign * (a.score - b.score) || a.number - b.number)
    .map((r, i) => ({ rank: i + 1, ...r }));
}

function writeSubsets(record: StudyRecord, spec: ResolvedStudy, ranking: SubsetRanking, top: number, notes: SourceNotes): void {
  const what = describeObjective(spec.objective, ranking.by);
  process.stdout.write(`study ${record.name}: source subsets ranked by ${what} over all their units (every trial and recipe that used them)\n`);
  if (ranking.subsets.length === 0) {
    process.stdout.write('no COMPLETE trial yet\n');
    return;
  }
  const body = ranking.subsets.slice(0, top).map((s) => [
    String(s.rank),
    notes.subsetText(s.sources),
    fmtNumber(s.score),
    interval(s.interval.low, s.interval.high),
    fmtSigned(s.meanGain),
    String(s.trials),
    String(s.units),
    String(s.minUnitsPerTarget),
    s.supported ? 'yes' : 'no',
  ]);
  const headers = ['rank', 'sources', ranking.by, `${Math.round(ranking.level * 100)}% interval`, 'mean gain', 'trials', 'units', 'min units/target', 'supported'];
  process.stdout.write(`${table(headers, body)}\n`);
  const rec = ranking.recommended;
  process.stdout.write(
    rec === null
      ? `recommended: none (${ranking.rule})\n`
      : `recommended: ${notes.subsetText(rec.sources)} (rank ${rec.rank}; ${ranking.rule})\n`,
  );
  if (objectiveOn(spec.objective) === 'metric') {
    process.stdout.write(`score: ${spec.objective.metric} per unit; mean gain: over the paired target-only baseline\n`);
  }
  for (const line of notes.footer) process.stdout.write(`${line}\n`);
}

// ---- screen ----------------------------------------------------------------------------------------

function backendOption(options: Options): BackendName | null {
  const raw = options.backend;
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !(BACKENDS as readonly string[]).includes(raw)) {
    throw new StudyConfigError(`--backend: must be one of ${BACKENDS.join(', ')} (got "${String(raw)}")`);
  }
  return raw as BackendName;
}

/** The study of a file (no database needed), or of a name in the database; and its stored screen. */
function screenSource(target: string, options: Options): { study: ResolvedStudy; stored: ScreenTable | null } {
  if (isStudyFile(target)) {
    const study = loadStudyFile(target);
    const path = dbPath(options.db as string | undefined, study);
    if (!existsSync(path)) return { study, stored: null };
    const store = openExisting(path, true);
    try {
      const record = store.getStudy(study.name);
      return { study, stored: record === null ? null : readScreenTable(store, record.id) };
    } finally {
      store.close();
    }
  }
  const { store, record } = openStudyToRead(target, options.db as string | undefined);
  try {
    return { study: record.spec as unknown as ResolvedStudy, stored: readScreenTable(store, record.id) };
  } finally {
    store.close();
  }
}

export async function screenCommand([target]: string[], options: Options): Promise<number> {
  const workers = intOption(options, 'workers');
  const backend = backendOption(options);
  if (workers !== undefined && workers < 1) throw new StudyConfigError(`--workers: must be at least 1 (got ${workers})`);
  const { study, stored } = screenSource(target!, options);
  if (study.sources.length === 0) throw new StudyConfigError(`study "${study.name}" has no sources to screen`);
  let screens = stored;
  if (screens === null) {
    const executor = await PoolExecutor.start({ workers: workers ?? Math.min(study.budget.workers, study.sources.length), backend });
    try {
      screens = await runScreens(study, executor);
    } finally {
      await executor.close();
    }
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ study: study.name, stored: stored !== null, ...screens })}\n`);
    return 0;
  }
  const rank = (kind: 'leep' | 'logme' | 'hscore', source: string) => screens!.ranking[kind].indexOf(source) + 1;
  const body = [...screens.sources]
    .sort((a, b) => rank('logme', a.source) - rank('logme', b.source))
    .map((s) => [
      s.source,
      `${fmtNumber(s.score.leep)} (#${rank('leep', s.source)})`,
      `${fmtNumber(s.score.logme)} (#${rank('logme', s.source)})`,
      `${fmtNumber(s.score.hscore)} (#${rank('hscore', s.source)})`,
      `${fmtNumber(s.trainMs / 1000, 2)}s`,
    ]);
  const origin = stored !== null ? 'stored with the study (screen_prior)' : `computed now on ${screens.backend}`;
  process.stdout.write(
    `study ${study.name}: transferability of ${screens.sources.length} sources to ${study.targets.map((t) => t.name).join(', ')} (${origin})\n`,
  );
  process.stdout.write(`${table(['source', 'LEEP', 'LogME', 'H-score', 'train'], body)}\n`);
  process.stdout.write(
    `higher is better; mean over targets of scores on each target's labelled rows (seed 0 split) from a model trained on the source with the study's recipe\n` +
      `cost: LEEP ${fmtNumber(screens.seconds.leep, 2)}s, LogME ${fmtNumber(screens.seconds.logme, 2)}s, H-score ${fmtNumber(screens.seconds.hscore, 2)}s of worker time (training included); wall ${fmtNumber(screens.wallMs / 1000, 2)}s\n`,
  );
  return 0;
}
