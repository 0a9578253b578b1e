// The `multiobjective` benchmark (issue 18): our multi-objective sampler (bayes in a study with several
// objectives: MOTPE, src/search/samplers/motpe-sampler.ts) through the real ask/tell API (StudyHandle
// over a SQLite file, vector values told and stored), on ZDT1, ZDT2, ZDT3 and DTLZ2 (bench/mo-problems.ts),
// against Optuna 3.1's NSGAIISampler and TPESampler with several directions (MOTPE), default settings,
// run side by side by bench/peers/optuna_multiobjective.py. Every run's values are scored by the same
// hypervolume code (src/metrics/hypervolume.ts): median over seeds at 100 and 200 trials.
// Goal: our median hypervolume at 100 trials >= the better Optuna sampler's, on every problem.
import type { ResolvedStudy, SamplerSpec } from '../src/spec/study.js';
import { MOTPE_DEFAULTS } from '../src/spec/study.js';
import { hypervolume } from '../src/metrics/hypervolume.js';
import { StudyHandle } from '../src/study/study-handle.js';
import type { SqliteStore } from '../src/store/index.js';
import { benchStudy, median, table, tempStore } from './ask-tell.js';
import { wholeOption, optionValue } from './args.js';
import { goal, type Goals } from './goals.js';
import { coordinates, moProblems, moSpace, type MoProblem } from './mo-problems.js';
import { runPeer } from './python-peer.js';
import type { Benchmark } from './benchmark.js';
import { Rng } from '../src/util/rng.js';
import { arrayOf, integer, number, optional, recordOf, shape, string, type Check } from '../src/util/check.js';

const CHECKPOINTS = [100, 200] as const;
const PEER_SAMPLERS = ['nsga2', 'tpe'] as const;

const OURS: Record<string, SamplerSpec> = {
  bayes: { kind: 'bayes', ...MOTPE_DEFAULTS },
  random: { kind: 'random' },
};

interface PeerResult {
  readonly optuna: string;
  readonly results: readonly { problem: string; sampler: string; seed: number; values: readonly (readonly number[])[]; cpu_s: number }[];
  /** The problems' values at the check points, computed in Python (absent from older peers). */
  readonly check?: Readonly<Record<string, readonly (readonly number[])[]>>;
}

/** The peer's reply, decoded (keys it adds are ignored). */
const PEER_RESULT: Check<PeerResult> = shape<PeerResult>(
  {
    optuna: string,
    results: arrayOf(shape({ problem: string, sampler: string, seed: integer, values: arrayOf(arrayOf(number)), cpu_s: number }, { open: true })),
    check: optional(recordOf(arrayOf(arrayOf(number)))),
  },
  { open: true },
);

/** Random points of each problem, for the TypeScript / Python cross-check of the test functions. */
function checkPoints(problems: readonly MoProblem[]): Record<string, number[][]> {
  const rng = new Rng(0x18c4);
  return Object.fromEntries(problems.map((p) => [p.name, Array.from({ length: 20 }, () => Array.from({ length: p.dim }, () => rng.next()))]));
}

/** Largest relative difference between our values at the check points and the peer's; null without them. */
function crossCheck(problems: readonly MoProblem[], points: Record<string, number[][]>, theirs: Readonly<Record<string, readonly (readonly number[])[]>> | undefined): number | null {
  if (theirs === undefined) return null;
  let worst = 0;
  for (const p of problems) {
    (points[p.name] ?? []).forEach((x, i) => {
      p.f(x).forEach((v, k) => {
        const w = theirs[p.name]?.[i]?.[k];
        worst = Math.max(worst, w === undefined ? Infinity : Math.abs(v - w) / Math.max(1e-12, Math.abs(v)));
      });
    });
  }
  return worst;
}

/**
 * A study of `problem.objectives` minimised objectives for ask/tell only. The objective entries are
 * labels here (the values come from the test function, not from units), and the first must be a
 * classification metric by the type of ResolvedStudy.objective.
 */
