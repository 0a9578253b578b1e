// Pool throughput on the large MLP, shared by the training benchmark and its child processes: the
// unit it times, a warm pool, one timed batch, and two independent single-worker processes run side by
// side (what two cores give two copies of the work with nothing shared but the machine). Main thread.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Recipe } from '../src/spec/recipe.js';
import type { DatasetSpec, TargetSpec } from '../src/spec/tasks.js';
import { PoolExecutor } from '../src/study/pool-executor.js';
import { number, shape } from '../src/util/check.js';
import { parseChildJson } from './child-output.js';
import type { TrialUnit } from '../src/spec/units.js';

export const LEARNING_RATE = 1e-3;
export const BATCH = 32;
export const LARGE_SPEC = { kind: 'synthetic', features: 784, latent: 32, classes: 10, familySeed: 1, rho: 1, taskSeed: 1, noise: 0.1 } as const;
/** The pool's target: the large case's rows (5,000 labelled) plus 500 to validate on. */
const POOL_TARGET: TargetSpec = { name: 'large', dataset: { ...LARGE_SPEC, rows: 5500 } as DatasetSpec, transforms: [], labelled: 5000 };

export function trainingUnit(target: TargetSpec, hidden: readonly number[], seed: number): TrialUnit {
  const recipe: Recipe = {
    strategy: 'finetune',
    optimizer: 'adam',
    learning_rate: LEARNING_RATE,
    batch_size: BATCH,
    pretrain_epochs: 0,
    epochs: 1,
    freeze_layers: 0,
    dropout: 0,
  };
  return { trialNumber: seed, target, sources: [], model: { kind: 'mlp', hidden, activation: 'relu', dropout: 0 }, recipe, seed, withBaseline: false };
}

export interface PoolRun {
  /**
   * Training rows per second of wall time while the pool was saturated: from the W-th completion to
   * the (N-W)-th, every worker busy throughout (a study's steady state). Leaves out the start, where
   * every worker begins at once, and the drain, where the last units run while other workers idle.
   */
  readonly samplesPerS: number;
  /** Training rows per second over the whole batch, drain included. */
  readonly batchSamplesPerS: number;
  readonly ms: number;
  /** Training rows per second of this process's CPU time (every thread): the cost of a row. */
  readonly samplesPerCpuS: number;
  /** CPU seconds per wall second: how many cores the pool actually got. */
  readonly parallelism: number;
}
const POOL_RUN = shape<PoolRun>({ samplesPerS: number, batchSamplesPerS: number, ms: number, samplesPerCpuS: number, parallelism: number });

/**
 * A pool of `workers` threads, warmed with `warmup` large-model units per thread. V8 keeps optimising
 * (and deoptimising) tfjs's code for the first ~30 units of a worker: a unit takes 460 ms after 8
 * units, 435 ms after 40. Timing both pools after as many units per thread compares them in the
 * same state, the one a long study runs in.
 */
export async function warmPool(workers: number, warmup: number): Promise<PoolExecutor> {
  const executor = await PoolExecutor.start({ workers, backend: 'wasm' });
  await Promise.all(Array.from({ length: workers * warmup }, (_, i) => executor.runUnit(trainingUnit(POOL_TARGET, [256, 256], 1000 + i))));
  return executor;
}

/** `units` large-model units through a warm pool of `workers` threads, all queued at once. */
export async function poolBatch(executor: PoolExecutor, workers: number, units: number): Promise<PoolRun> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const done: { at: number; samples: number }[] = [];
  await Promise.all(
    Array.from({ length: units }, (_, i) =>
      executor.runUnit(trainingUnit(POOL_TARGET, [256, 256], i)).then((r) => {
        done.push({ at: performance.now() - started, samples: r.transfer.cost.samples });
      }),
    ),
  );
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - started;
  const cpuS = (used.user + used.system) / 1e6;
  done.sort((a, b) => a.at - b.at);
  const samples = done.reduce((sum, d) => sum + d.samples, 0);
  const from = done[workers - 1]!;
  const to = done[units - workers - 1]!;
  const steadySamples = done.slice(workers, units - workers).reduce((sum, d) => sum + d.samples, 0);
  return {
    samplesPerS: steadySamples / ((to.at - from.at) / 1000),
    batchSamplesPerS: samples / (ms / 1000),
    ms,
    samplesPerCpuS: samples / cpuS,
    parallelism: cpuS / (ms / 1000),
  };
}

const CHILD = fileURLToPath(new URL('./pool-process-child.ts', import.meta.url));

/**
 * Two child processes, each with a warm 1-worker pool, that time a batch at the same moment on
 * `run(units)`. The control for the 2-worker pool: if the pool's ratio matches theirs, whatever keeps
 * it under 2x is the machine's (its cores slowing each other), not something the threads share.
 */
export class ProcessPair {
  private constructor(private readonly children: { child: ChildProcess; lines: AsyncIterator<string> }[]) {}

  static async start(warmup: number): Promise<ProcessPair> {
    const children = [0, 1].map(() => {
      // The benchmark's own runtime flags (the tsx loader among them), so the child runs the same way.
      const child = spawn(process.execPath, [...process.execArgv, CHILD, String(warmup)], { stdio: ['pipe', 'pipe', 'inherit'] });
      return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
    });
    const pair = new ProcessPair(children);
    await Promise.all(children.map((c) => pair.expect(c, 'ready')));
    return pair;
  }

/** Both children's runs of `units` units, started together; rates are per child. */
  async run(units: number): Promise<[PoolRun, PoolRun]> {
    for (const { child } of this.children) child.stdin!.write(`go ${units}\n`);
    const [a, b] = await Promise.all(this.children.map((c) => this.expect(c, 'run')));
    return [parseChildJson(a!, POOL_RUN, 'pool child'), parseChildJson(b!, POOL_RUN, 'pool child')];
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.stdin!.end('exit\n');
          }),
      ),
    );
  }

  /** The next line of a child, which must start with `tag `; returns the rest. */
  private async expect(c: { child: ChildProcess; lines: AsyncIterator<string> }, tag: string): Promise<string> {
    const next = await c.lines.next();
    if (next.done || !next.value.startsWith(`${tag} `)) {
      throw new Error(`pool child process: expected "${tag}", got ${next.done ? `end of output (exit ${c.child.exitCode})` : JSON.stringify(next.value)}`);
    }
    return next.value.slice(tag.length + 1);
  }
}
