// The racing part of the `halving` benchmark: a family of the selection benchmark (sources whose
// effect is known by construction; only the subset is searched) run with more seeds per target,
// without a scheduler and with `scheduler: race`, on the same study seeds, in fresh SQLite files.
// Reports the trainings (units and baselines, bench/trainings.ts) and epochs each spent until its recommended subset
// (rankSubsets: the best subset with support on every target) was as good as the no-scheduler
// study's final recommendation, judged by the subsets' true values. Main thread; real worker threads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aggregate } from '../src/metrics/aggregate.js';
import { rankSubsets } from '../src/selection/subsets.js';
import { subsetKey, type TrialTable } from '../src/selection/trial-table.js';
import type { ResolvedStudy } from '../src/spec/study.js';
import { SqliteStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import type { Executor } from '../src/study/pool-executor.js';
import { runStudy } from '../src/study/run-study.js';
import { StudyHandle } from '../src/study/study-handle.js';
import { loadTrialTable } from '../src/study/trial-table.js';
import { RACING_FAMILIES, resolveFamily, type Family } from './selection-families.js';
import { trainingEvents } from './trainings.js';

export interface RacingOptions {
  readonly family: string;
  readonly trials: number;
  /** Trials of the race study (it may try more subsets for the same trainings). */
  readonly raceTrials: number;
  readonly seeds: number;
  readonly firstSeeds: number;
  readonly eta: number;
  readonly minReports: number;
  /** The paired rule's p threshold; null: off. */
  readonly wilcoxon: number | null;
  /** Accuracy (as a fraction) the race's recommendation may stay below the no-scheduler one's. */
  readonly tolerance: number;
}

/** One finished study: when each training was recorded, and its recommendation after each trial. */
interface Timeline {
  readonly trials: number;
  readonly pruned: number;
  readonly trainings: number;
  readonly epochs: number;
  /** After each trial that finished, in order: trainings and epochs so far, the recommended subset. */
  readonly steps: readonly { readonly trainings: number; readonly epochs: number; readonly recommended: string | null }[];
  /** The full-units objective of every subset some COMPLETE trial evaluated, by key. */
  readonly complete: ReadonlyMap<string, number>;
}

/** The family's study with `seeds` seeds per target (in the file, so the scheduler is checked against them). */
function studyFor(family: Family, name: string, trials: number, seeds: number, extra: string): ResolvedStudy {
  const study = resolveFamily(family, name, trials, extra, seeds);
  if (study.budget.seeds !== seeds) throw new Error(`family ${family.name}: no budget.seeds to replace`);
  return study;
}

function timeline(store: Store, study: ResolvedStudy): Timeline {
  const name = study.name;
  const record = store.getStudy(name)!;
  const table = loadTrialTable(store, record);
  const trials = store.getTrials(record.id);
  const events = trainingEvents(store, study);
  const finished = trials.filter((t) => t.finishedAt !== null).sort((a, b) => a.finishedAt! - b.finishedAt!);
  const steps = finished.map((trial) => {
    const upTo = events.filter((e) => e.at <= trial.finishedAt!);
    const done = new Set(finished.filter((t) => t.finishedAt! <= trial.finishedAt!).map((t) => t.number));
    const sofar: TrialTable = { ...table, trials: table.trials.filter((t) => done.has(t.number)) };
    const recommended = rankSubsets(sofar, { seed: 1, resamples: 1 }).recommended;
    return {
      trainings: upTo.length,
      epochs: upTo.reduce((a, e) => a + e.epochs, 0),
      recommended: recommended === null ? null : subsetKey(recommended.sources, table.sources),
    };
  });
  const { objective } = table;
  const complete = new Map<string, number>();
  for (const t of table.trials) complete.set(subsetKey(t.sources, table.sources), aggregate(t.units.map((u) => u.value), objective.aggregate, objective.direction, objective));
  return {
    trials: trials.length,
    pruned: trials.filter((t) => t.state === 'PRUNED').length,
    trainings: events.length,
    epochs: events.reduce((a, e) => a + e.epochs, 0),
    steps,
    complete,
  };
}

async function runOne(study: ResolvedStudy, dir: string, executor: Executor): Promise<Timeline> {
  const store = SqliteStore.open(join(dir, `${study.name}.db`));
  try {
    await runStudy({ handle: StudyHandle.open({ store, study }), executor });
    return timeline(store, study);
  } finally {
    store.close();
  }
}

export interface RacingRow {
  readonly seed: number;
  readonly noneTrainingsToBest: number;
  readonly noneEpochsToBest: number;
  readonly noneTrainings: number;
  readonly raceTrainingsToBest: number | null;
  readonly raceEpochsToBest: number | null;
  readonly raceTrainings: number;
  readonly pruned: number;
  readonly noneRecommended: string;
  readonly raceRecommended: string | null;
  /** True values (full-units objective) of the final recommendations. */
  readonly noneTrue: number;
  readonly raceTrue: number | null;
  /** (none - race) x 100, of the final recommendations' true values. */
  readonly gapPoints: number | null;
  readonly ratioTrainings: number | null;
  readonly ratioEpochs: number | null;
  /** Subsets COMPLETE in both studies whose values differ (should be 0: same seeds, same backend). */
  readonly mismatches: number;
}

/**
 * The true value of a subset is its objective over every target and seed (the exhaustive value at
 * this many seeds): what a COMPLETE trial of it measured, in either study (training is seeded, so
 * both measure the same; `mismatches` counts where they do not). A recommendation is always a
 * COMPLETE trial's subset, so its true value is known.
 */
export async function runRacing(
  options: RacingOptions,
  seeds: readonly number[],
  executor: Executor,
  log: (line: string) => void,
): Promise<RacingRow[]> {
  const family = RACING_FAMILIES.find((f) => f.name === options.family);
  if (family === undefined) throw new Error(`--racing-family: one of ${RACING_FAMILIES.map((f) => f.name).join(', ')} (got ${options.family})`);
  const paired = options.wilcoxon === null ? '' : `, wilcoxon: ${options.wilcoxon}`;
  const race = `scheduler: { kind: race, first_seeds: ${options.firstSeeds}, eta: ${options.eta}, min_reports: ${options.minReports}${paired} }`;
  const dir = mkdtempSync(join(tmpdir(), 'tasksieve-racing-'));
  const rows: RacingRow[] = [];
  try {
    log(`racing: family ${family.name}, ${options.seeds} seeds x 2 targets, none ${options.trials} trials, race ${options.raceTrials} trials (${race})`);
    log('seed  none to-best (trainings/epochs)  none total  race to-best (trainings/epochs)  race total  pruned  ratio  none rec (true)  race rec (true)  gap pts');
    for (const seed of seeds) {
      const none = await runOne({ ...studyFor(family, `none-${seed}`, options.trials, options.seeds, ''), seed }, dir, executor);
      const raced = await runOne({ ...studyFor(family, `race-${seed}`, options.raceTrials, options.seeds, race), seed }, dir, executor);
      const truth = new Map([...none.complete, ...raced.complete]);
      const mismatches = [...none.complete].filter(([key, v]) => raced.complete.has(key) && Math.abs(raced.complete.get(key)! - v) > 1e-12).length;
      const noneFinal = none.steps.at(-1)!.recommended!;
      const target = truth.get(noneFinal)!;
      const noneReach = none.steps.find((s) => s.recommended !== null && truth.get(s.recommended)! >= target)!;
      const raceReach = raced.steps.find((s) => s.recommended !== null && truth.get(s.recommended)! >= target - options.tolerance) ?? null;
      const raceFinal = raced.steps.at(-1)?.recommended ?? null;
      const raceTrue = raceFinal === null ? null : truth.get(raceFinal)!;
      const row: RacingRow = {
        seed,
        noneTrainingsToBest: noneReach.trainings,
        noneEpochsToBest: noneReach.epochs,
        noneTrainings: none.trainings,
        raceTrainingsToBest: raceReach?.trainings ?? null,
        raceEpochsToBest: raceReach?.epochs ?? null,
        raceTrainings: raced.trainings,
        pruned: raced.pruned,
        noneRecommended: noneFinal,
        raceRecommended: raceFinal,
        noneTrue: target,
        raceTrue,
        gapPoints: raceTrue === null ? null : (target - raceTrue) * 100,
        ratioTrainings: raceReach === null ? null : noneReach.trainings / raceReach.trainings,
        ratioEpochs: raceReach === null ? null : noneReach.epochs / raceReach.epochs,
        mismatches,
      };
      rows.push(row);
      const f = (n: number | null, d = 0) => (n === null ? '-' : n.toFixed(d));
      log(
        `${String(seed).padEnd(4)}  ${`${row.noneTrainingsToBest}/${row.noneEpochsToBest}`.padEnd(31)}  ${String(row.noneTrainings).padEnd(10)}  ` +
          `${`${f(row.raceTrainingsToBest)}/${f(row.raceEpochsToBest)}`.padEnd(31)}  ${String(row.raceTrainings).padEnd(10)}  ${String(row.pruned).padEnd(6)}  ` +
          `${f(row.ratioTrainings, 2).padEnd(5)}  ${`[${noneFinal}] ${f(target, 4)}`.padEnd(16)}  ${`[${raceFinal ?? '-'}] ${f(raceTrue, 4)}`.padEnd(15)}  ${f(row.gapPoints, 2)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
