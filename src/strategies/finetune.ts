// The default transfer strategy: pre-train the model on the union of the chosen sources, re-initialise
// the head, freeze the first hidden layers (or give them their own learning rate) and fine-tune on
// the target. Without sources it is the target-only baseline. Also the transfer step inside selftrain
// and distill. Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML parsing.
import type { FullRecipe } from '../spec/recipe.js';
import type { ModelSpec } from '../spec/study.js';
import { concatDatasets, holdOutUnlabelled, type UnlabelledSplit } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import { mixSeed } from '../util/rng.js';
import { bssGradient, buildModel, type LayerSnapshot, type TrainableModel, type TrainOptions, type TrainStats } from '../training/index.js';
import { lwfOptions } from './lwf.js';
import { estimateTargetPriors, sourceRowWeights, type PriorEstimate } from './label-shift.js';
import { defineStrategy, phaseOptions, trainPhase } from './pipeline.js';
import type { StrategyInput } from './types.js';

/**
 * Seed streams of one unit. The baseline uses the same model and fine-tuning streams as the transfer
 * run with the same seed, so the two differ only by what pre-training did.
 */
export const STREAM_MODEL = 1;
const STREAM_PRETRAIN = 2;
const STREAM_HEAD = 3;
const STREAM_BBSE = 10;
/** Share of the source rows BBSE holds out of the first half of pre-training to measure its confusion on. */
const BBSE_HELD_OUT = 0.2;
export const STREAM_FINETUNE = 4;

export interface TransferOptions {
  /** Seed of the unit (or of the teacher inside another strategy). */
  readonly seed: number;
  /** Fine-tuning epochs on the target. */
  readonly epochs: number;
  readonly afterEpoch?: ((epoch: number) => boolean) | undefined;
  /** Extra options of the target phase (e.g. consistency rows). */
  readonly fineTuning?: Partial<TrainOptions>;
  /** The rows to fine-tune on (default input.train). */
  readonly target?: Dataset;
  /**
   * Extra options of pre-training (feature alignment), for the part of it from `start` to `end`
   * (shares of pre-training's epochs: BBSE cuts it in two).
   */
  readonly pretraining?: (span: { readonly start: number; readonly end: number }) => Partial<TrainOptions>;
  /** The target's unlabelled rows: with label_shift bbse, what the target priors are estimated from. */
  readonly unlabelled?: Dataset;
  /**
   * Replaces pre-training on the sources' union (reptile's meta-training): trains `model` on the
   * sources its own way; the transfer protocol and fine-tuning after it are unchanged.
   */
  readonly metaTraining?: (model: TrainableModel) => Promise<TrainStats>;
}

export interface TransferStats {
  readonly transferred: boolean;
  /** L2-SP's per-layer anchors of fine-tuning (null: l2sp off or no transfer); later phases reuse them. */
  readonly anchors: readonly (Float32Array | null)[] | null;
  readonly pre: TrainStats | null;
  readonly fine: TrainStats;
  /** label_shift bbse with transfer: the estimated target priors and the source-row class weights. */
  readonly labelShift: PriorEstimate | null;
}

/** Whether a recipe pre-trains: dataset sources given and pre-training epochs to spend on them. */
export function pretrains(input: StrategyInput, recipe: FullRecipe): boolean {
  return input.sources.length > 0 && recipe.pretrain_epochs > 0;
}

/** Whether a unit transfers at all: it starts from model sources' weights, or pre-trains on dataset sources. */
export function transfers(input: StrategyInput, recipe: FullRecipe): boolean {
  return input.pretrained !== undefined || pretrains(input, recipe);
}

/**
 * Learning-rate multipliers per Dense layer while fine-tuning after transfer: the pre-trained hidden
 * layers get transfer_lr_mult, the fresh head 1.
 */
export function transferLrScales(model: TrainableModel, recipe: FullRecipe): number[] {
  return Array.from({ length: model.layerCount }, (_, i) => (i < model.layerCount - 1 ? recipe.transfer_lr_mult : 1));
}

/**
 * L2-SP's anchors per layer from the weights at the end of pre-training (Li et al. 2018): the
 * pre-trained hidden layers' kernels; the head none when it is re-initialised (no pre-trained value
 * to pull towards; its plain L2 is weight_decay's), its own kernel when it is kept.
 */