function moStudy(name: string, problem: MoProblem, sampler: SamplerSpec, seed: number, trials: number): ResolvedStudy {
  const base = benchStudy({ name, seed, space: moSpace(problem.dim), sampler, direction: 'minimize', trials });
  const labels = (['accuracy', 'bytes', 'params', 'train_ms'] as const).slice(0, problem.objectives);
  return { ...base, objectives: labels.map((metric) => ({ metric, direction: 'minimize', aggregate: 'mean' })) };
}

/** One study through ask/tell: every trial's values, and the mean CPU ms per trial (ask + tell). */
function runOurs(store: SqliteStore, problem: MoProblem, kind: string, sampler: SamplerSpec, seed: number, trials: number) {
  const handle = StudyHandle.open({ store, study: moStudy(`${kind}-${problem.name}-${seed}-${trials}`, problem, sampler, seed, trials) });
  const values: number[][] = [];
  const started = process.cpuUsage();
  for (let trial = handle.ask(); trial !== null; trial = handle.ask()) {
    const v = problem.f(coordinates(trial.params, problem.dim));
    handle.tell(trial.id, { state: 'COMPLETE', values: v });
    values.push(v);
  }
  const used = process.cpuUsage(started);
  // The stored vectors are what a study reports: read them back rather than trusting the local copy.
  const stored = handle.trials().map((t) => t.values ?? []);
  if (JSON.stringify(stored) !== JSON.stringify(values)) throw new Error(`${problem.name}: stored values differ from those told`);
  return { values, msPerTrial: (used.user + used.system) / 1000 / trials };
}

const hvAt = (values: readonly (readonly number[])[], at: number, reference: readonly number[]): number | null =>
  values.length < at ? null : hypervolume(values.slice(0, at), reference);

