// LwF-style output distillation (Li and Hoiem 2016, "Learning without Forgetting") while fine-tuning
// a kept head: the pre-trained model's own outputs on the target rows, recorded once after
// pre-training, are soft targets the fine-tuned model must keep matching. Worker side; gets tfjs
// passed in through the model. Must not import the store, the CLI or YAML parsing.
import type { FullRecipe } from '../spec/recipe.js';
import type { Dataset } from '../data/types.js';
import { softmaxRows, type TrainableModel, type TrainOptions } from '../training/index.js';

/** LwF's temperature (Li and Hoiem use T = 2, after Hinton et al.). */
export const LWF_TEMPERATURE = 2;

/**
 * The distillation option of the fine-tuning phase: soft targets softmax(z0 / T) of the pre-trained
 * model (its head kept) on `target`'s rows, mixed with alpha = lwf / (1 + lwf), so the loss is
 * (CE + lwf T^2 KL(soft || softmax(z / T))) / (1 + lwf). None when lwf is 0, without transfer, or with
 * a re-initialised head (its fresh outputs have no pre-trained value to keep; the config only accepts
 * lwf where some trial keeps the head).
 */
export function lwfOptions(recipe: FullRecipe, transferred: boolean, model: TrainableModel, target: Dataset): Partial<TrainOptions> {
  if (!transferred || recipe.lwf <= 0 || recipe.head !== 'keep') return {};
  const soft = softmaxRows(model.predictLogits(target), model.classes, LWF_TEMPERATURE);
  return { distill: { soft, temperature: LWF_TEMPERATURE, alpha: recipe.lwf / (1 + recipe.lwf) } };
}
