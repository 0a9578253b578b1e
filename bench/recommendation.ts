// `npm run bench -- recommendation [--studies N] [--trials N] [--json]`: what the recommended source
// subset is worth on rows no trial was selected on, in a study that searches a recipe beside the
// subset. The quick start (learning rate, frozen layers and the subset; 2 seeds) with a 30% test share
// of its target, once per study seed (1..N), real runStudy on one pool of 2 workers. Per study: the
// test accuracy of the recommended subset built as `model --trial recommended` builds it (its best
// trial among those its score is on), of the best trial, and of the rule before 2026-12-07 (every
// recipe of a subset pooled, then its best trial), which this benchmark is the evidence against.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseStudy } from '../src/config/index.js';
import { aggregate } from '../src/metrics/aggregate.js';
import { rankSubsets } from '../src/selection/subsets.js';
import { mergeRepeats, subsetKey, type TrialRow, type TrialTable } from '../src/selection/trial-table.js';
import { SqliteStore } from '../src/store/index.js';
import { PoolExecutor } from '../src/study/pool-executor.js';
import { runStudy } from '../src/study/run-study.js';
import { StudyHandle } from '../src/study/study-handle.js';
import { loadTrialTable } from '../src/study/trial-table.js';
import { wholeOption } from './args.js';
import { goal } from './goals.js';
import type { BenchContext, Benchmark } from './benchmark.js';

const QUICKSTART = resolve(import.meta.dirname, '..', 'studies', 'quickstart.yaml');

const mean = (values: readonly number[]) => values.reduce((a, v) => a + v, 0) / values.length;
const testOf = (trial: TrialRow) => mean(trial.units.map((u) => u.test!));

/** The rule before 2026-12-07: each subset over all its recipes' units, the best with support, then its best trial. */
function pooledChoice(table: TrialTable, value: (t: TrialRow) => number): TrialRow {
  const bySubset = new Map<string, TrialRow[]>();
  for (const t of mergeRepeats(table.trials, table.sources)) {
    const key = subsetKey(t.sources, table.sources);
    bySubset.set(key, [...(bySubset.get(key) ?? []), t]);
  }
  const { objective } = table;
  const scored = [...bySubset.values()]
    .filter((trials) => table.targets.every((target) => trials.flatMap((t) => t.units).filter((u) => u.target === target).length >= 2))
    .map((trials) => ({ trials, score: aggregate(trials.flatMap((t) => t.units.map((u) => u.value)), objective.aggregate, objective.direction, objective) }))
    .sort((a, b) => b.score - a.score);
  return [...scored[0]!.trials].sort((a, b) => value(b) - value(a))[0]!;
}

async function run(args: readonly string[], { log }: BenchContext): Promise<Record<string, unknown>> {
  const studies = wholeOption(args, 'studies', 24, 1);
  const trials = wholeOption(args, 'trials', 30, 1);
  const text = readFileSync(QUICKSTART, 'utf8').replace('labelled: 30', 'labelled: 30\n    test: 0.3').replace(/trials: 30,/, `trials: ${trials},`);
  if (!text.includes('test: 0.3') || !text.includes(`trials: ${trials},`)) throw new Error(`${QUICKSTART}: the target's labelled line or the budget's trials moved`);
  const dir = mkdtempSync(join(tmpdir(), 'tasksieve-recommendation-'));
  const executor = await PoolExecutor.start({ workers: 2, backend: null });
  const rows: { seed: number; recommended: number; best: number; pooled: number; sameAsBest: boolean; pooledSubset: string }[] = [];
  try {
    log(`recommendation: the quick start with a 30% test share, ${trials} trials, ${studies} study seeds, 2 workers`);
    log('seed  best trial (test)             recommended (test)            pooled rule (test)');
    for (let seed = 1; seed <= studies; seed++) {
      const study = { ...parseStudy(text, QUICKSTART), seed, name: `recommendation-${seed}` };
      const store = SqliteStore.open(join(dir, `${study.name}.db`));
      let table: TrialTable;
      try {
        await runStudy({ handle: StudyHandle.open({ store, study }), executor });
        table = loadTrialTable(store, store.getStudy(study.name)!);
      } finally {
        store.close();
      }
      const value = (t: TrialRow) => aggregate(t.units.map((u) => u.value), table.objective.aggregate, table.objective.direction, table.objective);
      const best = [...table.trials].sort((a, b) => value(b) - value(a) || a.number - b.number)[0]!;
      const recommended = rankSubsets(table).recommended!;
      const scoredOn = new Set(recommended.trialNumbers);
      const built = table.trials.filter((t) => scoredOn.has(t.number)).sort((a, b) => value(b) - value(a) || a.number - b.number)[0]!;
      const pooled = pooledChoice(table, value);
      const row = { seed, recommended: testOf(built), best: testOf(best), pooled: testOf(pooled), sameAsBest: built.number === best.number, pooledSubset: pooled.sources.join(',') || '(target only)' };
      rows.push(row);
      const cell = (t: TrialRow, test: number) => `#${t.number} ${t.sources.join(',') || '(target only)'} ${test.toFixed(3)}`.padEnd(30);
      log(`${String(seed).padEnd(4)}  ${cell(best, row.best)}${cell(built, row.recommended)}${cell(pooled, row.pooled)}`);
    }
  } finally {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = {
    recommended: mean(rows.map((r) => r.recommended)),
    best: mean(rows.map((r) => r.best)),
    pooled: mean(rows.map((r) => r.pooled)),
    same_as_best: rows.filter((r) => r.sameAsBest).length / rows.length,
    pooled_below_recommended: rows.filter((r) => r.pooled < r.recommended - 1e-12).length,
    pooled_above_recommended: rows.filter((r) => r.pooled > r.recommended + 1e-12).length,
  };
  log(
    `mean test accuracy: recommended ${summary.recommended.toFixed(4)}, best trial ${summary.best.toFixed(4)}, pooled rule ${summary.pooled.toFixed(4)}; ` +
      `recommended = best trial in ${Math.round(summary.same_as_best * 100)}%; pooled rule below / above the recommendation in ${summary.pooled_below_recommended} / ${summary.pooled_above_recommended} of ${rows.length}`,
  );
  return {
    benchmark: 'recommendation',
    studies,
    trials,
    rows,
    ...summary,
    goals_met: {
      recommended_test_at_least_best_trial_minus_0_005: goal(summary.recommended, summary.best - 0.005, '>='),
      recommended_test_at_least_pooled_rule: goal(summary.recommended, summary.pooled, '>='),
    },
  };
}

export const recommendation: Benchmark = {
  summary: 'the recommended subset on held-out test rows in a study that searches a recipe beside it (quick start + test share)',
  run,
};
