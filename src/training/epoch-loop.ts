// The one epoch loop every training phase runs, single-task (trainModel: one dataset, seeded
// shuffles, augmentation, FGSM copies, consistency rows) and multi-task alike (multitask builds its
// own batches and hands them to runEpochs): steps, a loss check on every batch, a weight check after
// every epoch, and the hooks schedulers stop units with. Worker side; must not import the store, the
// CLI or YAML parsing.
import type { OptimizerName } from '../spec/recipe.js';
import type { Dataset } from '../data/types.js';
import { rowCopier } from '../data/scaling.js';
import { NonFiniteLossError } from '../errors.js';
import { Rng, mixSeed } from '../util/rng.js';
import { addNoise, mixup } from './augment.js';
import { PoolCursor, withAdversarial, withConsistency, type Adversarial, type Consistency } from './batches.js';
import { withAlignment, type Alignment } from './alignment.js';
import type { Batch, FeatureGradient, StepResult, StepTrainer, TrainableModel, TrainingPhase } from './types.js';

/** Input-noise and mixup augmentation of every training batch (0: off). */
export interface Augmentation {
  /** Std of Gaussian noise added to every input feature. */
  readonly noise: number;
  /** Mixup (Zhang et al. 2018): lambda ~ Beta(alpha, alpha) per batch. */
  readonly mixupAlpha: number;
}

export interface TrainOptions {
  /** Names the phase in errors (`loss became NaN at epoch 3 of pre-training`). */
  readonly phase: TrainingPhase;
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  /** Seeds the per-epoch row order, the dropout masks and every augmentation. */
  readonly seed: number;
  /** Size of the label space: the width of the head. */
  readonly numClasses: number;
  /**
   * Called after every epoch with its mean loss; returning false stops training there (a scheduler
   * stopping a unit early). Synchronous, so the loop stays free of awaits on its hot path.
   */
  readonly afterEpoch?: (epoch: number, loss: number) => boolean;
  /** Targets per row (rows x numClasses) instead of the one-hot labels (pseudo or soft labels). */
  readonly targets?: Float32Array;
  /** Loss weight per row (default 1). */
  readonly rowWeights?: Float32Array;
  /** Distillation: the teacher's probabilities at `temperature` per row (rows x numClasses). */
  readonly distill?: { readonly soft: Float32Array; readonly temperature: number; readonly alpha: number };
  /** Learning-rate multiplier per Dense layer, from the input (default 1 each). */
  readonly lrScales?: readonly number[];
  /** Per Dense layer, 0/1 per kernel weight: weights with 0 never change (retraining after pruning). */
  readonly kernelMasks?: readonly (Float32Array | null)[];
  /** Decoupled weight decay of the kernels (TrainerOptions.weightDecay; default 0: off). */
  readonly weightDecay?: number;
  /** L2-SP weight and per-layer anchors (TrainerOptions.l2sp, .anchors; default off). */
  readonly l2sp?: number;
  readonly anchors?: readonly (Float32Array | null)[];
  readonly augment?: Augmentation;
  readonly adversarial?: Adversarial;
  readonly consistency?: Consistency;
  /** Unlabelled target rows appended to every batch (as many as its labelled rows) and the loss aligning them (alignment.ts). */
  readonly alignment?: Alignment;
  /** An extra loss on the last hidden layer of every batch (BSS, bss.ts); not with `alignment`. */
  readonly featureGradient?: FeatureGradient;
}

/** One step of an epoch: the batch, and which of its rows count towards the loss (clean rows). */
export interface PlannedBatch {
  readonly batch: Batch;
  /** [start, end) row ranges whose loss is the step's loss; the other rows only need to be finite. */
  readonly lossRows: readonly (readonly [number, number])[];
}

/** An epoch loop over batches some phase builds (the order of every seeded draw is the builder's). */
export interface EpochRun {
  /** Names the phase in errors. */
  readonly phase: TrainingPhase;
  readonly epochs: number;
  readonly trainer: StepTrainer;
  /** Steps per epoch. */
  readonly steps: number;
  /** Called before the first step of every epoch (e.g. to draw the row order). */
  startEpoch?(epoch: number): void;
  /** The batch of `step`, built now: it may depend on the weights after the previous step (FGSM). */
  batch(step: number): PlannedBatch;
  /** After every step that passed the loss check. */
  afterStep?(planned: PlannedBatch, result: StepResult): void;
  /** After every epoch that passed the weight check, with its mean loss; false stops training. */
  afterEpoch?(epoch: number, loss: number): boolean;
}

export interface TrainStats {
  readonly epochs: number;
  /** Rows seen (the loss rows of every step), summed over epochs. */
  readonly samples: number;
  /** Mean cross-entropy of the last epoch's loss rows (NaN when no epoch ran). */
  readonly loss: number;
}