export function transferAnchors(pretrained: readonly LayerSnapshot[], keepHead = false): (Float32Array | null)[] {
  return pretrained.map((layer, i) => (keepHead || i < pretrained.length - 1 ? layer.kernel : null));
}

/** The options of a phase on the target after transfer that keep L2-SP's pull (none when off). */
export function l2spOptions(recipe: FullRecipe, anchors: TransferStats['anchors']): Partial<TrainOptions> {
  return anchors ? { l2sp: recipe.l2sp, anchors } : {};
}

/** The options of a phase on the target after transfer that add BSS's feature gradient (none when off). */
export function bssOptions(recipe: FullRecipe, transferred: boolean): Partial<TrainOptions> {
  return transferred && recipe.bss > 0 ? { featureGradient: bssGradient(recipe.bss, recipe.bss_k) } : {};
}

/**
 * Transfer (sources given and pretrain_epochs > 0): pre-train `model` on all sources' rows, draw a
 * fresh head (unless the recipe keeps the pre-trained one), freeze the first `freeze_layers`
 * hidden layers, fine-tune the rest on the target with transfer_lr_mult on the pre-trained layers. Otherwise train `model` from scratch on the target,
 * nothing frozen. Both phases honour the recipe's augmentation and FGSM options.
 * With l2sp > 0, fine-tuning after transfer pulls the kernels towards their pre-trained values (L2-SP).
 */
export async function pretrainAndFinetune(input: StrategyInput, recipe: FullRecipe, model: TrainableModel, options: TransferOptions): Promise<TransferStats> {
  const transferred = transfers(input, recipe);
  let pre: TrainStats | null = null;
  let anchors: (Float32Array | null)[] | null = null;
  let labelShift: PriorEstimate | null = null;
  // Model sources: the trunk (and head) start from their averaged weights, then dataset sources
  // pre-train on top, then the one transfer protocol below (head keep|reinit, freeze, lr mult, L2-SP).
  if (input.pretrained !== undefined) model.setLayers(input.pretrained.layers);
  if (pretrains(input, recipe) && options.metaTraining) {
    pre = await options.metaTraining(model);
    input.observer?.onPhaseEnd?.('meta-training', model.snapshot());
  } else if (pretrains(input, recipe)) {
    const phase = 'pre-training';
    const sources = concatDatasets(input.sources);
    const bbse = recipe.label_shift === 'bbse' && options.unlabelled !== undefined && options.unlabelled.rows > 0;
    // BBSE: the first half (rounded up) unweighted and without a held-out share of the source rows,
    // the priors estimated, the rest of pre-training on every source row, weighted.
    const first = bbse ? Math.ceil(recipe.pretrain_epochs / 2) : recipe.pretrain_epochs;
    const extra = (start: number, end: number) => options.pretraining?.({ start, end }) ?? {};
    const confusionSplit = bbse ? holdOutUnlabelled(sources, BBSE_HELD_OUT, mixSeed(options.seed, STREAM_BBSE)) : null;
    pre = await trainPhase(input, model, confusionSplit?.validation ?? sources, {
      ...phaseOptions(input, recipe, phase, first, mixSeed(options.seed, STREAM_PRETRAIN)),
      ...extra(0, first / recipe.pretrain_epochs),
    });
    if (bbse) {
      // The confusion from rows the model has not trained on: the held-out source rows and the
      // labelled target rows (P(prediction | class) is the same in both domains under label shift).
      const held = concatDatasets([confusionSplit!.unlabelled, input.train]);
      labelShift = estimateTargetPriors(
        { labels: held.labels, predictions: model.predictClasses(held) },
        model.predictClasses(options.unlabelled!),
        sources.labels,
        input.numClasses,
      );
      const rest = await trainPhase(input, model, sources, {
        ...phaseOptions(input, recipe, phase, recipe.pretrain_epochs - first, mixSeed(options.seed, STREAM_PRETRAIN, 2)),
        rowWeights: sourceRowWeights(sources.labels, labelShift.weights),
        ...extra(first / recipe.pretrain_epochs, 1),
      });
      pre = { epochs: pre.epochs + rest.epochs, samples: pre.samples + rest.samples, loss: rest.epochs > 0 ? rest.loss : pre.loss };
    }
    input.observer?.onPhaseEnd?.(phase, model.snapshot());
  }
  if (transferred) {
    // A kept head is pre-trained too: L2-SP then anchors it as well.
    if (recipe.l2sp > 0) anchors = transferAnchors(model.snapshot(), recipe.head === 'keep');
    // keep: full fine-tuning, the pre-trained head included (its labels are the target's, matched by value).
    if (recipe.head === 'reinit') model.reinitHead(mixSeed(options.seed, STREAM_HEAD));
    model.freezeBody(recipe.freeze_layers);
  }
  const phase = transferred ? 'fine-tuning' : 'target-only training';
  const target = options.target ?? input.train;
  const lwf = lwfOptions(recipe, transferred, model, target);
  if (lwf.distill && options.fineTuning?.consistency) throw new RangeError('lwf cannot be combined with consistency_weight (both add rows or targets to the batch)');
  const fine = await trainPhase(input, model, target, {
    ...phaseOptions(input, recipe, phase, options.epochs, mixSeed(options.seed, STREAM_FINETUNE)),
    ...(transferred && recipe.transfer_lr_mult !== 1 ? { lrScales: transferLrScales(model, recipe) } : {}),
    ...l2spOptions(recipe, anchors),
    ...bssOptions(recipe, transferred),
    ...lwf,
    ...(options.afterEpoch ? { afterEpoch: options.afterEpoch } : {}),
    ...options.fineTuning,
  });
  input.observer?.onPhaseEnd?.(phase, model.snapshot());
  return { transferred, anchors, pre, fine, labelShift };
}

