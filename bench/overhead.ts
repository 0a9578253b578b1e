// The `overhead` benchmark: milliseconds per trial of sampling plus storage (ask/tell on a trivial
// objective, SQLite file) over trials 1-100, 101-500 and 501-1000, for our bayes sampler (and random,
// the store's own floor), then Optuna's TPESampler with SQLite storage (bench/peers/optuna_overhead.py)
// in the same invocation. Wall and CPU time: the machine is shared, so CPU time is the steadier figure.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BAYES_DEFAULTS } from '../src/spec/study.js';
import type { SamplerSpec } from '../src/spec/study.js';
import { StudyHandle } from '../src/study/study-handle.js';
import type { SearchSpace } from '../src/spec/space.js';
import { benchStudy, intOption, table, tempStore } from './ask-tell.js';
import { goal, type Goals } from './goals.js';
import { runPeer } from './python-peer.js';
import type { Benchmark } from './benchmark.js';
import { arrayOf, integer, number, shape, string } from '../src/util/check.js';

const DIMS = 4;
const RANGES: readonly (readonly [number, number])[] = [
  [1, 100],
  [101, 500],
  [501, 1000],
];
const GOAL_MS = 2;

interface RangeCost {
  readonly first: number;
  readonly last: number;
  readonly wallMs: number;
  readonly cpuMs: number;
}

interface PeerResult {
  readonly optuna: string;
  readonly ranges: readonly RangeCost[];
}

/** The peer's reply, decoded (keys it adds are ignored). */
const PEER_RESULT = shape<PeerResult>(
  { optuna: string, ranges: arrayOf(shape<RangeCost>({ first: integer, last: integer, wallMs: number, cpuMs: number }, { open: true })) },
  { open: true },
);

const SPACE: SearchSpace = Array.from({ length: DIMS }, (_, i) => ({
  name: `x${i}`,
  distribution: { type: 'float', low: 0, high: 1, log: false },
}));

/** Per-trial wall and CPU milliseconds of ask + tell over a fresh study in a fresh SQLite file. */
function measure(sampler: SamplerSpec, trials: number, ranges: readonly (readonly [number, number])[]): RangeCost[] {
  const { store, dispose } = tempStore();
  try {
    const handle = StudyHandle.open({ store, study: benchStudy({ name: 'overhead', seed: 1, space: SPACE, sampler, direction: 'minimize', trials }) });
    const wall = new Float64Array(trials);
    const cpu = new Float64Array(trials);
    for (let i = 0; i < trials; i++) {
      const w0 = performance.now();
      const c0 = process.cpuUsage();
      const trial = handle.ask()!;
      let value = 0;
      for (const v of Object.values(trial.params)) value += v as number;
      handle.tell(trial.id, { state: 'COMPLETE', value });
      const c = process.cpuUsage(c0);
      cpu[i] = (c.user + c.system) / 1000;
      wall[i] = performance.now() - w0;
    }
    return ranges.map(([first, last]) => {
      let w = 0;
      let c = 0;
      for (let i = first - 1; i < last; i++) {
        w += wall[i] as number;
        c += cpu[i] as number;
      }
      const n = last - first + 1;
      return { first, last, wallMs: w / n, cpuMs: c / n };
    });
  } finally {
    dispose();
  }
}

/**
 * The goals: bayes at most GOAL_MS per trial over 501-1000, by wall and by CPU time (null: fewer than
 * 1000 trials); and bayes below Optuna TPE + SQLite in CPU ms per trial over the last range both ran
 * (docs/benchmarks.md: 0.68 against 144 CPU ms over 501-1000; null: Optuna missing).
 */
function goalsMet(bayes: readonly RangeCost[], theirs: readonly RangeCost[], last: RangeCost | undefined): Goals {
  const shared = theirs.length - 1;
  return {
    bayes_wall_at_most_2ms_501_1000: goal(last?.wallMs, GOAL_MS, '<='),
    bayes_cpu_at_most_2ms_501_1000: goal(last?.cpuMs, GOAL_MS, '<='),
    bayes_cpu_below_optuna_tpe: goal(bayes[shared]?.cpuMs, theirs[shared]?.cpuMs, '<'),
  };
}

