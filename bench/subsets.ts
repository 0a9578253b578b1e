// The `subsets` benchmark: choosing a subset of 12 sources on a synthetic transfer objective (single
// gains, harmful sources, pairwise synergies and conflicts, dilution; optimum by enumerating all
// 4,096 subsets), through the real ask/tell API. Ours (the native subset parameter) vs Optuna's TPE
// with one boolean categorical per source (bench/peers/optuna_subsets.py) vs random, same instances.
import { BAYES_DEFAULTS } from '../src/spec/study.js';
import type { SamplerSpec } from '../src/spec/study.js';
import type { SearchSpace } from '../src/spec/space.js';
import { benchStudy, intOption, mean, median, runAskTell, table, tempStore } from './ask-tell.js';
import { goal as compare, type Goals } from './goals.js';
import { runPeer } from './python-peer.js';
import type { Benchmark } from './benchmark.js';
import { evaluate, makeInstance, normalisedRegret, type SubsetInstance } from './subset-objective.js';
import { arrayOf, number, oneOf, shape, string } from '../src/util/check.js';

const SOURCES = 12;
const CHECKPOINTS = [30, 60, 100] as const;
const GOAL_AT = 60;

interface PeerResult {
  readonly optuna: string;
  readonly results: readonly { sampler: 'random' | 'tpe'; curves: readonly (readonly number[])[]; seconds: number }[];
}

/** The peer's reply, decoded (keys it adds are ignored). */
const PEER_RESULT = shape<PeerResult>(
  { optuna: string, results: arrayOf(shape({ sampler: oneOf(['random', 'tpe']), curves: arrayOf(arrayOf(number)), seconds: number }, { open: true })) },
  { open: true },
);

interface Summary {
  /** Median normalised regret at each checkpoint. */
  readonly median: number[];
  readonly mean: number[];
  /** Share of seeds that found the optimum by each checkpoint. */
  readonly solved: number[];
}

const ITEMS = Array.from({ length: SOURCES }, (_, i) => `s${i}`);
const SPACE: SearchSpace = [{ name: 'sources', distribution: { type: 'subset', items: ITEMS, min: 0, max: SOURCES } }];

const OURS: Record<string, SamplerSpec> = {
  random: { kind: 'random' },
  bayes: { kind: 'bayes', ...BAYES_DEFAULTS },
};

function summarise(instances: readonly SubsetInstance[], curves: readonly (readonly number[])[], checkpoints: readonly number[]): Summary {
  const regrets = checkpoints.map((c) => curves.map((curve, i) => Math.max(0, normalisedRegret(instances[i]!, curve[c - 1] as number))));
  return {
    median: regrets.map(median),
    mean: regrets.map(mean),
    solved: regrets.map((r) => r.filter((v) => v <= 1e-12).length / r.length),
  };
}

export const subsets: Benchmark = {
  summary: 'native subset parameter vs Optuna TPE with one boolean per source vs random, 12 sources with interactions (ask/tell)',
  async run(args, { log }) {
    const seeds = intOption(args, 'seeds', 20);
    const trials = intOption(args, 'trials', 100);
    const checkpoints = CHECKPOINTS.filter((c) => c <= trials);
    const instances = Array.from({ length: seeds }, (_, seed) => makeInstance(seed, SOURCES));
    const peer = runPeer('optuna_subsets.py', {
      samplers: ['tpe', 'random'],
      trials,
      instances: instances.map((inst, seed) => ({ seed, ...inst })),
    }, PEER_RESULT);
    const ours: Record<string, Summary> = {};
    const seconds: Record<string, number> = {};
    const { store, dispose } = tempStore();
    try {
      for (const [kind, sampler] of Object.entries(OURS)) {
        const started = performance.now();
        const curves = instances.map((inst, seed) =>
          runAskTell(store, benchStudy({ name: `${kind}-${seed}`, seed, space: SPACE, sampler, direction: 'maximize', trials }), (p) =>
            evaluate(inst, (p.sources as string[]).map((name) => ITEMS.indexOf(name))),
          ),
        );
        ours[kind] = summarise(instances, curves, checkpoints);
        seconds[kind] = (performance.now() - started) / 1000;
      }
    } finally {
      dispose();
    }
    const optuna = await peer;
    const theirs: Record<string, Summary> = {};
    if (optuna.ok) for (const r of optuna.data.results) theirs[r.sampler] = summarise(instances, r.curves, checkpoints);

    log(`normalised regret (0 = the enumerated optimum, 1 = the worst subset) over ${seeds} instances, ${SOURCES} sources, ${trials} trials`);
    log(optuna.ok ? `peer: Optuna ${optuna.data.optuna} TPESampler / RandomSampler (defaults), one boolean categorical per source` : `peer: NOT RUN — ${optuna.reason}`);
    const rows = (label: string, s: Summary | undefined): string[] =>
      s === undefined
        ? [label, ...checkpoints.map(() => '-')]
        : [label, ...checkpoints.map((_, i) => `${s.median[i]!.toFixed(3)} / ${s.mean[i]!.toFixed(3)} / ${(100 * s.solved[i]!).toFixed(0)}%`)];
    const lines = table(
      ['sampler (median / mean / optimum found)', ...checkpoints.map((c) => `@${c}`)],
      [
        rows('tasksieve random', ours['random']),
        rows('tasksieve bayes (native subset)', ours['bayes']),
        ...(optuna.ok ? [rows('optuna random', theirs['random']), rows('optuna tpe (12 booleans)', theirs['tpe'])] : []),
      ],
    );
    for (const line of lines) log(`  ${line}`);
    const at = checkpoints.indexOf(GOAL_AT as (typeof CHECKPOINTS)[number]);
    const bayes = at >= 0 ? ours['bayes']!.median[at]! : null;
    const tpe = at >= 0 && optuna.ok ? theirs['tpe']!.median[at]! : null;
    const goal = compare(bayes, tpe === null ? null : tpe / 2, '<=');
    log(
      goal === null
        ? `goal (median regret at ${GOAL_AT} <= half of Optuna TPE's): n/a`
        : `goal (median regret at ${GOAL_AT} <= half of Optuna TPE's): ${bayes!.toFixed(3)} vs ${tpe!.toFixed(3)} / 2 = ${(tpe! / 2).toFixed(3)}: ${goal ? 'yes' : 'NO'}`,
    );
    log(`  time: ours random ${seconds['random']!.toFixed(1)} s, bayes ${seconds['bayes']!.toFixed(1)} s (${seeds * trials} trials each, SQLite file)`);
    return {
      benchmark: 'subsets',
      seeds,
      trials,
      sources: SOURCES,
      checkpoints,
      ours,
      optuna: optuna.ok ? { version: optuna.data.optuna, ...theirs } : { missing: optuna.reason },
      goalAt: GOAL_AT,
      goal,
      // Median normalised regret at 60 trials: bayes <= half of Optuna TPE's (null: Optuna missing or
      // fewer than 60 trials).
      goals_met: { bayes_regret_at_60_at_most_half_optuna_tpe: goal } satisfies Goals,
      seconds,
    };
  },
};
