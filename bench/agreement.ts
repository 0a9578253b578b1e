// The `agreement` benchmark (issue 14): on a transfer case of its own (bench/agreement-case.ts), the
// exhaustive truth (every subset of 6 sources x 2 targets x 4 seeds) computed twice, by tasksieve
// through the real pool and by PyTorch (bench/peers/torch_agreement.py), with the same protocol;
// then a 25%-budget bayes study (real runStudy) judged by the PyTorch truth. Both truths are cached
// in bench/data/. Main thread; drives real worker threads and one Python process.
import { optionValue } from './args.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedStudy } from '../src/spec/study.js';
import { kendallTau } from '../src/metrics/rank.js';
import { PoolExecutor } from '../src/study/pool-executor.js';
import { attributeSources, type Attribution } from '../src/selection/attribution.js';
import { rankSubsets } from '../src/selection/subsets.js';
import { subsetKey, type TrialRow, type UnitRow } from '../src/selection/trial-table.js';
import { goal, type Goals } from './goals.js';
import { runPeer } from './python-peer.js';
import type { Benchmark, BenchContext } from './benchmark.js';
import {
  agreementCase,
  buildKnowsIssueProtocol,
  FALLBACK_PROTOCOL,
  ISSUE_PROTOCOL,
  TRAINING,
  writeCaseRows,
  type Protocol,
} from './agreement-case.js';
import { resolveFamily } from './selection-families.js';
import {
  allSubsets,
  exhaustiveTruth,
  readCachedTable,
  replay,
  search,
  staleNote,
  summariseTruth,
  truthKey,
  UNIT_ROW,
  VARIANTS,
  type Margins,
  type Truth,
  type TruthSummary,
} from './selection.js';
import { arrayOf, integer, number, oneOf, recordOf, shape, string } from '../src/util/check.js';

const DATA = fileURLToPath(new URL('data/', import.meta.url));
/** Bump when what the PyTorch cache holds changes meaning. */
const TORCH_CACHE_VERSION = 1;

export const GOALS = { pearson: 0.9, tau: 0.8, harmfulRecall: 1, harmfulPrecision: 0.9, regret: 0.05 } as const;

/** A source is harmful (helpful) beyond -margin (+margin), clearly so beyond harmMargin: as the selection benchmark. */
const MARGINS: Margins = { margin: 0.005, harmMargin: 0.02 };

/** The cache files of a truth with other than the committed number of seeds carry it in their names. */
function seedsSuffix(seeds: number): string {
  return seeds === TRAINING.seeds ? '' : `-s${seeds}`;
}

/** sha256 of a file's bytes, memoised (the digits CSV is read once per run). */
const digests = new Map<string, string>();
function fileDigest(path: string): string {
  let d = digests.get(path);
  if (d === undefined) {
    d = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
    digests.set(path, d);
  }
  return d;
}

// ---- the PyTorch truth ----------------------------------------------------------------------------

interface TorchTable {
  readonly key: string;
  readonly protocol: Protocol['name'];
  readonly torch: string;
  readonly sources: readonly string[];
  readonly targets: readonly string[];
  readonly units: Readonly<Record<string, readonly UnitRow[]>>;
  readonly seconds: number;
  readonly trainings: number;
}

interface TorchReply {
  readonly torch: string;
  readonly seconds: number;
  readonly trainings: number;
  readonly units: Readonly<Record<string, readonly UnitRow[]>>;
}

/** What bench/peers/torch_agreement.py prints, decoded (keys it adds are ignored). */
const TORCH_REPLY = shape<TorchReply>({ torch: string, seconds: number, trainings: integer, units: recordOf(arrayOf(UNIT_ROW)) }, { open: true });

/** The cached PyTorch table (bench/data), decoded. */
const TORCH_TABLE = shape<TorchTable>({
  key: string,
  protocol: oneOf(['issue', 'fallback']),
  torch: string,
  sources: arrayOf(string),
  targets: arrayOf(string),
  units: recordOf(arrayOf(UNIT_ROW)),
  seconds: number,
  trainings: integer,
});

/**
 * The PyTorch truth of the case under `protocol`: read from bench/data when its key (the request and
 * a digest of the rows) matches, else computed by the peer and written. Null (with the reason logged)
 * when PyTorch is missing and no cached table matches.
 */
