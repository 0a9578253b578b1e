// The CNN case of `npm run bench -- training`: samples per CPU second of our loop training a CNN
// (28x28x1 synthetic rows; conv 16 and conv 32, 3x3 with 2x2 max pooling; dense 64; 10 classes;
// Adam, batch 32) against PyTorch (1 thread, the same model) in the same run, interleaved. Called
// from bench/training.ts (its own file so that the MLP cases can change apart). Main thread; trains
// in this process on the wasm backend.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../src/data/index.js';
import type { Dataset } from '../src/data/types.js';
import type { CnnSpec } from '../src/spec/study.js';
import { buildModel } from '../src/training/build-model.js';
import { trainModel } from '../src/training/epoch-loop.js';
import { initBackend, tf } from '../src/worker/backend.js';
import { goal, type GoalResult } from './goals.js';
import { BATCH, LARGE_SPEC, LEARNING_RATE } from './pool-throughput.js';
import { PYTHON, TORCH_SPEEDS, VENV_PYTHON, peerVersion, runPeer } from './python-peer.js';
import type { BenchContext } from './benchmark.js';

export const CNN_SPEC: CnnSpec = {
  kind: 'cnn',
  input_shape: [28, 28, 1],
  conv: [
    { filters: 16, kernel: 3, stride: 1, pool: 2 },
    { filters: 32, kernel: 3, stride: 1, pool: 2 },
  ],
  hidden: [64],
  activation: 'relu',
  dropout: 0,
};

export interface CnnCaseOptions {
  /** Rows per run (one epoch each). */
  readonly rows: number;
  readonly repeats: number;
  /** Untimed runs of ours before the timed ones (V8 and tfjs warm up). */
  readonly warmup: number;
  readonly skipTorch: boolean;
}

