// Meta-learned initialisation (Reptile: Nichol, Achiam and Schulman 2018, "On First-Order
// Meta-Learning Algorithms"): the chosen sources are tasks; each outer iteration copies the
// meta-weights, takes reptile_inner_steps optimiser steps on one seeded source task and moves the
// meta-weights towards the adapted ones by epsilon (annealed linearly to 0). Fine-tuning on the target
// is finetune's. Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML parsing.
import type { FullRecipe } from '../spec/recipe.js';
import { selectRows } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import { Rng, mixSeed } from '../util/rng.js';
import { PoolCursor, type LayerSnapshot, type TrainableModel, type TrainStats } from '../training/index.js';
import { buildUnitModel, pretrainAndFinetune } from './finetune.js';
import { defineStrategy, phaseOptions, trainPhase } from './pipeline.js';
import type { StrategyInput } from './types.js';

// Seed streams of the meta-training (finetune's are 1-4, the pool's 7, BBSE's 10).
const STREAM_TASKS = 11;
const STREAM_ROWS = 12;
const STREAM_INNER = 13;

/**
 * Outer iterations: as many inner runs as it takes to see pretrain_epochs x the sources' rows, the
 * rows finetune's pre-training sees, so the two strategies compare at the same sample budget.
 */
export function reptileIterations(recipe: FullRecipe, sourceRows: number): number {
  return Math.max(1, Math.round((recipe.pretrain_epochs * sourceRows) / (recipe.reptile_inner_steps * recipe.batch_size)));
}

/** Epsilon of outer iteration `i` (0-based) of `n`: the paper's linear annealing from the meta step size to 0. */
export function metaStepSize(metaLr: number, i: number, n: number): number {
  return metaLr * (1 - i / n);
}

/**
 * Reptile over `input.sources` as tasks, in place on `model`. The sources need not share labels (that
 * is the point: their classes may be different functions of the same features), so with `head:
 * reinit` the head is not meta-learned: every inner run starts from a zero head and only the layers
 * below it move towards the adapted weights. Zero rather than a fresh random head: from zero the
 * head's first steps depend only on the batch, so the pull on the trunk does not depend on what the
 * classes are called; from a random head it has a random sign per inner run and averages out
 * (measured in docs/strategies.md). With `head: keep` the whole network is meta-learned, the paper's
 * version (the tasks' labels then share indices). Each inner run is a phase of its own (a fresh
 * optimizer state; the recipe's augmentation, weight decay and FGSM), so it stacks with the other
 * units' inner runs like any phase.
 */
export async function metaTrain(input: StrategyInput, recipe: FullRecipe, model: TrainableModel): Promise<TrainStats & { readonly iterations: number }> {
  // A task without rows has no batch to adapt on (a source filtered empty): it is never drawn.
  const sources = input.sources.filter((s) => s.rows > 0);
  const steps = recipe.reptile_inner_steps;
  const batch = recipe.batch_size;
  const sourceRows = sources.reduce((n, s) => n + s.rows, 0);
  if (sourceRows === 0) return { epochs: 0, samples: 0, loss: Number.NaN, iterations: 0 };
  const iterations = reptileIterations(recipe, sourceRows);
  const tasks = new Rng(mixSeed(input.seed, STREAM_TASKS));
  // Each task's rows in seeded passes, so its visits cycle through its rows rather than redraw them.
  const cursors = sources.map((s, t) => new PoolCursor(s.rows, new Rng(mixSeed(input.seed, STREAM_ROWS, t))));
  const metaLayers = model.layerCount - (recipe.head === 'reinit' ? 1 : 0);
  const meta = model.snapshot();
  // head reinit: every inner run starts from a zero head (see above); the meta-weights' head stays zero.
  if (recipe.head === 'reinit') for (const part of [meta[meta.length - 1]!.kernel, meta[meta.length - 1]!.bias]) part.fill(0);
  let samples = 0;
  let loss = Number.NaN;
  for (let i = 0; i < iterations; i++) {
    const task = tasks.int(0, sources.length - 1);
    model.setLayers(meta);
    // steps x batch rows and one epoch: exactly `steps` optimizer steps on this task.
    const rows: Dataset = selectRows(sources[task]!, cursors[task]!.next(steps * batch));
    const inner = await trainPhase(input, model, rows, phaseOptions(input, recipe, 'meta-training', 1, mixSeed(input.seed, STREAM_INNER, i)));
    samples += inner.samples;
    loss = inner.loss;
    moveTowards(meta, model.snapshot(), metaLayers, metaStepSize(recipe.reptile_meta_lr, i, iterations));
  }
  model.setLayers(meta);
  // Epochs as passes over the sources' rows (about pretrain_epochs), not the inner runs' one each.
  return { epochs: Math.round(samples / sourceRows), samples, loss, iterations };
}

/** meta += epsilon x (adapted - meta) over the first `layers` layers (kernels and biases), in place. */
function moveTowards(meta: readonly LayerSnapshot[], adapted: readonly LayerSnapshot[], layers: number, epsilon: number): void {
  for (let l = 0; l < layers; l++) {
    for (const part of ['kernel', 'bias'] as const) {
      const m = meta[l]![part];
      const a = adapted[l]![part];
      for (let j = 0; j < m.length; j++) m[j] = (m[j] as number) + epsilon * ((a[j] as number) - (m[j] as number));
    }
  }
}

/**
 * Without sources (or pretrain_epochs 0) it is finetune's target-only baseline, the same
 * computation. Rungs count fine-tuning epochs: meta-training runs in full before the first rung.
 */
export const reptile = defineStrategy('reptile', async (input, { recipe, evaluate, targetEpochs }) => {
  const model = buildUnitModel(input, recipe);
  try {
    let iterations = 0;
    const { pre, fine } = await pretrainAndFinetune(input, recipe, model, {
      seed: input.seed,
      epochs: recipe.epochs,
      afterEpoch: targetEpochs.afterEpoch(() => evaluate(model)),
      metaTraining: async (m) => {
        const stats = await metaTrain(input, recipe, m);
        iterations = stats.iterations;
        return stats;
      },
    });
    const extra: Record<string, number> = iterations > 0 ? { reptile_iterations: iterations } : {};
    return { model, epochs: (pre?.epochs ?? 0) + fine.epochs, samples: (pre?.samples ?? 0) + fine.samples, extra };
  } catch (error) {
    model.dispose();
    throw error;
  }
});
