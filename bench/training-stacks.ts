// The stacked part of the `training` benchmark (issue 22): K MLPs of one architecture trained in one
// stack (src/training/stacked.ts) for K = 1, 2, 4, 8, 16 against the same models trained one at a
// time by trainModel, on the digits MLP and 784-256-256-10; PyTorch (1.13 and the venv's newer one)
// one at a time and stacked (bench/peers/torch_stacked.py: baddbmm, one Adam over stacked weights),
// interleaved; GFLOP/s against the core's float32 peak; and a check that a unit trained in a stack
// ends where it ends alone. Main thread; wasm backend.
import { cpus } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../src/data/types.js';
import { buildMlp, type Mlp } from '../src/training/mlp.js';
import { trainModel, type TrainOptions } from '../src/training/epoch-loop.js';
import { trainStacked } from '../src/training/stacked.js';
import { initBackend, tf } from '../src/worker/backend.js';
import { BATCH, LEARNING_RATE } from './pool-throughput.js';
import { goal, type GoalResult } from './goals.js';
import { PYTHON, runPeer, VENV_PYTHON } from './python-peer.js';
import type { BenchContext } from './benchmark.js';
import { arrayOf, integer, nullable, number, recordOf, shape, string } from '../src/util/check.js';
import { parseChildJson } from './child-output.js';

/** What the quick-start comparison reads of `tasksieve leaderboard --json`: each trial's number, state and value. */
const LEADERBOARD = shape<{ rows: readonly { number: number; value: number | null; state: string }[] }>(
  { rows: arrayOf(shape<{ number: number; value: number | null; state: string }>({ number: integer, value: nullable(number), state: string }, { open: true })) },
  { open: true },
);

export interface StackCase {
  readonly name: 'small' | 'large';
  readonly label: string;
  readonly data: Dataset;
  readonly hidden: readonly number[];
  readonly epochs: number;
}

export interface StackOptions {
  readonly ks: readonly number[];
  readonly repeats: number;
  readonly skipTorch: boolean;
}

/**
 * Floating-point operations per training sample of an MLP with these widths: forward 2 x in x out
 * per layer, backward twice that (kernel gradient and the gradient below), except that the first
 * layer passes no gradient down.
 */
export function flopsPerSample(widths: readonly number[]): number {
  let flops = 0;
  for (let l = 0; l + 1 < widths.length; l++) flops += (l === 0 ? 4 : 6) * widths[l]! * widths[l + 1]!;
  return flops;
}

/**
 * The core's float32 peak, from its clock (os.cpus()[0].speed, MHz, or /proc/cpuinfo's "cpu MHz"
 * where a VM reports 0 there): natively 32 FLOP per cycle
 * (two 256-bit FMA pipes: 2 x 8 lanes x 2), and what WebAssembly's 128-bit SIMD can issue at most,
 * 16 FLOP per cycle (no FMA in wasm SIMD: two 4-lane multiplies and two 4-lane adds per cycle on
 * a core with four FP pipes, as AMD's Zen has).
 */
export function peakGflops(): { readonly mhz: number; readonly native: number; readonly wasmSimd: number } {
  let mhz = cpus()[0]?.speed ?? 0;
  if (!(mhz > 0)) {
    try {
      mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 0);
    } catch {
      mhz = 0;
    }
  }
  return { mhz, native: (mhz * 32) / 1000, wasmSimd: (mhz * 16) / 1000 };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const x = (r: number | null) => (r === null ? '-' : `${r.toFixed(2)}x`);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function model(c: StackCase, seed: number): Mlp {
  return buildMlp(tf, { inputs: c.data.cols, numClasses: c.data.numClasses, spec: { kind: 'mlp', hidden: c.hidden, activation: 'relu', dropout: 0 }, dropout: 0, seed });
}

function trainOptions(c: StackCase, seed: number): TrainOptions {
  return { phase: 'target-only training', epochs: c.epochs, batchSize: BATCH, optimizer: 'adam', learningRate: LEARNING_RATE, seed, numClasses: c.data.numClasses };
}