/**
 * Runs `run.epochs` epochs of `run.steps` steps. Throws NonFiniteLossError when a step's loss, or a
 * weight at the end of an epoch, is not finite (the weights are then left as they were when it
 * stopped). Synchronous: the worker has nothing else to do meanwhile, and every tfjs backend
 * computes eagerly.
 */
export function runEpochs(run: EpochRun): TrainStats {
  let loss = Number.NaN;
  let epochsRun = 0;
  let samples = 0;
  for (let epoch = 1; epoch <= run.epochs; epoch++) {
    run.startEpoch?.(epoch);
    let lossSum = 0;
    let lossCount = 0;
    for (let step = 0; step < run.steps; step++) {
      const planned = run.batch(step);
      const result = run.trainer.step(planned.batch);
      const { logLikelihood } = result;
      let batchLoss = 0;
      let allFinite = true;
      let at = 0;
      for (const [start, end] of planned.lossRows) {
        for (let i = at; i < start; i++) if (!Number.isFinite(logLikelihood[i] as number)) allFinite = false;
        for (let i = start; i < end; i++) batchLoss -= logLikelihood[i] as number;
        lossCount += end - start;
        at = end;
      }
      for (let i = at; i < logLikelihood.length; i++) if (!Number.isFinite(logLikelihood[i] as number)) allFinite = false;
      if (!Number.isFinite(batchLoss) || !allFinite) {
        const value = Number.isFinite(batchLoss) ? Number.NaN : batchLoss;
        throw new NonFiniteLossError(`loss became ${value} at epoch ${epoch} of ${run.phase}`);
      }
      lossSum += batchLoss;
      run.afterStep?.(planned, result);
    }
    loss = lossSum / lossCount;
    // A step can push a weight out of range after its batch's loss was measured, and relu hides a
    // NaN below it (max(NaN, 0) is 0 on some backends): check the weights too, once per epoch.
    if (!run.trainer.finite()) {
      throw new NonFiniteLossError(`weights became non-finite at epoch ${epoch} of ${run.phase}`);
    }
    epochsRun = epoch;
    samples += lossCount;
    // The hook may read the model (e.g. evaluate it): the trainer has written the weights in place.
    if (run.afterEpoch && !run.afterEpoch(epoch, loss)) break;
  }
  return { epochs: epochsRun, samples, loss };
}

const STREAM_ORDER = 1;
const STREAM_DROPOUT = 2;
const STREAM_AUGMENT = 3;
const STREAM_CONSISTENCY = 4;
const STREAM_ALIGNMENT = 5;

/** The random streams of one training phase, from its seed (trainModel's, and a stacked unit's). */
export function phaseStreams(seed: number): { orderRng: Rng; dropoutRng: Rng; augmentRng: Rng; consistencyRng: Rng } {
  return {
    orderRng: new Rng(mixSeed(seed, STREAM_ORDER)),
    dropoutRng: new Rng(mixSeed(seed, STREAM_DROPOUT)),
    augmentRng: new Rng(mixSeed(seed, STREAM_AUGMENT)),
    consistencyRng: new Rng(mixSeed(seed, STREAM_CONSISTENCY)),
  };
}

/** Rows per batch of a phase over `rows` rows (never more than the rows). */
export function phaseBatchSize(options: Pick<TrainOptions, 'batchSize'>, rows: number): number {
  return Math.max(1, Math.min(options.batchSize, rows));
}

/**
 * Trains the layers of `model` that are trainable on `data` with softmax cross-entropy, in place.
 * Every row is seen once per epoch, in an order drawn from the seed; the last batch of an epoch may
 * be smaller. Throws as runEpochs does.
 */