async function torchTruth(protocol: Protocol, log: (line: string) => void, rebuild: boolean, seeds: number): Promise<TorchTable | null> {
  // The rows do not depend on the recipe: resolved without the protocol's keys, which this build may not know.
  const family = agreementCase({ ...protocol, recipeKeys: '' }, seeds);
  const study = resolveFamily(family, `${family.name}-torch`, 1);
  const dir = mkdtempSync(join(tmpdir(), 'tasksieve-agreement-'));
  try {
    const data = join(dir, 'rows.bin');
    const { digest, ...rows } = writeCaseRows(study, data);
    const request = {
      ...rows,
      hidden: TRAINING.hidden,
      activation: TRAINING.activation,
      lr: TRAINING.learningRate,
      batch: TRAINING.batchSize,
      pretrain_epochs: TRAINING.pretrainEpochs,
      epochs: TRAINING.epochs,
      scaling: protocol.scaling,
      head: protocol.head,
      freeze_layers: 0,
      seed: study.seed,
    };
    const key = createHash('sha256').update(JSON.stringify({ v: TORCH_CACHE_VERSION, request, digest })).digest('hex').slice(0, 16);
    const file = join(DATA, `agreement-torch-${protocol.name}${seedsSuffix(seeds)}.json`);
    if (!rebuild && existsSync(file)) {
      const cached = readCachedTable(file, TORCH_TABLE);
      if (cached !== null && cached.key === key) {
        log(`PyTorch truth (${protocol.name}) from ${file} (PyTorch ${cached.torch}, ${cached.trainings} trainings, computed in ${cached.seconds.toFixed(0)}s)`);
        return cached;
      }
      if (cached !== null) staleNote(`PyTorch truth (${protocol.name}): ${file} is stale (the case, the protocol or the rows changed): recomputing; commit the new table`);
    }
    log(`PyTorch truth (${protocol.name}): training every subset x target x seed (1 thread) ...`);
    const reply = await runPeer('torch_agreement.py', { data, ...request }, TORCH_REPLY, 'torch');
    if (!reply.ok) {
      log(`PyTorch truth (${protocol.name}): not available: ${reply.reason}`);
      return null;
    }
    const table: TorchTable = {
      key,
      protocol: protocol.name,
      torch: reply.data.torch,
      sources: rows.sources,
      targets: rows.targets.map((t) => t.name),
      units: reply.data.units,
      seconds: reply.data.seconds,
      trainings: reply.data.trainings,
    };
    writeFileSync(`${file}.tmp`, `${JSON.stringify(table)}\n`);
    renameSync(`${file}.tmp`, file);
    log(`PyTorch truth (${protocol.name}) written to ${file} in ${table.seconds.toFixed(0)}s`);
    return table;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A PyTorch table in the shape of the selection benchmark's truth, for summariseTruth. */
function asTruth(table: TorchTable): Truth {
  return { ...table, family: `torch-${table.protocol}`, backend: `torch ${table.torch}` };
}

// ---- the judge -------------------------------------------------------------------------------------

/** Mean accuracy over targets and seeds of every subset, by key. */
function meanAccuracy(units: Truth['units']): Map<string, number> {
  return new Map(Object.entries(units).map(([key, rows]) => [key, rows.reduce((a, u) => a + u.value, 0) / rows.length]));
}

export function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? Number.NaN : sab / Math.sqrt(saa * sbb);
}

/**
 * How far seed noise alone keeps two truths apart: the Pearson correlation of the per-subset means
 * over the even and the odd seeds, stepped up to all seeds (Spearman-Brown). Two truths that differ
 * by noise only correlate at about the square root of the product of their reliabilities.
 */
function seedReliability(units: Truth['units'], keys: readonly string[]): number {
  const half = (odd: number) =>
    keys.map((k) => {
      const rows = units[k]!.filter((u) => u.seedIndex % 2 === odd);
      return rows.reduce((a, u) => a + u.value, 0) / rows.length;
    });
  const r = pearson(half(0), half(1));
  return (2 * r) / (1 + r);
}

/** Kendall tau of the source effects of a truth's even seeds against its odd seeds: how stable six effects are. */
function seedHalvesTau(truth: Truth, study: ResolvedStudy): number {
  const half = (odd: number) => {
    const units = Object.fromEntries(Object.entries(truth.units).map(([k, rows]) => [k, rows.filter((u) => u.seedIndex % 2 === odd)]));
    const effect = summariseTruth({ ...truth, units }, study, MARGINS).effect;
    return truth.sources.map((s) => effect[s]!);
  };
  return kendallTau(half(0), half(1));
}

interface FlagScore {
  readonly flagged: readonly string[];
  /** Right flags (clearly or weakly so in the truth) / flags; 1 with no flag. */
  readonly precision: number;
  /** Clearly so sources flagged / clearly so sources; 1 when there is none. */
  readonly recall: number;
}

export interface Agreement {
  readonly reference: Protocol['name'];
  readonly pearson: number;
  /** What seed noise alone allows pearson to reach: sqrt(reliability x reliability) (NaN with one seed). */
  readonly pearsonCeiling: number;
  readonly tau: number;
  /** Each truth's tau of its even seeds' effects against its odd seeds'. */
  readonly tauSeedHalves: { readonly tasksieve: number; readonly torch: number };
  readonly flags: { readonly harmful: FlagScore; readonly helpful: FlagScore };
  readonly recommended: readonly string[] | null;
  /** (best - recommended) / (best - worst) in the reference's mean accuracy; 1 with no recommendation. */
  readonly regret: number;
  readonly referenceBest: string;
  readonly referenceEffects: Readonly<Record<string, number>>;
  readonly harmful: readonly string[];
  readonly helpful: readonly string[];
}

/** The bands of the selection benchmark, mirrored for helpful sources. */
function bands(summary: TruthSummary, sources: readonly string[]) {
  const e = summary.effect;
  return {
    harmful: { clear: sources.filter((s) => e[s]! < -MARGINS.harmMargin), any: sources.filter((s) => e[s]! < -MARGINS.margin) },
    helpful: { clear: sources.filter((s) => e[s]! > MARGINS.harmMargin), any: sources.filter((s) => e[s]! > MARGINS.margin) },
  };
}

function flagScore(flagged: readonly string[], clear: readonly string[], any: readonly string[]): FlagScore {
  return {
    flagged,
    precision: flagged.length === 0 ? 1 : flagged.filter((s) => any.includes(s)).length / flagged.length,
    recall: clear.length === 0 ? 1 : clear.filter((s) => flagged.includes(s)).length / clear.length,
  };
}

function agree(ours: Truth, reference: TorchTable, study: ResolvedStudy, attribution: Attribution, recommended: readonly string[] | null): Agreement {
  const keys = allSubsets(ours.sources).map((s) => subsetKey(s, ours.sources));
  const a = meanAccuracy(ours.units);
  const b = meanAccuracy(reference.units);
  const ourSummary = summariseTruth(ours, study, MARGINS);
  const refSummary = summariseTruth(asTruth(reference), study, MARGINS);
  const band = bands(refSummary, ours.sources);
  const flagged = (flag: 'harmful' | 'helpful') => attribution.overall.effects.filter((e) => e.flag === flag).map((e) => e.source);
  const values = keys.map((k) => b.get(k)!);
  const best = Math.max(...values);
  const worst = Math.min(...values);
  const chosen = recommended === null ? null : b.get(subsetKey(recommended, ours.sources))!;
  return {
    reference: reference.protocol,
    pearson: pearson(keys.map((k) => a.get(k)!), values),
    pearsonCeiling: Math.sqrt(seedReliability(ours.units, keys) * seedReliability(reference.units, keys)),
    tau: kendallTau(ours.sources.map((s) => ourSummary.effect[s]!), ours.sources.map((s) => refSummary.effect[s]!)),
    tauSeedHalves: { tasksieve: seedHalvesTau(ours, study), torch: seedHalvesTau(asTruth(reference), study) },
    flags: {
      harmful: flagScore(flagged('harmful'), band.harmful.clear, band.harmful.any),
      helpful: flagScore(flagged('helpful'), band.helpful.clear, band.helpful.any),
    },
    recommended,
    regret: chosen === null ? 1 : best === worst ? 0 : (best - chosen) / (best - worst),
    referenceBest: keys.find((k) => b.get(k) === best)!,
    referenceEffects: refSummary.effect,
    harmful: band.harmful.clear,
    helpful: band.helpful.clear,
  };
}

/** The exhaustive table as a study's trials: one trial per subset, its units as trained. */
function exhaustiveRows(truth: Truth): TrialRow[] {
  return allSubsets(truth.sources).map((sources, number) => ({ number, sources, recipe: {}, units: truth.units[subsetKey(sources, truth.sources)]! }));
}

function flagsOf(attribution: Attribution): { harmful: string[]; helpful: string[] } {
  const flagged = (flag: 'harmful' | 'helpful') => attribution.overall.effects.filter((e) => e.flag === flag).map((e) => e.source);
  return { harmful: flagged('harmful'), helpful: flagged('helpful') };
}

function goalsMet(a: Agreement | null): Goals {
  return {
    pearson_at_least_0_9: a === null ? null : goal(a.pearson, GOALS.pearson, '>='),
    tau_at_least_0_8: a === null ? null : goal(a.tau, GOALS.tau, '>='),
    harmful_recall_1_precision_0_9:
      a === null ? null : goal(a.flags.harmful.recall, GOALS.harmfulRecall, '>=')! && goal(a.flags.harmful.precision, GOALS.harmfulPrecision, '>=')!,
    regret_at_most_0_05: a === null ? null : goal(a.regret, GOALS.regret, '<='),
  };
}

// ---- the benchmark -----------------------------------------------------------------------------------

interface Options {
  readonly workers: number;
  readonly budget: number;
  readonly rebuild: boolean;
  /** Leave PyTorch and its cached tables out, as on a machine without it. */
  readonly noTorch: boolean;
  /** Sampler seeds the 25%-budget study is replayed with (units looked up in the exhaustive table). */
  readonly replays: number;
  /** Seeds per target of both truths and of the study (default the committed truths' 2). */
  readonly seeds: number;
}

function parseOptions(args: readonly string[]): Options {
  const value = (name: string) => optionValue(args, name);
  const budget = Number(value('budget') ?? 0.25);
  if (!(budget > 0 && budget <= 1)) throw new Error('--budget: a share of the exhaustive trainings in (0, 1]');
  const workers = Number(value('workers') ?? 2);
  if (!(Number.isInteger(workers) && workers >= 1)) throw new Error('--workers: a positive integer');
  const replays = Number(value('replays') ?? 20);
  if (!(Number.isInteger(replays) && replays >= 0)) throw new Error('--replays: a whole number of sampler seeds (0: none)');
  const seeds = Number(value('seeds') ?? TRAINING.seeds);
  if (!(Number.isInteger(seeds) && seeds >= 1 && seeds <= 16)) throw new Error('--seeds: a whole number of seeds per target, 1 to 16');
  return { workers, budget, rebuild: args.includes('--rebuild'), noTorch: args.includes('--no-torch'), replays, seeds };
}

const f3 = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(3));
const signed = (v: number | undefined) => (v === undefined ? '-' : `${v >= 0 ? '+' : ''}${v.toFixed(3)}`);
const mark = (ok: boolean | null) => (ok === null ? '' : ok ? ' ok' : ' MISS');

