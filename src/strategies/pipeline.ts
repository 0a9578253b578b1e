// What every strategy shares around its own training: feature selection before it, then compression,
// metrics, accuracy under attack and the model's size after it; the recipe's common training options;
// the running count of target epochs for schedulers. Worker side; gets tfjs passed in.
// Must not import the store, the CLI or YAML parsing.
import { DataError } from '../errors.js';
import { withRecipeDefaults, type FullRecipe, type StrategyName } from '../spec/recipe.js';
import { ARTIFACT_FORMAT } from '../spec/artifacts.js';
import type { Dataset } from '../data/types.js';
import { classificationMetrics } from '../metrics/classification.js';
import type { ClassificationMetrics } from '../spec/metrics.js';
import { mixSeed } from '../util/rng.js';
import type { Preprocessing } from '../spec/units.js';
import { projectColumns, selectFeatures } from '../data/feature-selection.js';
import { balancedRowWeights, pgdAccuracy, trainAlone, type TrainableModel, type TrainOptions, type TrainStats, type TrainingPhase } from '../training/index.js';
import type { Dataset as PhaseData } from '../data/types.js';
import { preprocess } from './preprocess.js';
import type { Strategy, StrategyArtifact, StrategyInput, StrategyResult } from './types.js';

/** Seed stream of the retraining after pruning (strategies use 1-10). */
const STREAM_PRUNE = 20;

/** What a strategy's training hands back; the pipeline evaluates, compresses and disposes it. */
export interface TrainedModel {
  readonly model: TrainableModel;
  /** Epochs and rows of every training phase, summed. */
  readonly epochs: number;
  readonly samples: number;
  /** Where to measure the model when the strategy took rows out of validation (selftrain). */
  readonly validation?: Dataset;
  readonly extra?: Readonly<Record<string, number>>;
}

export interface StrategyContext {
  /** The recipe with every key present. */
  readonly recipe: FullRecipe;
  /** Classification metrics of `model` on `ds` (default: the input's validation rows). */
  evaluate(model: TrainableModel, ds?: Dataset): ClassificationMetrics;
  /** Counts target epochs across a strategy's phases and forwards them to onTargetEpoch. */
  readonly targetEpochs: TargetEpochs;
}

/**
 * A strategy from its training function. `train` gets the input after feature selection and must
 * dispose everything it creates except the returned model, also when it throws.
 */
export function defineStrategy(
  name: StrategyName,
  train: (input: StrategyInput, context: StrategyContext) => Promise<TrainedModel>,
): Strategy {
  return {
    name,
    async run(original: StrategyInput): Promise<StrategyResult> {
      const started = performance.now();
      const recipe = withRecipeDefaults(original.recipe);
      const { numClasses } = original;
      // The study's load refuses these combinations (config/semantic.ts); this holds for any other caller.
      const imputed = [original.train, ...original.sources].some((ds) => ds.imputed);
      if (imputed && recipe.feature_selection !== 'none') throw new DataError('feature_selection cannot be used with missing: impute (it would score columns holding missing values)');
      if (imputed && recipe.scaling !== 'standard') throw new DataError(`missing: impute needs scaling: standard (the missing values are filled with the training rows' mean as the scaling fits it; scaling is ${recipe.scaling})`);
      // Scored on the target's labelled rows only, so a transfer run and its baseline keep the same features.
      const kept = selectFeatures(recipe.feature_selection, recipe.feature_k, original.train);
      if (kept && original.pretrained !== undefined) {
        // A model source's first layer reads every column in order: selecting columns would misalign it.
        throw new DataError('feature_selection cannot be used with a model source: its first layer reads every feature');
      }
      const selected: StrategyInput = kept
        ? {
            ...original,
            train: projectColumns(original.train, kept),
            validation: projectColumns(original.validation, kept),
            sources: original.sources.map((s) => projectColumns(s, kept)),
            ...(original.test ? { test: projectColumns(original.test, kept) } : {}),
          }
        : original;
      // Scaling after feature selection: variance scores would be meaningless on standardised columns.
      const { input, scaling } = preprocess(selected, recipe);
      const evaluate = (model: TrainableModel, ds: Dataset = input.validation) => evaluateModel(model, ds, numClasses);
      const trained = await train(input, { recipe, evaluate, targetEpochs: new TargetEpochs(input.onTargetEpoch) });
      try {
        const validation = trained.validation ?? input.validation;
        const extra: Record<string, number> = { ...trained.extra };
        if (kept) extra.features = kept.length;
        let { epochs, samples } = trained;
        const compressed = recipe.prune_sparsity > 0 || recipe.quantize === 'int8';
        if (compressed) {
          extra.uncompressed_accuracy = evaluate(trained.model, validation).accuracy;
          if (recipe.prune_sparsity > 0) {
            const kernelMasks = trained.model.prune(recipe.prune_sparsity);
            // Retraining with the pruned weights held at zero (Han et al. 2015) recovers what one-shot pruning loses.
            const retrained = await trainPhase(input, trained.model, input.train, {
              ...phaseOptions(input, recipe, 'pruning retraining', recipe.prune_epochs, mixSeed(input.seed, STREAM_PRUNE)),
              kernelMasks,
            });
            epochs += retrained.epochs;
            samples += retrained.samples;
            input.observer?.onPhaseEnd?.('pruning retraining', trained.model.snapshot());
          }
          if (recipe.quantize === 'int8') trained.model.quantizeInt8();
        }
        const metrics = evaluate(trained.model, validation);
        if (recipe.fgsm_epsilon > 0) extra.fgsm_accuracy = trained.model.fgsmAccuracy(validation, recipe.fgsm_epsilon);
        if (recipe.fgsm_epsilon > 0 && recipe.pgd_steps > 0) {
          extra.pgd_accuracy = pgdAccuracy(trained.model, validation, recipe.fgsm_epsilon, recipe.pgd_steps);
        }
        Object.assign(extra, trained.model.size(recipe.quantize === 'int8'));
        const preprocessing: Preprocessing = { ...(kept ? { columns: kept } : {}), ...(scaling ? { scaling } : {}) };
        const test = input.test ? evaluate(trained.model, input.test) : undefined;
        const cost = { epochs, samples, ms: performance.now() - started };
        const result: StrategyResult = {
          metrics,
          ...(test ? { test } : {}),
          cost,
          extra,
          ...(kept || scaling ? { preprocessing } : {}),
        };
        if (!original.artifact) return result;
        // Exported after the cost is taken: the unit's training time stays comparable with or without it.
        const exported = await trained.model.exportArtifact();
        const classNames = original.train.classNames ?? [];
        const artifact: StrategyArtifact = {
          meta: {
            format: ARTIFACT_FORMAT,
            kind: trained.model.kind,
            featureNames: input.train.featureNames ?? null,
            ...(input.train.droppedColumns ? { droppedColumns: input.train.droppedColumns } : {}),
            ...(original.train.imputed ? { imputesMissing: true as const } : {}),
            ...(original.train.delimiter ? { delimiter: original.train.delimiter } : {}),
            ...(original.train.decimal ? { decimal: original.train.decimal } : {}),
            ...(original.train.categorical ? { categorical: original.train.categorical } : {}),
            // The shared label space can be wider than the target's own classes (sources with more).
            classNames: Array.from({ length: numClasses }, (_, i) => classNames[i] ?? String(i)),
            preprocessing,
            recipe: original.recipe,
            metrics,
            ...(test ? { test } : {}),
            ...(exported.sparsity > 0 ? { sparsity: exported.sparsity } : {}),
          },
          topology: exported.topology,
          weightSpecs: exported.weightSpecs,
          weights: exported.weights,
        };
        return { ...result, artifact };
      } finally {
        trained.model.dispose();
      }
    },
  };
}

