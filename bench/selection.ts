// The `selection` benchmark: on task families where which sources help is known by construction
// (bench/selection-families.ts), the truth comes from evaluating every subset of the 8 sources on
// every target and seed (exhaustive, cached in bench/data/), then a study with at most 25% of those
// trainings is run (real runStudy, real pool) and judged: normalised regret of its recommended
// subset, Kendall tau of its per-source effects against the true ones, precision and recall of its
// harmful flags; and the same tau for each transferability screen with its cost.
// Main thread; drives real worker threads.
import { optionValue } from './args.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedStudy, ScreenKind } from '../src/spec/study.js';
import { SCREEN_KINDS } from '../src/spec/study.js';
import { aggregate } from '../src/metrics/aggregate.js';
import { kendallTau } from '../src/metrics/rank.js';
import { PoolExecutor } from '../src/study/pool-executor.js';
import { StudyHandle } from '../src/study/study-handle.js';
import { runStudy } from '../src/study/run-study.js';
import { createSampler } from '../src/search/samplers/index.js';
import type { TrialSnapshot } from '../src/search/samplers/types.js';
import { priorFromTable, readScreenTable } from '../src/study/screen-prior.js';
import { attributeSources } from '../src/selection/attribution.js';
import { runScreens } from '../src/selection/screen.js';
import { type ScreenTable } from '../src/spec/screens.js';
import { rankSubsets } from '../src/selection/subsets.js';
import { suggestSubsets } from '../src/selection/suggest.js';
import { loadTrialTable } from '../src/study/trial-table.js';
import { subsetKey, type TrialRow, type TrialTable, type UnitRow } from '../src/selection/trial-table.js';
import { SqliteStore } from '../src/store/index.js';
import { Rng, hashString } from '../src/util/rng.js';
import { goal, type Goals } from './goals.js';
import type { Benchmark, BenchContext } from './benchmark.js';
import { FAMILIES, resolveFamily, type Family } from './selection-families.js';
import { CheckError, arrayOf, integer, number, optional, recordOf, shape, string, type Check } from '../src/util/check.js';

const DATA = fileURLToPath(new URL('data/', import.meta.url));
/** Subsets besides the target-only and all-sources ones that the spot check trains again. */
const SPOT_CHECKS = 6;
/** Bump when what the cache holds changes meaning. */
const CACHE_VERSION = 1;

export const GOALS = { regret: 0.05, tau: 0.7, precision: 0.9, recall: 0.9 } as const;

// ---- the truth -----------------------------------------------------------------------------------

/** Every subset's units, by subset key (sources in study order, comma-joined). */
export interface Truth {
  readonly key: string;
  readonly family: string;
  readonly backend: string;
  readonly sources: readonly string[];
  readonly targets: readonly string[];
  readonly units: Readonly<Record<string, readonly UnitRow[]>>;
  /** Wall seconds the exhaustive evaluation took when it was computed. */
  readonly seconds: number;
  readonly trainings: number;
}

/** One unit of a cached table (bench/data), decoded. */
export const UNIT_ROW: Check<UnitRow> = shape<UnitRow>({ target: string, seedIndex: integer, value: number, gain: number, test: optional(number) });

const TRUTH: Check<Truth> = shape<Truth>({
  key: string,
  family: string,
  backend: string,
  sources: arrayOf(string),
  targets: arrayOf(string),
  units: recordOf(arrayOf(UNIT_ROW)),
  seconds: number,
  trainings: integer,
});

/**
 * A cached table read from `file` and decoded, or null (with a note on stderr, so the caller
 * recomputes it) when it is not JSON or not of the shape this version writes.
 */
export function readCachedTable<T>(file: string, check: Check<T>): T | null {
  try {
    return check(JSON.parse(readFileSync(file, 'utf8')), '');
  } catch (error) {
    if (!(error instanceof SyntaxError || error instanceof CheckError)) throw error;
    staleNote(`${file} is not a table this version reads (${error.message}): recomputing; commit the new table`);
    return null;
  }
}

/**
 * What the exhaustive table depends on: if any of it changes, the cache is stale. `digestOf` stands
 * for a CSV path in it (default: the absolute path itself), e.g. the file's content digest so that
 * the key is the same in every checkout.
 */
