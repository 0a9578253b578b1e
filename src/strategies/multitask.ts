// Multi-task learning: one softmax head per task (the target and every chosen source) trained jointly
// with weighted task losses (task-weighting.ts), on one shared trunk (hard parameter sharing, Caruana
// 1997) or on a trunk per task pulled together (soft, soft-sharing.ts); both run this one joint loop.
// Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML.
import { DataError } from '../errors.js';
import type { FullRecipe } from '../spec/recipe.js';
import { Rng, mixSeed } from '../util/rng.js';
import { PoolCursor, addNoise, balancedClassWeights, adversarialShift, mixup, runEpochs, type TrainableModel, type TrainerOptions } from '../training/index.js';
import { STREAM_FINETUNE, buildUnitModel } from './finetune.js';
import { defineStrategy, phaseOptions, trainPhase } from './pipeline.js';
import { STREAM_HEADS, softSharing, type JointSetup } from './soft-sharing.js';
import { createTaskWeights } from './task-weighting.js';
import type { StrategyInput } from './types.js';

const STREAM_JOINT = 6;
const STREAM_ORDER = 1;
const STREAM_DROPOUT = 2;
const STREAM_AUGMENT = 3;

/**
 * Joint training for `epochs` epochs, an epoch being one pass over the largest task: every step
 * takes a batch of up to batch_size rows from every task (smaller tasks cycle through fresh seeded
 * permutations), so each task contributes its mean loss times its weight. Metrics come from the
 * target's head. Without sources it is plain training on the target with finetune's seeds: the same
 * computation as finetune's target-only baseline.
 */
export const multitask = defineStrategy('multitask', async (input, { recipe, evaluate, targetEpochs }) => {
  // Joint training has no pre-trained trunk to start from: refused rather than silently ignored.
  if (input.pretrained !== undefined) throw new DataError('strategy multitask cannot use a model source (it trains on rows; use finetune, selftrain, distill, align or dann)');
  const model = buildUnitModel(input, recipe);
  try {
    const afterEpoch = targetEpochs.afterEpoch(() => evaluate(model));
    if (input.sources.length === 0) {
      const phase = 'target-only training';
      const stats = await trainPhase(input, model, input.train, {
        ...phaseOptions(input, recipe, phase, recipe.epochs, mixSeed(input.seed, STREAM_FINETUNE)),
        ...(afterEpoch ? { afterEpoch } : {}),
      });
      input.observer?.onPhaseEnd?.(phase, model.snapshot());
      return { model, epochs: stats.epochs, samples: stats.samples };
    }
    const options: TrainerOptions = { optimizer: recipe.optimizer, learningRate: recipe.learning_rate, ...(recipe.weight_decay > 0 ? { weightDecay: recipe.weight_decay } : {}) };
    const setup = recipe.sharing === 'soft' ? softSharing(input, recipe, model, options) : hardSharing(input, model, options);
    const joint = trainJointly(input, recipe, model, setup, afterEpoch);
    input.observer?.onPhaseEnd?.('joint training', model.snapshot());
    const extra = Object.fromEntries(joint.weights.map((w, t) => [`task_weight_${t}`, w]));
    return { model, epochs: joint.epochs, samples: joint.samples, extra };
  } catch (error) {
    model.dispose();
    throw error;
  }
});

interface JointStats {
  readonly epochs: number;
  readonly samples: number;
  /** The task weights at the end (task 0: the target, then the sources in input order). */
  readonly weights: readonly number[];
}

/** Hard sharing: the model's trunk and its head next to one fresh head per source, in one output layer. */
function hardSharing(input: StrategyInput, model: TrainableModel, options: TrainerOptions): JointSetup {
  const trainer = model.jointTrainer(options, input.sources.map((_, i) => mixSeed(input.seed, STREAM_HEADS, i + 1)));
  return { trainer, width: input.numClasses * (1 + input.sources.length), grouped: true, commit: () => trainer.commitHead(), dispose: () => trainer.dispose() };
}