/** Trains one single-task phase of the unit: alone (trainAlone: a stack of one where exact, else trainModel), or in its stack when it runs in one. */
export async function trainPhase(input: StrategyInput, model: TrainableModel, data: PhaseData, options: TrainOptions): Promise<TrainStats> {
  // class_weight counts the classes in the rows this phase trains on (sources, or the target's).
  const weighted: TrainOptions =
    withRecipeDefaults(input.recipe).class_weight === 'balanced' && data.rows > 0
      ? { ...options, rowWeights: balancedRowWeights(data.labels, options.numClasses, options.rowWeights) }
      : options;
  return input.training ? input.training(model, data, weighted) : trainAlone(input.tf, model, data, weighted);
}

export function evaluateModel(model: TrainableModel, ds: Dataset, numClasses: number): ClassificationMetrics {
  return classificationMetrics(ds.labels, model.predictClasses(ds), numClasses);
}

/** The training options every phase takes from the recipe: batches, optimizer, weight decay, augmentation, FGSM. */
export function phaseOptions(
  input: StrategyInput,
  recipe: FullRecipe,
  phase: TrainingPhase,
  epochs: number,
  seed: number,
): TrainOptions {
  return {
    phase,
    epochs,
    batchSize: recipe.batch_size,
    optimizer: recipe.optimizer,
    learningRate: recipe.learning_rate,
    ...(recipe.weight_decay > 0 ? { weightDecay: recipe.weight_decay } : {}),
    seed,
    numClasses: input.numClasses,
    augment: { noise: recipe.augment_noise, mixupAlpha: recipe.mixup_alpha },
    adversarial: { epsilon: recipe.fgsm_epsilon, ratio: recipe.fgsm_ratio, steps: recipe.pgd_steps },
  };
}

/**
 * The running count of epochs trained on the target, over every phase of a strategy that produces
 * the unit's model: each is reported to onTargetEpoch as 1, 2, … up to the recipe's `epochs`.
 * Once the hook says stop, `stopped` is true and later phases must not train.
 */
export class TargetEpochs {
  private done = 0;
  stopped = false;

  constructor(private readonly onTargetEpoch: StrategyInput['onTargetEpoch']) {}

  /** The afterEpoch of a target phase; undefined without a hook (the loop then skips it entirely). */
  afterEpoch(evaluate: () => ClassificationMetrics): ((epoch: number) => boolean) | undefined {
    const hook = this.onTargetEpoch;
    if (!hook) return undefined;
    return () => {
      this.done += 1;
      const go = hook(this.done, evaluate);
      if (!go) this.stopped = true;
      return go;
    };
  }
}