function logAgreement(a: Agreement, log: (line: string) => void): void {
  const g = goalsMet(a);
  const h = a.flags.harmful;
  const p = a.flags.helpful;
  log('| figure | value | goal |');
  log('| --- | --- | --- |');
  log(`| pearson (per-subset mean accuracy) | ${f3(a.pearson)}${mark(g['pearson_at_least_0_9']!)} | >= ${GOALS.pearson} |`);
  log(`| pearson that seed noise alone allows (split-half over seeds) | ${f3(a.pearsonCeiling)} | (reported) |`);
  log(`| tau (per-source mean marginal effect) | ${f3(a.tau)}${mark(g['tau_at_least_0_8']!)} | >= ${GOALS.tau} |`);
  log(`| tau of seed 0 vs seed 1 within tasksieve / within PyTorch | ${f3(a.tauSeedHalves.tasksieve)} / ${f3(a.tauSeedHalves.torch)} | (reported) |`);
  log(`| harmful flags: recall / precision | ${f3(h.recall)} / ${f3(h.precision)}${mark(g['harmful_recall_1_precision_0_9']!)} | ${GOALS.harmfulRecall} / >= ${GOALS.harmfulPrecision} |`);
  log(`| helpful flags: recall / precision | ${f3(p.recall)} / ${f3(p.precision)} | (reported) |`);
  log(`| regret of the recommended subset | ${f3(a.regret)}${mark(g['regret_at_most_0_05']!)} | <= ${GOALS.regret} |`);
  log(
    `PyTorch (${a.reference}): best subset ${a.referenceBest || '(target only)'}; clearly harmful ${a.harmful.join(', ') || 'none'}; clearly helpful ${a.helpful.join(', ') || 'none'}; ` +
      `tasksieve flagged harmful ${h.flagged.join(', ') || 'none'}, helpful ${p.flagged.join(', ') || 'none'}; recommended ${a.recommended?.join(',') || (a.recommended === null ? 'nothing' : '(target only)')}`,
  );
}