export function trainModel(model: TrainableModel, data: Dataset, options: TrainOptions): TrainStats {
  if (options.epochs <= 0 || data.rows === 0 || !model.trainableLayers().some(Boolean)) {
    return { epochs: 0, samples: 0, loss: Number.NaN };
  }
  if (data.cols !== model.inputs) {
    throw new RangeError(`the data has ${data.cols} features but the model expects ${model.inputs}`);
  }
  const trainer = model.trainer({
    optimizer: options.optimizer,
    learningRate: options.learningRate,
    ...(options.lrScales ? { lrScales: options.lrScales } : {}),
    ...(options.kernelMasks ? { kernelMasks: options.kernelMasks } : {}),
    ...(options.weightDecay ? { weightDecay: options.weightDecay } : {}),
    ...(options.l2sp && options.anchors ? { l2sp: options.l2sp, anchors: options.anchors } : {}),
  });
  const { orderRng, dropoutRng, augmentRng, consistencyRng } = phaseStreams(options.seed);
  const { rows, cols } = data;
  const classes = options.numClasses;
  const batchSize = phaseBatchSize(options, rows);
  const { adversarial, consistency } = options;
  const pool = consistency && consistency.weight > 0 && consistency.rows > 0 ? new PoolCursor(consistency.rows, consistencyRng) : null;
  const fill = batchFiller(data, options, batchSize, augmentRng);
  const { alignment } = options;
  const aligned = alignment && alignment.rows > 0 ? new PoolCursor(alignment.rows, new Rng(mixSeed(options.seed, STREAM_ALIGNMENT))) : null;
  if (aligned && options.featureGradient) throw new RangeError('a phase takes feature alignment or a feature gradient, not both');
  const steps = Math.ceil(rows / batchSize);
  let epochsStarted = 0;
  const order = new Int32Array(rows);
  const batch = (step: number): PlannedBatch => {
    const start = step * batchSize;
    const n = Math.min(batchSize, rows - start);
    let planned: Batch = fill(order, start, n);
    if (adversarial && adversarial.epsilon > 0 && adversarial.ratio > 0) {
      planned = withAdversarial(trainer, planned, adversarial);
    }
    if (pool) planned = withConsistency(trainer, planned, consistency!, pool.next(n), consistencyRng, classes);
    if (options.featureGradient) planned = { ...planned, featureGradient: options.featureGradient };
    if (aligned) {
      const progress = ((epochsStarted - 1) * steps + step) / (options.epochs * steps);
      planned = withAlignment(planned, alignment!, aligned.next(n), progress, cols, classes);
    }
    return { batch: { ...planned, masks: model.dropoutMasks(planned.n, dropoutRng) }, lossRows: [[0, n]] };
  };
  try {
    return runEpochs({
      phase: options.phase,
      epochs: options.epochs,
      trainer,
      steps,
      startEpoch: () => {
        epochsStarted += 1;
        orderRng.permutationInto(order);
      },
      batch,
      ...(options.afterEpoch ? { afterEpoch: options.afterEpoch } : {}),
    });
  } finally {
    trainer.dispose();
  }
}

/**
 * The rows `order[start .. start + n)` of `data` as a batch: features, one-hot (or given) targets,
 * row weights and teacher probabilities, then mixup and input noise from `augmentRng`. One set of
 * buffers for the whole run: a tensor made from them lives only inside the step's tidy (the cpu
 * backend keeps a reference to its array until the tensor is disposed), and a fresh 100 KB array per
 * batch keeps the garbage collector busy on a second core. Shared by trainModel and trainStacked, so
 * a unit trained in a stack draws exactly the batches it draws alone.
 */
export function batchFiller(
  data: Dataset,
  options: TrainOptions,
  batchSize: number,
  augmentRng: Rng,
): (order: Int32Array, start: number, n: number) => Batch {
  const { cols } = data;
  const classes = options.numClasses;
  const { augment, distill } = options;
  const buffers = {
    x: new Float32Array(batchSize * cols),
    y: new Float32Array(batchSize * classes),
    weights: options.rowWeights ? new Float32Array(batchSize) : null,
    soft: distill ? new Float32Array(batchSize * classes) : null,
  };
  const copyRow = rowCopier(data, true);
  return (order, start, n) => {
    const x = buffers.x.subarray(0, n * cols);
    const y = buffers.y.subarray(0, n * classes).fill(0);
    const weights = buffers.weights?.subarray(0, n) ?? null;
    const soft = buffers.soft?.subarray(0, n * classes) ?? null;
    for (let i = 0; i < n; i++) {
      const row = order[start + i] as number;
      copyRow(row, x, i * cols);
      if (options.targets) y.set(options.targets.subarray(row * classes, (row + 1) * classes), i * classes);
      else y[i * classes + (data.labels[row] as number)] = 1;
      if (weights) weights[i] = options.rowWeights![row] as number;
      if (soft) soft.set(distill!.soft.subarray(row * classes, (row + 1) * classes), i * classes);
    }
    if (augment && augment.mixupAlpha > 0) {
      mixup(augmentRng, augment.mixupAlpha, n, [
        { values: x, width: cols },
        { values: y, width: classes },
        ...(weights ? [{ values: weights, width: 1 }] : []),
        ...(soft ? [{ values: soft, width: classes }] : []),
      ]);
    }
    if (augment && augment.noise > 0) addNoise(x, augment.noise, augmentRng);
    return {
      n,
      x,
      y,
      scale: weights ? weights.map((w) => w / n) : null,
      distill: soft ? { soft, temperature: distill!.temperature, alpha: distill!.alpha } : null,
    };
  };
}