/** The joint loop over `setup`'s trainer; the same seeded batches whichever sharing it is. */
function trainJointly(
  input: StrategyInput,
  recipe: FullRecipe,
  model: TrainableModel,
  setup: JointSetup,
  afterEpoch: ((epoch: number) => boolean) | undefined,
): JointStats {
  const { numClasses: classes } = input;
  const tasks = [input.train, ...input.sources];
  const count = tasks.length;
  const { trainer, width, grouped } = setup;
  // Hard sharing's targets address the task's own group of the side-by-side heads; soft's their own network's head.
  const column = (t: number) => (grouped ? t * classes : 0);
  const seed = mixSeed(input.seed, STREAM_JOINT);
  const weighting = createTaskWeights(recipe.task_weighting, count, {
    learningRate: recipe.learning_rate,
    dwaTemperature: recipe.dwa_temperature,
    gradnormAlpha: recipe.gradnorm_alpha,
  });
  const cursors = tasks.map((ds, t) => new PoolCursor(ds.rows, new Rng(mixSeed(seed, STREAM_ORDER, t))));
  // class_weight balanced: each task's classes balanced within its own rows.
  const classWeights = recipe.class_weight === 'balanced' ? tasks.map((ds) => balancedClassWeights(ds.labels, classes)) : null;
  const dropoutRng = new Rng(mixSeed(seed, STREAM_DROPOUT));
  const augmentRng = new Rng(mixSeed(seed, STREAM_AUGMENT));
  const batchSize = Math.max(1, recipe.batch_size);
  const cols = input.train.cols;
  const adversarial = recipe.fgsm_epsilon > 0 && recipe.fgsm_ratio > 0;
  let epochLoss: number[] = [];
  let epochRows: number[] = [];

  try {
    const stats = runEpochs({
      phase: 'joint training',
      epochs: recipe.epochs,
      trainer,
      steps: Math.ceil(Math.max(...tasks.map((ds) => ds.rows)) / batchSize),
      startEpoch: () => {
        epochLoss = new Array<number>(count).fill(0);
        epochRows = new Array<number>(count).fill(0);
      },
      batch: () => {
        const weights = weighting.weights();
        // Every task's clean block: rows, one-hot targets in the task's group, augmented.
        const blocks = tasks.map((ds, t) => {
          const picked = cursors[t]!.next(Math.min(batchSize, ds.rows));
          const n = picked.length;
          const x = new Float32Array(n * cols);
          const y = new Float32Array(n * width);
          const rowWeights = classWeights ? new Float32Array(n) : undefined;
          picked.forEach((row, i) => {
            x.set(ds.features.subarray(row * cols, (row + 1) * cols), i * cols);
            y[i * width + column(t) + (ds.labels[row] as number)] = 1;
            if (rowWeights) rowWeights[i] = classWeights![t]![ds.labels[row] as number]!;
          });
          if (recipe.mixup_alpha > 0) mixup(augmentRng, recipe.mixup_alpha, n, [{ values: x, width: cols }, { values: y, width }, ...(rowWeights ? [{ values: rowWeights, width: 1 }] : [])]);
          if (recipe.augment_noise > 0) addNoise(x, recipe.augment_noise, augmentRng);
          return { t, n, x, y, ...(rowWeights ? { rowWeights } : {}) };
        });
        const groups = grouped ? { classes, count } : null;
        const clean = stack(blocks, cols, width, groups, weights);
        // FGSM (or PGD) copies of every block against the current weights, kept next to their task's rows.
        const adv = adversarial ? adversarialShift(trainer, clean, { epsilon: recipe.fgsm_epsilon, ratio: recipe.fgsm_ratio, steps: recipe.pgd_steps }) : null;
        const batch = adv
          ? stack(
              blocks.flatMap((b, i) => [
                { ...b, share: 1 - recipe.fgsm_ratio },
                { ...b, x: adv.subarray(clean.taskRows[i]! * cols, clean.taskRows[i + 1]! * cols), share: recipe.fgsm_ratio },
              ]),
              cols,
              width,
              groups,
              weights,
            )
          : clean;
        return {
          batch: {
            ...batch,
            masks: model.dropoutMasks(batch.n, dropoutRng),
            // GradNorm's norms need the task rows, and soft sharing routes each task's rows to its own model.
            taskRows: weighting.needsGradNorms || !grouped ? batch.taskRows : null,
          },
          // Each task's clean rows open its range (adversarial copies follow them when present).
          lossRows: blocks.map((b, i) => [batch.taskRows[i]!, batch.taskRows[i]! + b.n] as const),
        };
      },
      afterStep: ({ lossRows }, result) => {
        // Each task's mean loss on its clean rows.
        const losses = lossRows.map(([start, end], t) => {
          let sum = 0;
          for (let r = start; r < end; r++) sum -= result.logLikelihood[r] as number;
          epochLoss[t]! += sum;
          epochRows[t]! += end - start;
          return sum / (end - start);
        });
        weighting.afterStep(losses, result.taskGradNorms);
      },
      afterEpoch: (epoch) => {
        weighting.afterEpoch(epochLoss.map((l, t) => l / epochRows[t]!));
        input.observer?.onTaskWeights?.(epoch, weighting.weights());
        if (!afterEpoch) return true;
        // The hook evaluates the model: give it the target's head as trained so far.
        setup.commit();
        return afterEpoch(epoch);
      },
    });
    return { epochs: stats.epochs, samples: stats.samples, weights: [...weighting.weights()] };
  } finally {
    setup.dispose();
  }
}

interface Block {
  readonly t: number;
  readonly n: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** Share of the task's weight these rows carry (FGSM splits it between clean rows and copies). */
  readonly share?: number;
  /** Per row, its class weight (class_weight balanced); absent: 1 each. */
  readonly rowWeights?: Float32Array;
}

/**
 * Blocks stacked into one batch: the group mask of each row's task (when the heads share one output
 * layer), loss scale weight_t * share / n_t per row, and the row boundaries of the tasks
 * (consecutive blocks of one task share a range).
 */
function stack(
  blocks: readonly Block[],
  cols: number,
  width: number,
  groups: { readonly classes: number; readonly count: number } | null,
  weights: readonly number[],
) {
  const n = blocks.reduce((sum, b) => sum + b.n, 0);
  const x = new Float32Array(n * cols);
  const y = new Float32Array(n * width);
  const mask = groups ? new Float32Array(n * width) : null;
  const scale = new Float32Array(n);
  const rows: number[] = [0];
  let at = 0;
  blocks.forEach((b, i) => {
    x.set(b.x, at * cols);
    y.set(b.y, at * width);
    for (let r = at; r < at + b.n; r++) {
      mask?.fill(1, r * width + b.t * groups!.classes, r * width + (b.t + 1) * groups!.classes);
      scale[r] = ((weights[b.t] as number) * (b.share ?? 1) * (b.rowWeights?.[r - at] ?? 1)) / b.n;
    }
    at += b.n;
    if (blocks[i + 1]?.t !== b.t) rows.push(at);
  });
  return { n, x, y, scale, groups: groups && mask ? { count: groups.count, mask } : null, taskRows: rows };
}