async function run(args: readonly string[], { log }: BenchContext): Promise<Record<string, unknown>> {
  const options = parseOptions(args);
  const started = performance.now();
  const protocol = buildKnowsIssueProtocol() ? ISSUE_PROTOCOL : FALLBACK_PROTOCOL;
  const family = agreementCase(protocol, options.seeds);
  log(`protocol: ${protocol.description}`);
  log(`case: ${family.description}`);
  const truthFile = join(DATA, `agreement-tasksieve-${protocol.name}${seedsSuffix(options.seeds)}.json`);
  const executor = await PoolExecutor.start({ workers: options.workers, backend: null });
  let ours: Truth;
  let searched: Awaited<ReturnType<typeof search>>;
  try {
    ours = await exhaustiveTruth(
      { family, file: truthFile, key: (study, backend) => truthKey(study, backend, fileDigest) },
      executor,
      log,
      options.rebuild,
    );
    const study = resolveFamily(family, `${family.name}-truth`, 1);
    const summary = summariseTruth(ours, study, MARGINS);
    const perTrial = ours.targets.length * study.budget.seeds;
    const trials = Math.floor((options.budget * ours.trainings) / perTrial);
    const bayes = VARIANTS.find((v) => v.name === 'bayes')!;
    searched = await search(family, bayes, trials, ours, summary, executor);
    log(
      `bayes study: ${searched.trials} trials (${Math.round(searched.budgetShare * 100)}% of the exhaustive trainings) in ${searched.seconds.toFixed(0)}s; ` +
        `unit mismatches vs the exhaustive table: ${searched.mismatches}${searched.mismatches > 0 ? ' (the cached truth no longer matches: --rebuild)' : ''}`,
    );
  } finally {
    await executor.close();
  }
  const study = resolveFamily(family, `${family.name}-truth`, 1);
  // `tasksieve sources` and its recommended subset, with the CLI's defaults.
  const attribution = attributeSources(searched.table);
  const recommended = rankSubsets(searched.table).recommended?.sources ?? null;
  // The same attribution over tasksieve's exhaustive table (every subset, 100% of the trainings): the
  // most any budgeted study's flags can say on this case. A source its interval does not flag there is
  // one whose effect the seeds' noise hides, whatever the sampler does.
  const exhaustive = attributeSources({ ...searched.table, trials: exhaustiveRows(ours) });

  // In the fallback, PyTorch also runs the issue's protocol (what tasksieve cannot express yet costs
  // this much), in a second 1-thread process beside the first: the pool is closed by now.
  const [same, issue] = options.noTorch
    ? [null, null]
    : await Promise.all([
        torchTruth(protocol, log, options.rebuild, options.seeds),
        protocol.name === 'issue' ? Promise.resolve(null) : torchTruth(ISSUE_PROTOCOL, log, options.rebuild, options.seeds),
      ]);
  if (options.noTorch) log('PyTorch left out (--no-torch)');

  const ourEffects = summariseTruth(ours, study, MARGINS).effect;
  const ourMeans = meanAccuracy(ours.units);
  const torchMeans = same === null ? null : meanAccuracy(same.units);
  const sameAgreement = same === null ? null : agree(ours, same, study, attribution, recommended);
  const issueAgreement = issue === null ? null : agree(ours, issue, study, attribution, recommended);
  const exhaustiveRecall = sameAgreement === null ? null : flagScore(flagsOf(exhaustive).harmful, sameAgreement.harmful, []).recall;
  // The same study with other sampler seeds, judged by the same PyTorch truth: how often one budgeted
  // study flags what the goal asks for (one run is one draw).
  const replayed =
    same === null || options.replays === 0
      ? null
      : replay(family, VARIANTS.find((v) => v.name === 'bayes')!, searched.trials, ours, summariseTruth(asTruth(same), study, MARGINS), null, options.replays);

  log(`\nPer source: mean marginal effect on accuracy over the ${2 ** (ours.sources.length - 1)} subsets without it, and the 25%-budget study's flag`);
  const head = ['source', 'tasksieve', `PyTorch (${protocol.name})`, ...(issueAgreement ? ['PyTorch (issue: head kept)'] : []), 'study effect', 'study flag', 'flag from every subset [95% interval]'];
  log(`| ${head.join(' | ')} |`);
  log(`|${head.map(() => ' --- |').join('')}`);
  for (const s of ours.sources) {
    const e = attribution.overall.effects.find((x) => x.source === s);
    const x = exhaustive.overall.effects.find((y) => y.source === s);
    const whole = x === undefined ? '-' : `${x.flag} [${signed(x.interval.low)}, ${signed(x.interval.high)}]`;
    const cells = [s, signed(ourEffects[s]), signed(sameAgreement?.referenceEffects[s]), ...(issueAgreement ? [signed(issueAgreement.referenceEffects[s])] : []), signed(e?.effect), e?.flag ?? '-', whole];
    log(`| ${cells.join(' | ')} |`);
  }
  log('\nSubsets, best first by tasksieve (mean accuracy over targets x seeds):');
  const keys = [...ourMeans.keys()].sort((x, y) => ourMeans.get(y)! - ourMeans.get(x)!);
  log(`| subset | tasksieve | PyTorch (${protocol.name}) |`);
  log('| --- | --- | --- |');
  for (const k of [...keys.slice(0, 8), ...keys.slice(-4)]) log(`| ${k || '(target only)'} | ${f3(ourMeans.get(k))} | ${f3(torchMeans?.get(k))} |`);
  log(`(${keys.length} subsets; the 8 best and the 4 worst)`);

  if (sameAgreement === null) {
    log('\nNo PyTorch truth (PyTorch missing and no cached table matching, or --no-torch): no agreement figures, goals not judged (null).');
  } else {
    log(`\nAgreement, both frameworks with the same protocol (${protocol.name}):`);
    logAgreement(sameAgreement, log);
    log(
      `Flags from every subset (tasksieve's exhaustive table, 100% of the trainings): harmful ${flagsOf(exhaustive).harmful.join(', ') || 'none'}; ` +
        `harmful recall ${f3(exhaustiveRecall)} against PyTorch's clearly harmful (every subset tried once: no budgeted study sees more)`,
    );
    if (replayed !== null)
      log(
        `The ${replayed.replays} replays of the ${searched.trials}-trial study (other sampler seeds): harmful recall ${f3(replayed.recall)} on average, ` +
          `recall 1 in ${Math.round(replayed.met.recall * 100)}%, precision >= 0.9 in ${Math.round(replayed.met.precision * 100)}%, regret <= 0.05 in ${Math.round(replayed.met.regret * 100)}%`,
      );
  }
  if (issueAgreement !== null) {
    log(`\nThe same tasksieve figures judged by PyTorch under the issue's protocol (standardised, head kept), which this build cannot express:`);
    logAgreement(issueAgreement, log);
  }
  const seconds = (performance.now() - started) / 1000;
  log(`\nwall time ${seconds.toFixed(0)}s`);
  const figures = (a: Agreement | null) =>
    a === null
      ? null
      : { pearson: a.pearson, pearson_ceiling: a.pearsonCeiling, tau: a.tau, tau_seed_halves: a.tauSeedHalves, flags_agree: a.flags, regret: a.regret, recommended: a.recommended, reference_best: a.referenceBest, reference_effects: a.referenceEffects };
  return {
    benchmark: 'agreement',
    protocol: protocol.name === 'issue' ? 'issue (scaling standard pooled, head keep)' : 'fallback (no head keep in this build)',
    backend: ours.backend,
    torch: same?.torch ?? null,
    goals: GOALS,
    ...(figures(sameAgreement) ?? { pearson: null, tau: null, flags_agree: null, regret: null, recommended }),
    effects: ourEffects,
    flagged: flagsOf(attribution),
    flagged_from_every_subset: flagsOf(exhaustive),
    harmful_recall_from_every_subset: exhaustiveRecall,
    replays: replayed === null ? null : { count: replayed.replays, harmful_recall_mean: replayed.recall, share_recall_1: replayed.met.recall, share_precision_0_9: replayed.met.precision, share_regret_0_05: replayed.met.regret },
    study: { trials: searched.trials, budget_share: searched.budgetShare, mismatches: searched.mismatches, seconds: searched.seconds },
    truth_seconds: { tasksieve: ours.seconds, torch: same?.seconds ?? null },
    issue_protocol: figures(issueAgreement),
    seconds,
    goals_met: goalsMet(sameAgreement),
  };
}

export const agreement: Benchmark = {
  summary: 'tasksieve vs PyTorch on an exhaustive transfer truth: pearson, tau of source effects, harmful flags, regret',
  run,
};