/** Samples per CPU second (and per wall second) of `run`, which trains `samples` rows in all. */
function timed(samples: number, run: () => void): { cpu: number; wall: number } {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  run();
  const used = process.cpuUsage(cpu);
  return { cpu: samples / ((used.user + used.system) / 1e6), wall: samples / ((performance.now() - wall) / 1000) };
}

/** K models one after another (trainModel) or in one stack; seeds from `seed`. */
function measure(c: StackCase, k: number, seed: number, how: 'alone' | 'stacked'): { cpu: number; wall: number } {
  const models = Array.from({ length: k }, (_, i) => model(c, seed * 100 + i));
  try {
    return timed(k * c.data.rows * c.epochs, () => {
      if (how === 'alone') models.forEach((m, i) => trainModel(m, c.data, trainOptions(c, seed * 100 + i)));
      else trainStacked(tf, models.map((m, i) => ({ model: m, data: c.data, options: trainOptions(c, seed * 100 + i) })));
    });
  } finally {
    for (const m of models) m.dispose();
  }
}

/**
 * A stack of 8 against the same 8 models alone: the largest norm-relative weight difference (max
 * |a - b| / max |b| per layer) and the share of rows of the case's data both predict alike.
 */
function unchanged(c: StackCase): { readonly relative: number; readonly agreement: number } {
  const alone = Array.from({ length: 8 }, (_, i) => model(c, 7000 + i));
  const stacked = Array.from({ length: 8 }, (_, i) => model(c, 7000 + i));
  try {
    alone.forEach((m, i) => trainModel(m, c.data, trainOptions(c, 7000 + i)));
    trainStacked(tf, stacked.map((m, i) => ({ model: m, data: c.data, options: trainOptions(c, 7000 + i) })));
    let relative = 0;
    let same = 0;
    stacked.forEach((m, i) => {
      const a = alone[i]!.snapshot();
      m.snapshot().forEach((layer, l) => {
        for (const key of ['kernel', 'bias'] as const) {
          let diff = 0;
          let scale = 0;
          layer[key].forEach((v, j) => {
            diff = Math.max(diff, Math.abs(v - (a[l]![key][j] as number)));
            scale = Math.max(scale, Math.abs(a[l]![key][j] as number));
          });
          if (scale > 0) relative = Math.max(relative, diff / scale);
        }
      });
      const pa = alone[i]!.predictClasses(c.data);
      m.predictClasses(c.data).forEach((p, r) => (same += p === pa[r] ? 1 : 0));
    });
    return { relative, agreement: same / (8 * c.data.rows) };
  } finally {
    for (const m of [...alone, ...stacked]) m.dispose();
  }
}

interface TorchRun {
  readonly torch: string;
  readonly one_at_a_time: { readonly samples_per_cpu_s: number };
  readonly stacked: Readonly<Record<string, { readonly samples_per_cpu_s: number }>>;
}

/** What bench/peers/torch_stacked.py prints, decoded (keys it adds are ignored). */
const TORCH_RUN = (() => {
  const speed = shape<{ readonly samples_per_cpu_s: number }>({ samples_per_cpu_s: number }, { open: true });
  return shape<TorchRun>({ torch: string, one_at_a_time: speed, stacked: recordOf(speed) }, { open: true });
})();