/** Seed stream of the unlabelled pool: selftrain's, so every strategy holds out the same rows. */
export const STREAM_POOL = 7;

/** The target's non-labelled rows split into the unlabelled pool and the rows the unit is measured on. */
export function holdOutPool(input: StrategyInput, recipe: FullRecipe): UnlabelledSplit {
  return holdOutUnlabelled(input.validation, recipe.unlabelled_fraction, mixSeed(input.seed, STREAM_POOL));
}

export function poolExtra(split: UnlabelledSplit): Record<string, number> {
  return { unlabelled: split.unlabelled.rows, validation_rows: split.validation.rows };
}

/** BBSE's estimates in the unit's extra: bbse_prior_k per class. */
export function labelShiftExtra(estimate: PriorEstimate | null): Record<string, number> {
  return estimate ? Object.fromEntries(Array.from(estimate.priors, (q, k) => [`bbse_prior_${k}`, q])) : {};
}

/** Builds the unit's model from the model spec (seeded from the unit's model stream). */
export function buildUnitModel(input: StrategyInput, recipe: FullRecipe, seed = input.seed, spec: ModelSpec = input.model): TrainableModel {
  return buildModel(input.tf, {
    inputs: input.train.cols,
    numClasses: input.numClasses,
    spec,
    dropout: recipe.dropout,
    seed: mixSeed(seed, STREAM_MODEL),
  });
}

/**
 * Cost counts both phases; metrics are on the target's validation rows. The baseline (no sources)
 * is the same model trained from scratch on the target with the same seeds.
 */
export const finetune = defineStrategy('finetune', async (input, { recipe, evaluate, targetEpochs }) => {
  // label_shift bbse reads unlabelled target rows: held out of validation as selftrain's pool is
  // (also without sources, so the baseline is measured on the same rows).
  const split = recipe.label_shift === 'bbse' ? holdOutPool(input, recipe) : null;
  const model = buildUnitModel(input, recipe);
  try {
    const { pre, fine, labelShift } = await pretrainAndFinetune(input, recipe, model, {
      seed: input.seed,
      epochs: recipe.epochs,
      afterEpoch: targetEpochs.afterEpoch(() => evaluate(model, split?.validation)),
      ...(split ? { unlabelled: split.unlabelled } : {}),
    });
    const epochs = (pre?.epochs ?? 0) + fine.epochs;
    const samples = (pre?.samples ?? 0) + fine.samples;
    if (!split) return { model, epochs, samples };
    return { model, epochs, samples, validation: split.validation, extra: { ...poolExtra(split), ...labelShiftExtra(labelShift) } };
  } catch (error) {
    model.dispose();
    throw error;
  }
});