/** --cnn-rows N, --cnn-repeats N, --cnn-warmup N; --skip torch leaves the peer out. */
export function cnnCaseOptions(args: readonly string[], skip: ReadonlySet<string>): CnnCaseOptions {
  const count = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    const n = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: must be a positive integer`);
    return n;
  };
  return { rows: count('cnn-rows', 2000), repeats: count('cnn-repeats', 5), warmup: count('cnn-warmup', 2), skipTorch: skip.has('torch') };
}

interface Sample {
  readonly wall: number;
  readonly cpu: number;
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** One epoch of our loop over `data` from a fresh CNN, timed by the wall clock and by process CPU time. */
function measureOurs(data: Dataset, seed: number): Sample {
  const model = buildModel(tf, { inputs: data.cols, numClasses: data.numClasses, spec: CNN_SPEC, dropout: 0, seed });
  try {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    trainModel(model, data, { phase: 'target-only training', epochs: 1, batchSize: BATCH, optimizer: 'adam', learningRate: LEARNING_RATE, seed, numClasses: data.numClasses });
    const used = process.cpuUsage(cpu);
    return { wall: data.rows / ((performance.now() - wall) / 1000), cpu: data.rows / ((used.user + used.system) / 1e6) };
  } finally {
    model.dispose();
  }
}

/** The PyTorch interpreters to compare with: Debian's, and the venv's when it has another torch. */
function peerPythons(): string[] {
  const pythons = [PYTHON];
  if (existsSync(VENV_PYTHON)) {
    const system = peerVersion('torch', PYTHON);
    const venv = peerVersion('torch', VENV_PYTHON);
    if (venv !== null && venv !== system) pythons.push(VENV_PYTHON);
  }
  return pythons;
}

async function measureTorch(python: string, path: string, data: Dataset, seed: number): Promise<(Sample & { version: string }) | string> {
  const outcome = await runPeer(
    'torch_training.py',
    {
      data: path,
      rows: data.rows,
      cols: data.cols,
      classes: data.numClasses,
      hidden: CNN_SPEC.hidden,
      cnn: { input_shape: CNN_SPEC.input_shape, conv: CNN_SPEC.conv.map((b) => ({ filters: b.filters, kernel: b.kernel, pool: b.pool })) },
      batch: BATCH,
      epochs: 1,
      lr: LEARNING_RATE,
      repeats: 1,
      seed,
    },
    TORCH_SPEEDS,
    { module: 'torch', python },
  );
  return outcome.ok ? { wall: outcome.data.samples_per_s[0]!, cpu: outcome.data.samples_per_cpu_s[0]!, version: outcome.data.torch } : outcome.reason;
}

/**
 * Runs the case; returns its summary and the goal (ours on wasm >= 0.5x the faster PyTorch, per CPU
 * second, medians of the interleaved runs; null when no PyTorch ran).
 */
export async function cnnCase(options: CnnCaseOptions, { log }: BenchContext): Promise<{ summary: Record<string, unknown>; goal: GoalResult }> {
  await initBackend('wasm');
  const data = generateSynthetic({ ...LARGE_SPEC, rows: options.rows });
  const dir = mkdtempSync(join(tmpdir(), 'tasksieve-bench-cnn-'));
  const path = join(dir, 'cnn.bin');
  const buffer = Buffer.alloc(data.rows * data.cols * 4 + data.rows * 4);
  Buffer.from(data.features.buffer, data.features.byteOffset, data.rows * data.cols * 4).copy(buffer, 0);
  Buffer.from(data.labels.buffer, data.labels.byteOffset, data.rows * 4).copy(buffer, data.rows * data.cols * 4);
  writeFileSync(path, buffer);
  log(
    `\nCNN 28x28x1, conv 16 and 32 (3x3, 2x2 max pooling), dense 64, 10 classes, ${fmt(data.rows)} synthetic rows, batch ${BATCH}, Adam, 1 epoch per run; ${options.repeats} timed runs each after ${options.warmup} untimed, interleaved`,
  );
  const ours: Sample[] = [];
  const torch = new Map<string, Sample[]>();
  const versions = new Map<string, string>();
  const unavailable = new Map<string, string>();
  const pythons = options.skipTorch ? [] : peerPythons();
  if (options.skipTorch) unavailable.set('pytorch', 'skipped');
  try {
    for (let w = 0; w < options.warmup; w++) measureOurs(data, 900 + w);
    for (let r = 0; r < options.repeats; r++) {
      ours.push(measureOurs(data, r + 1));
      for (const python of pythons) {
        if (unavailable.has(python)) continue;
        const t = await measureTorch(python, path, data, r + 1);
        if (typeof t === 'string') {
          unavailable.set(python, t);
          continue;
        }
        versions.set(python, t.version);
        torch.set(python, [...(torch.get(python) ?? []), t]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const ourCpu = median(ours.map((s) => s.cpu));
  const ourWall = Math.max(...ours.map((s) => s.wall));
  log(`${'implementation'.padEnd(34)} ${'cpu median/s'.padStart(13)} ${'vs torch'.padStart(9)} ${'wall best/s'.padStart(12)}`);
  const peers = [...torch].map(([python, samples]) => ({ python, version: versions.get(python)!, cpu: median(samples.map((s) => s.cpu)), wall: Math.max(...samples.map((s) => s.wall)) }));
  // The faster PyTorch per CPU second is the reference.
  const reference = peers.length > 0 ? peers.reduce((a, b) => (b.cpu > a.cpu ? b : a)) : null;
  const ratio = reference === null ? null : ourCpu / reference.cpu;
  log(`${'ours (train-loop/wasm)'.padEnd(34)} ${fmt(ourCpu).padStart(13)} ${(ratio === null ? '-' : `${ratio.toFixed(2)}x`).padStart(9)} ${fmt(ourWall).padStart(12)}`);
  for (const p of peers) log(`${`pytorch ${p.version} (${p.python}), 1 thread`.padEnd(34)} ${fmt(p.cpu).padStart(13)} ${'1.00x'.padStart(9)} ${fmt(p.wall).padStart(12)}`);
  for (const [what, reason] of unavailable) log(`pytorch (${what}): ${reason}`);
  const met = goal(ratio, 0.5, '>=');
  if (ratio !== null) log(`goal: the CNN on wasm >= 0.5x PyTorch (per CPU second): ${ratio.toFixed(2)}x ${met ? 'met' : 'NOT met'}`);
  else log('goal: the CNN on wasm >= 0.5x PyTorch: not judged (no PyTorch ran); our figure above stands alone');
  return {
    summary: {
      rows: data.rows,
      ours_cpu_median: Math.round(ourCpu),
      ours_wall_best: Math.round(ourWall),
      torch: Object.fromEntries(peers.map((p) => [p.python, { version: p.version, cpu_median: Math.round(p.cpu), wall_best: Math.round(p.wall) }])),
      ...(unavailable.size > 0 ? { unavailable: Object.fromEntries(unavailable) } : {}),
      ratio_vs_torch_cpu: ratio === null ? null : Number(ratio.toFixed(3)),
    },
    goal: met,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
