// Gathers the training phases of several units that run side by side (each an async strategy run)
// and trains them together: when every unit still running waits on a phase, the waiting phases that
// can stack train in one trainStacked call, the others alone. Worker side; gets tfjs passed in.
// Must not import the store, the CLI or YAML parsing.
import { trainModel, type TrainOptions, type TrainStats } from './epoch-loop.js';
import { Mlp } from './mlp.js';
import { stackRefusal, trainStacked, type StackMember } from './stacked.js';
import type { Dataset } from '../data/types.js';
import type { Tf, TrainableModel } from './types.js';

/** Trains one phase of a unit: trainModel itself, or a PhaseStack's place for it. */
export type PhaseTrainer = (model: TrainableModel, data: Dataset, options: TrainOptions) => TrainStats | Promise<TrainStats>;

interface Waiting extends StackMember {
  resolve(stats: TrainStats): void;
  reject(error: unknown): void;
}

/** Phases stacked by what must agree for trainStacked to take them (stackRefusal's rules). */
function stackKey({ model, options }: StackMember): string {
  return JSON.stringify([model.kind, model.inputs, model.classes, model.layerCount, model.trainableLayers(), options.batchSize, options.optimizer]);
}

/** Whether trainStacked reproduces trainModel bit for bit for these phases (see PhaseStack.exact). */
function exactOnStack(tf: Tf, group: readonly StackMember[]): boolean {
  return tf.getBackend() === 'wasm' && group.every((w) => w.model instanceof Mlp && w.model.activation === 'relu');
}

/**
 * One phase of one unit: on the stack's kernels as a stack of one where they give trainModel's
 * result bit for bit (a relu MLP on wasm, a phase stackRefusal accepts), else trainModel. A stack of
 * one leaves tfjs off the hot path (~26 ops, a tidy and a read-back per step): on the digits MLP it
 * trains ~2.9x the samples per CPU second of trainModel (`npm run bench -- training`, stack K = 1).
 * TASKSIEVE_STACK_KERNEL=0 in the environment keeps every phase on trainModel (to compare engines).
 */
export function trainAlone(tf: Tf, model: TrainableModel, data: Dataset, options: TrainOptions): TrainStats {
  const member = [{ model, data, options }];
  if (process.env['TASKSIEVE_STACK_KERNEL'] !== '0' && exactOnStack(tf, member) && stackRefusal(member) === null) {
    const [outcome] = trainStacked(tf, member);
    if (outcome!.ok) return outcome!.stats;
    throw outcome!.error;
  }
  return trainModel(model, data, options);
}

/**
 * One stack of `units` units. Every unit calls `train` for each of its phases (awaiting it) and
 * `leave` once it trains no more (finished or failed), so the others never wait on it. A phase's
 * result is exactly what trainModel would give it alone: only phases the stack reproduces bit for
 * bit are stacked (see `exact`).
 */
export class PhaseStack {
  private running: number;
  private waiting: Waiting[] = [];
  /** Stacked calls made and phases they trained (for tests and the benchmark). */
  readonly counts = { stacks: 0, stacked: 0, alone: 0 };

  constructor(
    private readonly tf: Tf,
    units: number,
  ) {
    this.running = units;
  }

  readonly train: PhaseTrainer = (model, data, options) =>
    new Promise<TrainStats>((resolve, reject) => {
      this.waiting.push({ model, data, options, resolve, reject });
      this.flush();
    });

  leave(): void {
    this.running -= 1;
    this.flush();
  }

  /**
   * Whether the stack reproduces these phases bit for bit: on wasm under relu (its products sum in
   * XNNPACK's order; other activations are JavaScript's, other backends' products another order).
   * Elsewhere the phases train alone, so running units in a stack never changes a result.
   */
  private exact(group: readonly StackMember[]): boolean {
    return exactOnStack(this.tf, group);
  }

  private flush(): void {
    if (this.waiting.length === 0 || this.waiting.length < this.running) return;
    const waiting = this.waiting;
    this.waiting = [];
    const groups = new Map<string, Waiting[]>();
    for (const w of waiting) groups.set(stackKey(w), [...(groups.get(stackKey(w)) ?? []), w]);
    for (const group of groups.values()) {
      if (group.length > 1 && this.exact(group) && stackRefusal(group) === null) {
        this.counts.stacks += 1;
        this.counts.stacked += group.length;
        trainStacked(this.tf, group).forEach((outcome, i) => (outcome.ok ? group[i]!.resolve(outcome.stats) : group[i]!.reject(outcome.error)));
        continue;
      }
      for (const w of group) {
        this.counts.alone += 1;
        try {
          w.resolve(trainAlone(this.tf, w.model, w.data, w.options));
        } catch (error) {
          w.reject(error);
        }
      }
    }
  }
}

/**
 * Runs `jobs` (units, each an async run taking the trainer of its phases) side by side in one
 * PhaseStack; each job's result or error, in order, and how the phases were trained.
 */
export async function runInStack<T>(
  tf: Tf,
  jobs: readonly ((training: PhaseTrainer) => Promise<T>)[],
): Promise<{ readonly results: PromiseSettledResult<T>[]; readonly counts: PhaseStack['counts'] }> {
  const stack = new PhaseStack(tf, jobs.length);
  const results = await Promise.allSettled(
    jobs.map(async (job) => {
      try {
        return await job(stack.train);
      } finally {
        stack.leave();
      }
    }),
  );
  return { results, counts: stack.counts };
}