export async function stackedSpeeds(cases: readonly StackCase[], options: StackOptions, { log }: BenchContext): Promise<{ summary: Record<string, unknown>; goals: Record<string, GoalResult> }> {
  await initBackend('wasm');
  const peak = peakGflops();
  const dir = mkdtempSync(join(tmpdir(), 'tasksieve-bench-stacks-'));
  const summary: Record<string, unknown> = {
    peak_gflops: { cpu_mhz: peak.mhz, native_fp32: Number(peak.native.toFixed(1)), wasm_simd128: Number(peak.wasmSimd.toFixed(1)), how: 'clock x 32 FLOP/cycle (2 x 256-bit FMA) natively; clock x 16 FLOP/cycle (2 x 4-lane mul + 2 x 4-lane add, no FMA) for wasm SIMD' },
  };
  const k8 = new Map<string, { ours: number; oneAtATime: number; torchOne: number | null; torchStacked: number | null }>();
  const interpreters = [PYTHON, VENV_PYTHON];
  let equivalent = true;
  try {
    for (const c of cases) {
      const widths = [c.data.cols, ...c.hidden, c.data.numClasses];
      const flops = flopsPerSample(widths);
      log(`\nstacked training, ${c.label}: K models (seeds apart) on the same rows, batch ${BATCH}, Adam, ${c.epochs} epoch(s); ${options.repeats} interleaved repeats, median samples per CPU second`);
      const path = join(dir, `${c.name}.bin`);
      const buffer = Buffer.alloc(c.data.rows * c.data.cols * 4 + c.data.rows * 4);
      Buffer.from(c.data.features.buffer, c.data.features.byteOffset, c.data.rows * c.data.cols * 4).copy(buffer, 0);
      Buffer.from(c.data.labels.buffer, c.data.labels.byteOffset, c.data.rows * 4).copy(buffer, c.data.rows * c.data.cols * 4);
      writeFileSync(path, buffer);
      const alone: number[] = [];
      const stacked = new Map<number, number[]>(options.ks.map((k) => [k, []]));
      const torch = new Map<string, TorchRun[]>();
      const torchMissing = new Map<string, string>();
      // Untimed first: V8 optimises the loops and tfjs's code over the first runs of a process.
      measure(c, 1, 900, 'alone');
      measure(c, 2, 901, 'stacked');
      for (let r = 0; r < options.repeats; r++) {
        alone.push(measure(c, 1, r + 1, 'alone').cpu);
        for (const k of options.ks) stacked.get(k)!.push(measure(c, k, r + 1, 'stacked').cpu);
        if (options.skipTorch) continue;
        for (const python of interpreters) {
          if (torchMissing.has(python)) continue;
          const outcome = await runPeer(
            'torch_stacked.py',
            { data: path, rows: c.data.rows, cols: c.data.cols, classes: c.data.numClasses, hidden: c.hidden, batch: BATCH, epochs: c.epochs, lr: LEARNING_RATE, ks: options.ks, seed: r + 1 },
            TORCH_RUN,
            { module: 'torch', python },
          );
          if (outcome.ok) torch.set(python, [...(torch.get(python) ?? []), outcome.data]);
          else torchMissing.set(python, outcome.reason);
        }
      }
      for (const [python, reason] of torchMissing) log(`PyTorch via ${python}: unavailable (${reason})`);
      const oneAtATime = median(alone);
      const torchOne = new Map([...torch].map(([p, runs]) => [p, median(runs.map((t) => t.one_at_a_time.samples_per_cpu_s))]));
      const torchStacked = (k: number) => new Map([...torch].map(([p, runs]) => [p, median(runs.map((t) => t.stacked[String(k)]!.samples_per_cpu_s))]));
      const best = (m: Map<string, number>) => (m.size === 0 ? null : Math.max(...m.values()));
      const versions = [...torch].map(([p, runs]) => `${runs[0]!.torch} (${p})`).join(', ');
      log(`ours one at a time (trainModel): ${fmt(oneAtATime)}/cpu-s, ${((oneAtATime * flops) / 1e9).toFixed(2)} GFLOP/s; PyTorch one at a time: ${[...torchOne].map(([p, v]) => `${fmt(v)} (${p})`).join(', ') || '-'}`);
      log(`${'K'.padStart(3)} ${'ours stacked'.padStart(13)} ${'vs one-at-a-time'.padStart(17)} ${'GFLOP/s'.padStart(8)} ${'%wasm peak'.padStart(10)} ${'torch stacked (best)'.padStart(21)} ${'ours/torch stk'.padStart(15)} ${'ours/torch 1x1'.padStart(15)}`);
      const curve: Record<string, unknown> = {};
      for (const k of options.ks) {
        const ours = median(stacked.get(k)!);
        const gflops = (ours * flops) / 1e9;
        const ts = best(torchStacked(k));
        const to = best(torchOne);
        log(
          `${String(k).padStart(3)} ${fmt(ours).padStart(13)} ${x(ours / oneAtATime).padStart(17)} ${gflops.toFixed(2).padStart(8)} ${`${((100 * gflops) / peak.wasmSimd).toFixed(0)}%`.padStart(10)} ${(ts === null ? '-' : fmt(ts)).padStart(21)} ${x(ts === null ? null : ours / ts).padStart(15)} ${x(to === null ? null : ours / to).padStart(15)}`,
        );
        curve[String(k)] = {
          ours_cpu_median: Math.round(ours),
          ratio_vs_one_at_a_time: Number((ours / oneAtATime).toFixed(3)),
          gflops: Number(gflops.toFixed(2)),
          torch_stacked_cpu_median: Object.fromEntries([...torchStacked(k)].map(([p, v]) => [p, Math.round(v)])),
          ratio_vs_best_torch_stacked: ts === null ? null : Number((ours / ts).toFixed(3)),
          ratio_vs_best_torch_one_at_a_time: to === null ? null : Number((ours / to).toFixed(3)),
        };
        if (k === 8) k8.set(c.name, { ours, oneAtATime, torchOne: to, torchStacked: ts });
      }
      if (versions) log(`PyTorch: ${versions}; 1 thread`);
      const check = unchanged(c);
      equivalent &&= check.relative <= 1e-5 && check.agreement >= 0.99;
      log(`a stack of 8 against the same 8 alone: weights within ${check.relative.toExponential(2)} relative (max |a-b| / max |b| per layer), predictions agree on ${(100 * check.agreement).toFixed(2)}% of rows`);
      summary[c.name] = {
        flops_per_sample: flops,
        one_at_a_time_cpu_median: Math.round(oneAtATime),
        one_at_a_time_gflops: Number(((oneAtATime * flops) / 1e9).toFixed(2)),
        torch_one_at_a_time_cpu_median: Object.fromEntries([...torchOne].map(([p, v]) => [p, Math.round(v)])),
        torch_versions: versions,
        stacks: curve,
        unchanged: { max_relative_weight_difference: check.relative, prediction_agreement: check.agreement },
      };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const small = k8.get('small');
  const both = [...k8.values()];
  const worst = (f: (v: (typeof both)[number]) => number | null) => {
    const values = both.map(f);
    return values.length === 0 || values.some((v) => v === null) ? null : Math.min(...(values as number[]));
  };
  const goals = {
    stacked_k8_at_least_4x_one_at_a_time: small ? goal(small.ours / small.oneAtATime, 4, '>=') : null,
    stacked_k8_at_least_2x_torch_one_at_a_time: goal(worst((v) => (v.torchOne === null ? null : v.ours / v.torchOne)), 2, '>='),
    stacked_k8_at_least_0_5x_torch_stacked: goal(worst((v) => (v.torchStacked === null ? null : v.ours / v.torchStacked)), 0.5, '>='),
    stacked_units_unchanged: both.length === 0 ? null : equivalent,
  };
  return { summary, goals };
}

/** How the quick-start study is run: the engine before issue 22, today's default, and `--stack K`. */
const QUICKSTART_KINDS = ['before', 'default', 'stacked'] as const;
type QuickstartKind = (typeof QUICKSTART_KINDS)[number];

/**
 * The quick-start study (studies/quickstart.yaml, 2 workers) run by the CLI into a fresh database,
 * interleaved `rounds` times three ways: `before`, one unit at a time on the tfjs engine
 * (TASKSIEVE_STACK_KERNEL=0: what every unit ran before stacked training); `default`, one unit at a
 * time as tasksieve runs it now (each phase a stack of one on the stack kernel where that is exact);
 * `stacked`, `--stack K`. The wall times, process CPU, and whether every trial ended with the same
 * value all three ways. The goal (2x faster) is read on the default against before: what a user
 * gets without a flag.
 */
export async function quickstartWall(rounds: number, stack: number, { log }: BenchContext): Promise<{ summary: Record<string, unknown>; goal: GoalResult; same: boolean }> {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'tasksieve-bench-quickstart-'));
  const walls: Record<QuickstartKind, number[]> = { before: [], default: [], stacked: [] };
  // CPU seconds of the whole process (main thread and workers), from /usr/bin/time when there is one:
  // on a loaded machine the wall time mostly measures the other tenants.
  const cpu: Record<QuickstartKind, number[]> = { before: [], default: [], stacked: [] };
  const { existsSync } = await import('node:fs');
  const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  let same = true;
  try {
    log(`\nthe quick-start study (2 workers, 30 trials) by the CLI: the tfjs engine one unit at a time (before), the default, --stack ${stack}; ${rounds} interleaved rounds`);
    for (let r = 0; r < rounds; r++) {
      const values: Partial<Record<QuickstartKind, string>> = {};
      const order = r % 2 === 0 ? QUICKSTART_KINDS : [...QUICKSTART_KINDS].reverse();
      for (const kind of order) {
        const db = join(dir, `${kind}-${r}.db`);
        const args = ['bin/tasksieve.js', 'run', 'studies/quickstart.yaml', '--db', db, '--quiet', ...(kind === 'stacked' ? ['--stack', String(stack)] : [])];
        const env = { ...process.env, ...(kind === 'before' ? { TASKSIEVE_STACK_KERNEL: '0' } : {}) };
        const started = performance.now();
        const run = time
          ? spawnSync(time, ['-f', 'cpu %U %S', process.execPath, ...args], { cwd: root, encoding: 'utf8', env })
          : spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env });
        const wall = (performance.now() - started) / 1000;
        if (run.status !== 0) throw new Error(`quickstart (${kind}) exited with ${run.status}: ${run.stderr.trim().split('\n').pop()}`);
        walls[kind].push(wall);
        const used = /cpu ([\d.]+) ([\d.]+)/.exec(run.stderr);
        if (used) cpu[kind].push(Number(used[1]) + Number(used[2]));
        const board = spawnSync(process.execPath, ['bin/tasksieve.js', 'leaderboard', 'studies/quickstart.yaml', '--db', db, '--json', '--top', '1000'], { cwd: root, encoding: 'utf8' });
        const { rows } = parseChildJson(board.stdout, LEADERBOARD, 'tasksieve leaderboard --json');
        values[kind] = JSON.stringify(rows.map((row) => [row.number, row.state, row.value]).sort((a, b) => (a[0] as number) - (b[0] as number)));
      }
      const identical = values.before === values.default && values.before === values.stacked;
      same &&= identical;
      const cpuNote = QUICKSTART_KINDS.every((k) => cpu[k].length > r) ? ` (CPU ${QUICKSTART_KINDS.map((k) => cpu[k].at(-1)!.toFixed(1)).join(' / ')} s)` : '';
      log(`round ${r + 1}: before ${walls.before.at(-1)!.toFixed(1)} s, default ${walls.default.at(-1)!.toFixed(1)} s, --stack ${stack} ${walls.stacked.at(-1)!.toFixed(1)} s${cpuNote}; trial values ${identical ? 'identical' : 'DIFFER'}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const m = (kind: QuickstartKind) => median(walls[kind]);
  const speedup = m('before') / m('default');
  log(
    `quick-start wall, median: before ${m('before').toFixed(1)} s, default ${m('default').toFixed(1)} s (${x(speedup)} faster; goal >= 2x: ${speedup >= 2 ? 'met' : 'NOT met'}), ` +
      `--stack ${stack} ${m('stacked').toFixed(1)} s (${x(m('before') / m('stacked'))})`,
  );
  const allCpu = QUICKSTART_KINDS.every((k) => cpu[k].length === rounds);
  if (allCpu) log(`quick-start process CPU, median: before ${median(cpu.before).toFixed(1)} s, default ${median(cpu.default).toFixed(1)} s, --stack ${stack} ${median(cpu.stacked).toFixed(1)} s`);
  const rounded = (list: number[]) => list.map((v) => Number(v.toFixed(2)));
  return {
    summary: {
      stack,
      before_wall_s: rounded(walls.before),
      default_wall_s: rounded(walls.default),
      stacked_wall_s: rounded(walls.stacked),
      speedup: Number(speedup.toFixed(3)),
      stacked_speedup: Number((m('before') / m('stacked')).toFixed(3)),
      before_cpu_s: rounded(cpu.before),
      default_cpu_s: rounded(cpu.default),
      stacked_cpu_s: rounded(cpu.stacked),
      cpu_ratio: allCpu ? Number((median(cpu.before) / median(cpu.default)).toFixed(3)) : null,
      same_values: same,
    },
    goal: goal(speedup, 2, '>='),
    same,
  };
}