export const multiobjective: Benchmark = {
  summary: 'multi-objective sampler vs Optuna 3.1 NSGA-II and MOTPE: hypervolume on ZDT1-3 and DTLZ2 at 100/200 trials',
  async run(args, { log }) {
    const seeds = Array.from({ length: wholeOption(args, 'seeds', 10, 1) }, (_, i) => i);
    const trials = wholeOption(args, 'trials', 200, 100);
    const dim = wholeOption(args, 'dim', 10, 2);
    const only = optionValue(args, 'problems')?.split(',');
    const problems = moProblems(dim).filter((p) => only === undefined || only.some((o) => p.name.startsWith(o)));
    const peerOff = args.includes('--no-peer');
    const points = checkPoints(problems);
    // The peer starts first and runs while ours do (two processes, side by side).
    const peer = peerOff
      ? Promise.resolve({ ok: false as const, reason: '--no-peer' })
      : runPeer('optuna_multiobjective.py', {
          problems: problems.map((p) => ({ name: p.name, dim: p.dim, objectives: p.objectives })),
          seeds,
          trials,
          samplers: PEER_SAMPLERS,
          check: points,
        }, PEER_RESULT);
    const ours = new Map<string, { hv: Record<number, number[]>; ms: number[] }>();
    const tmp = tempStore();
    try {
      for (const problem of problems) {
        for (const [kind, sampler] of Object.entries(OURS)) {
          const entry = { hv: Object.fromEntries(CHECKPOINTS.map((c) => [c, [] as number[]])), ms: [] as number[] };
          for (const seed of seeds) {
            const run = runOurs(tmp.store, problem, kind, sampler, seed, trials);
            for (const c of CHECKPOINTS) {
              const hv = hvAt(run.values, c, problem.reference);
              if (hv !== null) entry.hv[c]!.push(hv);
            }
            entry.ms.push(run.msPerTrial);
          }
          ours.set(`${problem.name}/${kind}`, entry);
        }
      }
    } finally {
      tmp.dispose();
    }
    const peerOutcome = await peer;
    if (!peerOutcome.ok) log(`Optuna peer missing: ${peerOutcome.reason}; our figures only`);
    const check = peerOutcome.ok ? crossCheck(problems, points, peerOutcome.data.check) : null;
    if (check !== null) log(`cross-check of the test functions, TS vs Python: largest relative difference ${check.toExponential(1)}`);
    if (check !== null && !(check < 1e-9)) throw new Error(`the peer's test functions differ from ours (relative difference ${check})`);
    const peerHv = new Map<string, { hv: Record<number, number[]>; cpu: number[] }>();
    if (peerOutcome.ok) {
      for (const r of peerOutcome.data.results) {
        const problem = problems.find((p) => p.name === r.problem)!;
        const key = `${r.problem}/${r.sampler}`;
        const entry = peerHv.get(key) ?? { hv: Object.fromEntries(CHECKPOINTS.map((c) => [c, [] as number[]])), cpu: [] };
        for (const c of CHECKPOINTS) {
          const hv = hvAt(r.values, c, problem.reference);
          if (hv !== null) entry.hv[c]!.push(hv);
        }
        entry.cpu.push((r.cpu_s * 1000) / r.values.length);
        peerHv.set(key, entry);
      }
    }

    const fmt = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits));
    const goals: Goals = {};
    const perProblem: Record<string, unknown>[] = [];
    log(`multiobjective: ${seeds.length} seeds, ${trials} trials, ZDT at ${dim}-D, DTLZ2 3 objectives 12-D; median hypervolume (higher is better)`);
    const rows: string[][] = [];
    for (const problem of problems) {
      const med = (entry: { hv: Record<number, number[]> } | undefined, c: number) => {
        const list = entry?.hv[c];
        return list === undefined || list.length === 0 ? null : median(list);
      };
      const ourBayes = ours.get(`${problem.name}/bayes`);
      const ourRandom = ours.get(`${problem.name}/random`);
      const nsga = peerHv.get(`${problem.name}/nsga2`);
      const tpe = peerHv.get(`${problem.name}/tpe`);
      const figures: Record<string, unknown> = { problem: problem.name, reference: problem.reference };
      for (const c of CHECKPOINTS) {
        const b = med(ourBayes, c);
        const n = med(nsga, c);
        const t = med(tpe, c);
        const betterPeer = n === null && t === null ? null : Math.max(n ?? -Infinity, t ?? -Infinity);
        figures[`hv${c}`] = { ours_bayes: b, ours_random: med(ourRandom, c), optuna_nsga2: n, optuna_tpe: t, ratio_to_better_peer: b !== null && betterPeer !== null ? b / betterPeer : null };
        rows.push([
          problem.name,
          String(c),
          fmt(b),
          fmt(med(ourRandom, c)),
          fmt(n),
          fmt(t),
          b !== null && betterPeer !== null ? fmt(b / betterPeer) : '-',
        ]);
        if (c === 100) goals[`hv100_${problem.name}`] = goal(b, betterPeer, '>=');
      }
      figures['ms_per_trial'] = {
        ours_bayes: ourBayes ? median(ourBayes.ms) : null,
        optuna_nsga2: nsga ? median(nsga.cpu) : null,
        optuna_tpe: tpe ? median(tpe.cpu) : null,
      };
      perProblem.push(figures);
    }
    for (const line of table(['problem', 'trials', 'ours bayes', 'ours random', 'optuna nsga2', 'optuna tpe', 'ours/better'], rows)) log(line);
    log('');
    const costRows = perProblem.map((f) => {
      const ms = f['ms_per_trial'] as Record<string, number | null>;
      return [String(f['problem']), fmt(ms['ours_bayes'], 2), fmt(ms['optuna_nsga2'], 2), fmt(ms['optuna_tpe'], 2)];
    });
    log('CPU ms per trial (median over seeds; ours: ask + tell through the SQLite store; Optuna: in-memory storage)');
    for (const line of table(['problem', 'ours bayes', 'optuna nsga2', 'optuna tpe'], costRows)) log(line);
    return {
      benchmark: 'multiobjective',
      seeds: seeds.length,
      trials,
      dim,
      optuna: peerOutcome.ok ? peerOutcome.data.optuna : null,
      cross_check_max_rel_diff: check,
      problems: perProblem,
      goals_met: goals,
    };
  },
};
