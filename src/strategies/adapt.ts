// Domain adaptation with unlabelled target rows: finetune whose pre-training on the sources also
// sees the target's unlabelled pool through a loss on the last hidden layer. align: CORAL (Sun and
// Saenko 2016) or multi-kernel MMD (Long et al. 2015) between source and target batches; dann: a
// domain classifier through gradient reversal (Ganin et al. 2016). Fine-tuning on the labelled
// target rows is finetune's. Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML.
import type { StrategyName } from '../spec/recipe.js';
import { mixSeed } from '../util/rng.js';
import { DomainClassifier, MmdCoefficients, coralGradient, mmdGradient, type Alignment } from '../training/index.js';
import { buildUnitModel, holdOutPool, labelShiftExtra, poolExtra, pretrainAndFinetune } from './finetune.js';
import { defineStrategy, type StrategyContext, type TrainedModel } from './pipeline.js';
import type { StrategyInput } from './types.js';

const STREAM_DOMAIN = 9;

/**
 * The unlabelled pool is held out of validation as selftrain's is (same seed stream, so the same
 * rows), also without sources: the baseline (target-only training, no alignment possible) is then
 * measured on the same rows as the transfer run. Every pre-training batch gets as many pool rows as
 * it has source rows. Rungs count fine-tuning epochs, as finetune's do: aligned pre-training runs in
 * full before the first rung.
 */
export const align = defineStrategy('align', (input, context) => adapt('align', input, context));
export const dann = defineStrategy('dann', (input, context) => adapt('dann', input, context));

async function adapt(kind: Extract<StrategyName, 'align' | 'dann'>, input: StrategyInput, { recipe, evaluate, targetEpochs }: StrategyContext): Promise<TrainedModel> {
  const split = holdOutPool(input, recipe);
  const model = buildUnitModel(input, recipe);
  let classifier: DomainClassifier | null = null;
  const coefficients = new MmdCoefficients();
  try {
    // The alignment is on the last dense hidden layer (an MLP's, or a CNN's after its conv blocks).
    if (input.model.hidden.length < 1) {
      throw new RangeError(`strategy ${kind} needs at least one hidden layer (the alignment is on the last one; a CNN's are the dense layers after its conv blocks); got a ${model.kind} with none`);
    }
    const pool = split.unlabelled;
    const width = input.model.hidden[input.model.hidden.length - 1]!;
    if (kind === 'dann' && input.sources.length > 0) {
      classifier = new DomainClassifier(input.tf, {
        width,
        hidden: width,
        seed: mixSeed(input.seed, STREAM_DOMAIN),
        optimizer: recipe.optimizer,
        learningRate: recipe.learning_rate,
      });
    }
    const domain = classifier;
    const pretraining = ({ start, end }: { start: number; end: number }) => {
      if (recipe.alignment_weight === 0) return {};
      const alignment: Alignment = {
        pool: pool.features,
        rows: pool.rows,
        gradient: (labelledRows, progress) =>
          domain
            ? domain.gradient(labelledRows, start + progress * (end - start), recipe.alignment_weight)
            : recipe.alignment === 'mmd'
              ? mmdGradient(recipe.alignment_weight, labelledRows, coefficients)
              : coralGradient(recipe.alignment_weight, labelledRows),
      };
      return { alignment };
    };
    const { pre, fine, labelShift } = await pretrainAndFinetune(input, recipe, model, {
      seed: input.seed,
      epochs: recipe.epochs,
      afterEpoch: targetEpochs.afterEpoch(() => evaluate(model, split.validation)),
      pretraining,
      unlabelled: pool,
    });
    const extra: Record<string, number> = { ...poolExtra(split), ...labelShiftExtra(labelShift) };
    // NaN when it never stepped (pretrain_epochs 0): left out, as stored JSON has no NaN.
    const domainLoss = domain?.readLoss() ?? Number.NaN;
    if (Number.isFinite(domainLoss)) extra.domain_loss = domainLoss;
    return { model, epochs: (pre?.epochs ?? 0) + fine.epochs, samples: (pre?.samples ?? 0) + fine.samples, validation: split.validation, extra };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    classifier?.dispose();
    coefficients.dispose();
  }
}