export function truthKey(study: ResolvedStudy, backend: string, digestOf?: (path: string) => string): string {
  const portable = (tasks: ResolvedStudy['sources']) =>
    digestOf === undefined ? tasks : tasks.map((t) => ('model' in t ? { ...t, model: { ...t.model, path: t.model.digest } } : t.dataset.kind === 'csv' ? { ...t, dataset: { ...t.dataset, path: digestOf(t.dataset.path) } } : t));
  const meaning = {
    v: CACHE_VERSION,
    seed: study.seed,
    sources: portable(study.sources),
    targets: portable(study.targets),
    model: study.model,
    recipe: study.recipe,
    seeds: study.budget.seeds,
    objective: study.objective,
    backend,
  };
  return createHash('sha256').update(JSON.stringify(meaning)).digest('hex').slice(0, 16);
}

/**
 * A committed table found stale: said on stderr even with --json (whose log is silent), so a run
 * that rebuilds a truth the repository should hold is not mistaken for one that read it.
 */
export function staleNote(line: string): void {
  console.error(line);
}

export function allSubsets(sources: readonly string[]): string[][] {
  return Array.from({ length: 2 ** sources.length }, (_, mask) => sources.filter((_, i) => (mask >> i) & 1));
}

/** A case whose exhaustive table is computed and cached: a family of this benchmark, or another benchmark's case. */
export interface TruthCase {
  readonly family: Family;
  /** Where the table is cached. */
  readonly file: string;
  /** What the cache depends on (the study with every subset as its trials). */
  key(study: ResolvedStudy, backend: string): string;
}

function familyCase(family: Family): TruthCase {
  return { family, file: join(DATA, `selection-${family.name}.json`), key: (study, backend) => truthKey(study, backend) };
}

/** The exhaustive table of `family`: read from bench/data when it is current, else computed and written. */
function exhaustive(family: Family, executor: PoolExecutor, log: (line: string) => void, rebuild: boolean): Promise<Truth> {
  return exhaustiveTruth(familyCase(family), executor, log, rebuild);
}

/**
 * The exhaustive table of a case (every subset of its sources on every target and seed, through
 * runStudy on the pool): read from its file when the key matches and a spot check trains the same
 * units again, else computed and written.
 */