export const overhead: Benchmark = {
  summary: 'ms per trial of ask/tell with SQLite storage, bayes sampler vs Optuna TPE + SQLite, trials 1-100 / 101-500 / 501-1000',
  async run(args, { log }) {
    const trials = intOption(args, 'trials', 1000);
    const optunaTrials = intOption(args, 'optuna-trials', trials);
    const ranges = RANGES.filter(([first]) => first <= trials).map(([first, last]) => [first, Math.min(last, trials)] as const);
    const load = [loadavg()[0]!];
    const ours = {
      random: measure({ kind: 'random' }, trials, ranges),
      bayes: measure({ kind: 'bayes', ...BAYES_DEFAULTS }, trials, ranges),
    };
    // Optuna runs after ours, not beside it: both measure time, and the machine has two cores.
    const dir = mkdtempSync(join(tmpdir(), 'tasksieve-optuna-'));
    const optunaRanges = ranges.filter(([, last]) => last <= optunaTrials);
    const peer = await runPeer('optuna_overhead.py', { trials: optunaTrials, dims: DIMS, seed: 1, ranges: optunaRanges, dir }, PEER_RESULT);
    rmSync(dir, { recursive: true, force: true });
    load.push(loadavg()[0]!);

    const label = ([first, last]: readonly [number, number]) => `${first}-${last}`;
    const cell = (r: RangeCost | undefined) => (r === undefined ? '-' : `${r.wallMs.toFixed(2)} / ${r.cpuMs.toFixed(2)}`);
    const rows: string[][] = [
      ['tasksieve random (store floor)', ...ours.random.map(cell)],
      ['tasksieve bayes', ...ours.bayes.map(cell)],
    ];
    const theirs = peer.ok ? peer.data.ranges : [];
    if (peer.ok) rows.push([`optuna ${peer.data.optuna} tpe + sqlite`, ...ranges.map((_, i) => cell(theirs[i]))]);
    log(`ms per trial (wall / CPU) of ask + tell, ${DIMS} float parameters, trivial objective, SQLite file storage`);
    log(`load average (1 min) ${load.map((l) => l.toFixed(1)).join(' → ')} on ${availableParallelism()} cores: wall time grows with it, CPU time much less`);
    if (!peer.ok) log(`peer: NOT RUN — ${peer.reason}`);
    for (const line of table(['trials', ...ranges.map(label)], rows)) log(`  ${line}`);
    if (peer.ok) {
      const ratio = ranges.map((_, i) => (theirs[i] === undefined ? '-' : `${(theirs[i]!.wallMs / ours.bayes[i]!.wallMs).toFixed(0)}x / ${(theirs[i]!.cpuMs / ours.bayes[i]!.cpuMs).toFixed(0)}x`));
      for (const line of table(['optuna / bayes', ...ranges.map(label)], [['ratio (wall / CPU)', ...ratio]])) log(`  ${line}`);
    }
    const last = ours.bayes.find((r) => r.first === 501 && r.last === 1000);
    const goal = last === undefined ? null : last.wallMs <= GOAL_MS;
    const goalCpu = last === undefined ? null : last.cpuMs <= GOAL_MS;
    log(
      last === undefined
        ? `goal (bayes <= ${GOAL_MS} ms per trial over 501-1000): n/a (run 1000 trials)`
        : `goal (bayes <= ${GOAL_MS} ms per trial over 501-1000): wall ${last.wallMs.toFixed(2)} ms ${goal ? 'yes' : 'NO'}; CPU ${last.cpuMs.toFixed(2)} ms ${goalCpu ? 'yes' : 'NO'}`,
    );
    return {
      benchmark: 'overhead',
      trials,
      dims: DIMS,
      loadAverage: load,
      ours,
      optuna: peer.ok ? { version: peer.data.optuna, trials: optunaTrials, ranges: theirs } : { missing: peer.reason },
      goalMs: GOAL_MS,
      goalWall: goal,
      goalCpu,
      goals_met: goalsMet(ours.bayes, theirs, last),
    };
  },
};