export async function exhaustiveTruth(truthCase: TruthCase, executor: PoolExecutor, log: (line: string) => void, rebuild: boolean): Promise<Truth> {
  const { family, file } = truthCase;
  const probe = resolveFamily(family, `${family.name}-exhaustive`, 1);
  const n = 2 ** probe.sources.length;
  const study = resolveFamily(family, `${family.name}-exhaustive`, n);
  const key = truthCase.key(study, executor.backend);
  if (!rebuild && existsSync(file)) {
    const cached = readCachedTable(file, TRUTH);
    if (cached === null) {
      // said by readCachedTable
    } else if (cached.key !== key) {
      staleNote(`${family.name}: ${file} is stale (the family, recipe or backend changed): recomputing; commit the new table`);
    } else if (!(await stillTrue(family, cached, executor))) {
      staleNote(`${family.name}: ${file} is stale (training now gives other metrics for the same units): recomputing; commit the new table`);
    } else {
      log(`${family.name}: exhaustive table from ${file} (${n} subsets, ${cached.trainings} trainings, computed in ${cached.seconds.toFixed(0)}s; spot check passed)`);
      return cached;
    }
  }
  log(`${family.name}: evaluating all ${n} subsets x ${study.targets.length} targets x ${study.budget.seeds} seeds ...`);
  const dir = mkdtempSync(join(tmpdir(), 'tasksieve-selection-'));
  const store = SqliteStore.open(join(dir, 'exhaustive.db'));
  try {
    const handle = StudyHandle.open({ store, study });
    for (const subset of allSubsets(study.sources.map((s) => s.name))) handle.enqueue({ sources: subset });
    const summary = await runStudy({ handle, executor });
    if (summary.finished !== n || summary.failedThisRun > 0) throw new Error(`exhaustive run finished ${summary.finished}/${n} (${summary.failedThisRun} failed)`);
    const table = loadTrialTable(store, handle.record);
    const units: Record<string, UnitRow[]> = {};
    for (const trial of table.trials) units[subsetKey(trial.sources, table.sources)] = [...trial.units];
    const truth: Truth = {
      key,
      family: family.name,
      backend: executor.backend,
      sources: table.sources,
      targets: table.targets,
      units,
      seconds: summary.wallMs / 1000,
      trainings: table.trials.reduce((a, t) => a + t.units.length, 0),
    };
    mkdirSync(DATA, { recursive: true });
    writeFileSync(`${file}.tmp`, `${JSON.stringify(truth)}\n`);
    renameSync(`${file}.tmp`, file);
    log(`${family.name}: exhaustive table written to ${file} in ${truth.seconds.toFixed(0)}s`);
    return truth;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Spot check of a cached table: the target-only subset, all sources and SPOT_CHECKS other subsets
 * (drawn from the key) trained again now must give the cached units exactly. The key covers the
 * study's meaning; this covers the training code, whose changes may move only some units.
 */
async function stillTrue(family: Family, truth: Truth, executor: PoolExecutor): Promise<boolean> {
  const picks = new Rng(hashString(truth.key)).permutation(2 ** truth.sources.length - 2).subarray(0, SPOT_CHECKS);
  const subsets = [[], [...truth.sources], ...[...picks].map((i) => allSubsets(truth.sources)[i + 1]!)];
  const study = resolveFamily(family, `${family.name}-spot-check`, subsets.length);
  const dir = mkdtempSync(join(tmpdir(), 'tasksieve-selection-'));
  const store = SqliteStore.open(join(dir, 'check.db'));
  try {
    const handle = StudyHandle.open({ store, study });
    for (const subset of subsets) handle.enqueue({ sources: subset });
    await runStudy({ handle, executor });
    const table = loadTrialTable(store, handle.record);
    return table.trials.length === subsets.length && countMismatches(table, truth) === 0;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TruthSummary {
  /** Robust score (the study objective) of every subset, by key. */
  readonly score: ReadonlyMap<string, number>;
  readonly bestKey: string;
  readonly best: number;
  readonly targetOnly: number;
  /** Per source: mean over subsets without it of (mean gain with it - mean gain without it). */
  readonly effect: Readonly<Record<string, number>>;
  /** Clearly harmful: mean marginal gain below -harmMargin. Recall is measured on these. */
  readonly harmful: ReadonlySet<string>;
  /** Weakly harmful: between -harmMargin and -margin. A flag on one is right; missing one is no miss. */
  readonly weaklyHarmful: ReadonlySet<string>;
  readonly helpful: ReadonlySet<string>;
}

/** Thresholds on a source's true mean marginal gain. */
export interface Margins {
  /** Below -margin a source is harmful at all (above +margin helpful). */
  readonly margin: number;
  /** Below -harmMargin it is clearly harmful: every flagging study should find it. */
  readonly harmMargin: number;
}

export const DEFAULT_MARGINS: Margins = { margin: 0.005, harmMargin: 0.02 };

/**
 * A source is harmful (helpful) when its mean marginal gain is below -margin (above +margin), and
 * clearly harmful below -harmMargin. Why two levels: a study with a quarter of the exhaustive
 * trainings measures a source's effect to about +-0.007 (one standard error) on these families, so
 * an effect of -0.01 is found about one time in three by any design, while one below -0.02 (2.8
 * standard errors, the usual 80% power at 5%) should be found every time.
 */
export function summariseTruth(truth: Truth, study: ResolvedStudy, margins: Margins = DEFAULT_MARGINS): TruthSummary {
  const { margin, harmMargin } = margins;
  const score = new Map<string, number>();
  const meanGain = new Map<string, number>();
  for (const [key, units] of Object.entries(truth.units)) {
    const { objective } = study;
    score.set(key, aggregate(units.map((u) => u.value), objective.aggregate, objective.direction, objective));
    meanGain.set(key, units.reduce((a, u) => a + u.gain, 0) / units.length);
  }
  let bestKey = '';
  for (const [key, value] of score) if (value > (score.get(bestKey) ?? -Infinity)) bestKey = key;
  const effect: Record<string, number> = {};
  for (const s of truth.sources) {
    let sum = 0;
    let count = 0;
    for (const subset of allSubsets(truth.sources)) {
      if (subset.includes(s)) continue;
      const without = subsetKey(subset, truth.sources);
      const withIt = subsetKey([...subset, s], truth.sources);
      sum += meanGain.get(withIt)! - meanGain.get(without)!;
      count++;
    }
    effect[s] = sum / count;
  }
  return {
    score,
    bestKey,
    best: score.get(bestKey)!,
    targetOnly: score.get('')!,
    effect,
    harmful: new Set(truth.sources.filter((s) => effect[s]! < -harmMargin)),
    weaklyHarmful: new Set(truth.sources.filter((s) => effect[s]! < -margin && effect[s]! >= -harmMargin)),
    helpful: new Set(truth.sources.filter((s) => effect[s]! > margin)),
  };
}

// ---- the search -----------------------------------------------------------------------------------

export interface Variant {
  readonly name: string;
  /** Extra study-file keys. */
  readonly extra: string;
  /** Share of the budget spent on subsets suggested by the surrogate (0: none), in `rounds` rounds. */
  readonly verifyShare: number;
  readonly rounds: number;
}

export const VARIANTS: readonly Variant[] = [
  { name: 'random', extra: 'sampler: random', verifyShare: 0, rounds: 0 },
  { name: 'random-verify', extra: 'sampler: random', verifyShare: 0.25, rounds: 4 },
  { name: 'leep-prior-verify', extra: 'sampler: random\nscreen_prior: leep', verifyShare: 0.25, rounds: 4 },
  { name: 'bayes', extra: 'sampler: bayes', verifyShare: 0, rounds: 0 },
  // The bayes sampler without its balanced start over the sources (source_design), for comparison.
  { name: 'bayes-no-design', extra: 'sampler: { kind: bayes, source_design: false }', verifyShare: 0, rounds: 0 },
  // gp, with the same balanced start: why `sampler: auto` (the default) resolves to bayes on a
  // space with a sources subset, such as these (src/config/sampler.ts).
  { name: 'gp', extra: 'sampler: gp', verifyShare: 0, rounds: 0 },
];

/** How a finished study's table scores against the truth. */
export interface Judgement {
  readonly recommended: readonly string[] | null;
  readonly regret: number | null;
  readonly tau: number;
  readonly flagged: readonly string[];
  readonly precision: number | null;
  readonly recall: number | null;
}

export function judge(table: TrialTable, truth: Truth, summary: TruthSummary): Judgement {
  const attribution = attributeSources(table, { seed: 1 });
  const ranking = rankSubsets(table, { seed: 1, resamples: 200 });
  const recommended = ranking.recommended?.sources ?? null;
  const gap = summary.best - summary.targetOnly;
  const regret =
    recommended === null ? null : gap === 0 ? 0 : (summary.best - summary.score.get(subsetKey(recommended, truth.sources))!) / gap;
  const tau = kendallTau(
    attribution.overall.effects.map((e) => e.effect),
    truth.sources.map((s) => summary.effect[s]!),
  );
  const flagged = attribution.overall.effects.filter((e) => e.flag === 'harmful').map((e) => e.source);
  const hits = flagged.filter((s) => summary.harmful.has(s)).length;
  const right = flagged.filter((s) => summary.harmful.has(s) || summary.weaklyHarmful.has(s)).length;
  return {
    recommended,
    regret,
    tau,
    flagged,
    precision: flagged.length === 0 ? null : right / flagged.length,
    recall: summary.harmful.size === 0 ? null : hits / summary.harmful.size,
  };
}

export interface SearchResult extends Judgement {
  /** The study's finished trials, for statistics of other benchmarks (left out of this one's summary). */
  readonly table: TrialTable;
  readonly family: string;
  readonly variant: string;
  readonly trials: number;
  readonly trainings: number;
  /** trainings / exhaustive trainings. */
  readonly budgetShare: number;
  /** Units whose metrics differ from the exhaustive run's (should be 0: same seeds, same backend). */
  readonly mismatches: number;
  readonly seconds: number;
  /** The screen the study stored (screen_prior), for replays. */
  readonly screen: ScreenTable | null;
}

/**
 * One real study: `trials` trials through runStudy on the pool; with verification, the last share of
 * them in rounds, each enqueueing the subsets the surrogate of everything so far predicts best.
 */
export async function search(
  family: Family,
  variant: Variant,
  trials: number,
  truth: Truth,
  summary: TruthSummary,
  executor: PoolExecutor,
): Promise<SearchResult> {
  const name = `${family.name}-${variant.name}`;
  const verify = Math.round(trials * variant.verifyShare);
  const dir = mkdtempSync(join(tmpdir(), 'tasksieve-selection-'));
  const store = SqliteStore.open(join(dir, 'search.db'));
  try {
    let total = trials - verify;
    let handle = StudyHandle.open({ store, study: resolveFamily(family, name, total, variant.extra) });
    let seconds = (await runStudy({ handle, executor })).wallMs / 1000;
    for (let round = 0; round < variant.rounds && verify > 0; round++) {
      const count = Math.round((verify * (round + 1)) / variant.rounds) - Math.round((verify * round) / variant.rounds);
      const suggestions = suggestSubsets(loadTrialTable(store, handle.record), count);
      total += suggestions.length;
      // budget.trials is operational: the same study continues with a larger total.
      handle = StudyHandle.open({ store, study: resolveFamily(family, name, total, variant.extra) });
      for (const suggestion of suggestions) handle.enqueue({ sources: suggestion.sources });
      seconds += (await runStudy({ handle, executor })).wallMs / 1000;
    }
    const table = loadTrialTable(store, handle.record);
    const trainings = table.trials.reduce((a, t) => a + t.units.length, 0);
    return {
      family: family.name,
      variant: variant.name,
      trials: table.trials.length,
      trainings,
      budgetShare: trainings / truth.trainings,
      ...judge(table, truth, summary),
      mismatches: countMismatches(table, truth),
      seconds,
      screen: readScreenTable(store, handle.id),
      table,
    };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function countMismatches(table: TrialTable, truth: Truth): number {
  let mismatches = 0;
  for (const trial of table.trials) {
    const expected = truth.units[subsetKey(trial.sources, truth.sources)] ?? [];
    for (const u of trial.units) {
      const e = expected.find((x) => x.target === u.target && x.seedIndex === u.seedIndex);
      if (e === undefined || Math.abs(e.gain - u.gain) > 1e-12) {
        mismatches++;
        if (process.env['SELECTION_DEBUG']) console.error(`mismatch #${trial.number} ${trial.sources.join(',')} ${u.target}/${u.seedIndex}: value ${u.value} gain ${u.gain} vs ${e?.value} ${e?.gain}`);
      }
    }
  }
  return mismatches;
}

// ---- replays ---------------------------------------------------------------------------------------

export interface ReplaySummary {
  readonly family: string;
  readonly variant: string;
  readonly replays: number;
  /** Mean over replays (precision: over the replays that flagged something). */
  readonly regret: number;
  readonly tau: number;
  readonly precision: number | null;
  readonly recall: number | null;
  /** Share of replays meeting each goal. */
  readonly met: { readonly regret: number; readonly tau: number; readonly precision: number; readonly recall: number };
}

/**
 * The same study replayed with other sampler seeds, its units looked up in the exhaustive table
 * instead of trained: exactly what the pool would return (the real runs check it: 0 mismatches), so
 * the spread over sampler seeds costs seconds. Proposals are made one at a time (no parallel asks).
 */
export function replay(
  family: Family,
  variant: Variant,
  trials: number,
  truth: Truth,
  summary: TruthSummary,
  screen: ScreenTable | null,
  replays: number,
): ReplaySummary {
  const judgements: Judgement[] = [];
  for (let r = 0; r < replays; r++) {
    const base = resolveFamily(family, `${family.name}-replay`, trials, variant.extra);
    const sampler = createSampler({ ...base, seed: 1000 + r });
    const prior = base.screen_prior !== undefined && screen !== null ? priorFromTable(screen, base.screen_prior) : undefined;
    const verify = Math.round(trials * variant.verifyShare);
    const rows: TrialRow[] = [];
    const history: TrialSnapshot[] = [];
    const add = (sources: readonly string[]) => {
      const ordered = truth.sources.filter((s) => sources.includes(s));
      const units = truth.units[subsetKey(ordered, truth.sources)]!;
      const { objective } = base;
      const value = aggregate(units.map((u) => u.value), objective.aggregate, objective.direction, objective);
      history.push({ number: rows.length, state: 'COMPLETE', params: { sources: ordered }, value });
      rows.push({ number: rows.length, sources: ordered, recipe: {}, units });
    };
    const table = (): TrialTable => ({ sources: truth.sources, targets: truth.targets, objective: base.objective, trials: [...rows] });
    while (rows.length < trials - verify) {
      const params = sampler.sample({ space: base.space, direction: base.objective.direction, history: [...history], trialNumber: rows.length, sourcePrior: prior });
      add(params['sources'] as readonly string[]);
    }
    for (let round = 0; round < variant.rounds && verify > 0; round++) {
      const count = Math.round((verify * (round + 1)) / variant.rounds) - Math.round((verify * round) / variant.rounds);
      for (const suggestion of suggestSubsets(table(), count)) add(suggestion.sources);
    }
    judgements.push(judge(table(), truth, summary));
  }
  const meanOf = (values: readonly (number | null)[]) => {
    const kept = values.filter((v): v is number => v !== null && !Number.isNaN(v));
    return kept.length === 0 ? null : kept.reduce((a, v) => a + v, 0) / kept.length;
  };
  const share = (ok: (j: Judgement) => boolean) => judgements.filter(ok).length / judgements.length;
  return {
    family: family.name,
    variant: variant.name,
    replays,
    regret: meanOf(judgements.map((j) => j.regret))!,
    tau: meanOf(judgements.map((j) => j.tau))!,
    precision: meanOf(judgements.map((j) => j.precision)),
    recall: meanOf(judgements.map((j) => j.recall)),
    met: {
      regret: share((j) => j.regret !== null && j.regret <= GOALS.regret),
      tau: share((j) => j.tau >= GOALS.tau),
      precision: share((j) => j.precision === null || j.precision >= GOALS.precision),
      recall: share((j) => j.recall === null || j.recall >= GOALS.recall),
    },
  };
}

// ---- the screens ----------------------------------------------------------------------------------

export interface ScreenResultRow {
  readonly family: string;
  readonly kind: ScreenKind;
  readonly tau: number;
  /** Worker seconds: every source model's training plus this score. */
  readonly seconds: number;
  readonly ranking: readonly string[];
}

async function screens(family: Family, summary: TruthSummary, truth: Truth, executor: PoolExecutor): Promise<{ rows: ScreenResultRow[]; wallSeconds: number }> {
  const study = resolveFamily(family, `${family.name}-screen`, 1);
  const table = await runScreens(study, executor);
  const rows = SCREEN_KINDS.map((kind) => ({
    family: family.name,
    kind,
    tau: kendallTau(
      truth.sources.map((s) => table.sources.find((x) => x.source === s)!.score[kind]),
      truth.sources.map((s) => summary.effect[s]!),
    ),
    seconds: table.seconds[kind],
    ranking: table.ranking[kind],
  }));
  return { rows, wallSeconds: table.wallMs / 1000 };
}

// ---- the benchmark ----------------------------------------------------------------------------------

interface Options {
  readonly families: readonly Family[];
  readonly variants: readonly Variant[];
  readonly workers: number;
  /** Share of the exhaustive trainings the study may use. */
  readonly budget: number;
  readonly rebuild: boolean;
  /** What counts as (clearly) harmful. */
  readonly margins: Margins;
  /** Replays per variant (0: none). */
  readonly replays: number;
  /** Only build (or check) the exhaustive tables. */
  readonly truthOnly: boolean;
}

function parseOptions(args: readonly string[]): Options {
  const value = (name: string) => optionValue(args, name);
  const family = value('family') ?? 'all';
  const families = family === 'all' ? FAMILIES : FAMILIES.filter((f) => f.name === family);
  if (families.length === 0) throw new Error(`--family: one of ${FAMILIES.map((f) => f.name).join(', ')} or all`);
  const names = value('variants')?.split(',') ?? VARIANTS.map((v) => v.name);
  const unknown = names.filter((n) => !VARIANTS.some((v) => v.name === n));
  if (unknown.length > 0) throw new Error(`--variants: unknown ${unknown.join(', ')} (known: ${VARIANTS.map((v) => v.name).join(', ')})`);
  const budget = Number(value('budget') ?? 0.25);
  if (!(budget > 0 && budget <= 1)) throw new Error('--budget: a share of the exhaustive trainings in (0, 1]');
  return {
    families,
    variants: VARIANTS.filter((v) => names.includes(v.name)),
    workers: Number(value('workers') ?? 2),
    budget,
    rebuild: args.includes('--rebuild'),
    margins: { margin: Number(value('margin') ?? DEFAULT_MARGINS.margin), harmMargin: Number(value('harm-margin') ?? DEFAULT_MARGINS.harmMargin) },
    replays: Number(value('replays') ?? 20),
    truthOnly: args.includes('--truth-only'),
  };
}

/** Whether this build of tasksieve accepts the variant's study keys (the bayes sampler may be missing). */
function available(family: Family, variant: Variant): boolean {
  try {
    resolveFamily(family, `${family.name}-probe`, 1, variant.extra);
    return true;
  } catch {
    return false;
  }
}

/**
 * The goals of docs/source-selection.md for the default sampler (the `bayes` variant: `auto` resolves
 * to it with a sources subset), per family of
 * FAMILIES: regret <= GOALS.regret, Kendall tau >= GOALS.tau, harmful precision and recall >= 0.9,
 * read on the mean over replays (the figures docs/benchmarks.md records), or on the real study when
 * there are no replays. As in the replays' `met`: no recommendation misses the regret goal, no flag
 * at all meets precision, no clearly harmful source meets recall. Null: the family or bayes not run.
 */
function goalsMet(searches: readonly SearchResult[], replays: readonly ReplaySummary[]): Goals {
  const goals: Goals = {};
  const name = (v: number) => String(v).replace('.', '_');
  for (const family of FAMILIES) {
    const pick = (r: { family: string; variant: string }) => r.family === family.name && r.variant === 'bayes';
    const r = replays.find(pick) ?? searches.find(pick);
    const judged = (met: (r: SearchResult | ReplaySummary) => boolean | null) => (r === undefined ? null : met(r));
    goals[`${family.name}_regret_at_most_${name(GOALS.regret)}`] = judged((r) => (r.regret === null ? false : goal(r.regret, GOALS.regret, '<=')));
    goals[`${family.name}_tau_at_least_${name(GOALS.tau)}`] = judged((r) => goal(r.tau, GOALS.tau, '>='));
    goals[`${family.name}_harmful_precision_at_least_${name(GOALS.precision)}`] = judged((r) => (r.precision === null ? true : goal(r.precision, GOALS.precision, '>=')));
    goals[`${family.name}_harmful_recall_at_least_${name(GOALS.recall)}`] = judged((r) => (r.recall === null ? true : goal(r.recall, GOALS.recall, '>=')));
  }
  return goals;
}

const fmt = (v: number | null, digits = 3) => (v === null || Number.isNaN(v) ? '-' : v.toFixed(digits));
const mark = (ok: boolean | null) => (ok === null ? '' : ok ? ' ok' : ' MISS');
const pct = (v: number) => `${Math.round(v * 100)}%`;

async function run(args: readonly string[], { log }: BenchContext): Promise<Record<string, unknown>> {
  const options = parseOptions(args);
  const executor = await PoolExecutor.start({ workers: options.workers, backend: null });
  const searches: SearchResult[] = [];
  const replays: ReplaySummary[] = [];
  const screenRows: ScreenResultRow[] = [];
  const truths: Record<string, unknown>[] = [];
  const skipped: string[] = [];
  try {
    for (const family of options.families) {
      log(`\n## ${family.name}: ${family.description}`);
      const truth = await exhaustive(family, executor, log, options.rebuild);
      const study = resolveFamily(family, `${family.name}-truth`, 1);
      const summary = summariseTruth(truth, study, options.margins);
      const sorted = [...truth.sources].sort((a, b) => summary.effect[b]! - summary.effect[a]!);
      log(`true mean marginal gain per source: ${sorted.map((s) => `${s} ${summary.effect[s]! >= 0 ? '+' : ''}${summary.effect[s]!.toFixed(3)}`).join(', ')}`);
      log(
        `true best subset: ${summary.bestKey || '(target only)'} (${study.objective.aggregate} gain ${summary.best.toFixed(4)}; target only ${summary.targetOnly.toFixed(4)}); ` +
          `clearly harmful (mean marginal gain < -${options.margins.harmMargin}): ${[...summary.harmful].join(', ') || 'none'}; ` +
          `weakly harmful (< -${options.margins.margin}; a flag on one is right, missing one is no miss): ${[...summary.weaklyHarmful].join(', ') || 'none'}`,
      );
      truths.push({
        family: family.name,
        best: summary.bestKey.split(',').filter(Boolean),
        bestScore: summary.best,
        targetOnly: summary.targetOnly,
        effect: summary.effect,
        harmful: [...summary.harmful],
        weaklyHarmful: [...summary.weaklyHarmful],
        exhaustiveSeconds: truth.seconds,
        trainings: truth.trainings,
      });
      if (options.truthOnly) continue;
      const s = await screens(family, summary, truth, executor);
      screenRows.push(...s.rows);
      const perTrial = truth.targets.length * study.budget.seeds;
      const trials = Math.floor((options.budget * truth.trainings) / perTrial);
      for (const variant of options.variants) {
        if (!available(family, variant)) {
          skipped.push(`${family.name}/${variant.name}`);
          log(`${family.name}/${variant.name}: skipped (this build does not accept "${variant.extra}")`);
          continue;
        }
        const result = await search(family, variant, trials, truth, summary, executor);
        searches.push(result);
        log(
          `${family.name}/${variant.name}: ${result.trials} trials (${pct(result.budgetShare)} of the exhaustive trainings) in ${result.seconds.toFixed(0)}s; ` +
            `recommended ${result.recommended?.join(',') || '(target only)'}; flagged harmful: ${result.flagged.join(', ') || 'none'}; unit mismatches vs exhaustive: ${result.mismatches}` +
            (result.mismatches > 0 ? ' (the cached truth no longer matches the training code: run with --rebuild)' : ''),
        );
        if (options.replays > 0) replays.push(replay(family, variant, trials, truth, summary, result.screen, options.replays));
      }
    }
  } finally {
    await executor.close();
  }
  if (options.truthOnly) return { benchmark: 'selection', truths, goals_met: goalsMet([], []) };
  log('\nReal studies (runStudy on the pool, one run each):');
  log('| family | study | regret (goal <= 0.05) | Kendall tau (>= 0.7) | harmful precision (>= 0.9) | harmful recall (>= 0.9) | trainings |');
  log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of searches) {
    log(
      `| ${r.family} | ${r.variant} | ${fmt(r.regret)}${mark(r.regret === null ? false : r.regret <= GOALS.regret)} | ${fmt(r.tau)}${mark(r.tau >= GOALS.tau)} | ` +
        `${fmt(r.precision)}${mark(r.precision === null ? null : r.precision >= GOALS.precision)} | ${fmt(r.recall)}${mark(r.recall === null ? null : r.recall >= GOALS.recall)} | ${pct(r.budgetShare)} |`,
    );
  }
  if (replays.length > 0) {
    log(`\nReplays (${options.replays} sampler seeds each, units from the exhaustive table): mean, and share of replays meeting the goal`);
    log('| family | study | regret | tau | precision | recall |');
    log('| --- | --- | --- | --- | --- | --- |');
    for (const r of replays) {
      log(
        `| ${r.family} | ${r.variant} | ${fmt(r.regret)} (${pct(r.met.regret)}) | ${fmt(r.tau)} (${pct(r.met.tau)}) | ${fmt(r.precision)} (${pct(r.met.precision)}) | ${fmt(r.recall)} (${pct(r.met.recall)}) |`,
      );
    }
  }
  log('\nTransferability screens (before any fine-tuning): Kendall tau of the score against the true mean marginal gain');
  log('| family | screen | tau | cost (worker s, source training included) | ranking |');
  log('| --- | --- | --- | --- | --- |');
  for (const r of screenRows) log(`| ${r.family} | ${r.kind} | ${fmt(r.tau)} | ${r.seconds.toFixed(2)} | ${r.ranking.join(' > ')} |`);
  return {
    benchmark: 'selection',
    goals: GOALS,
    backend: executor.backend,
    margins: options.margins,
    truths,
    searches: searches.map(({ screen: _screen, table: _table, ...rest }) => rest),
    replays,
    screens: screenRows,
    skipped,
    goals_met: goalsMet(searches, replays),
  };
}

export const selection: Benchmark = {
  summary: 'source selection vs exhaustive truth: regret, Kendall tau, harmful-flag precision/recall, screens',
  run,
};
