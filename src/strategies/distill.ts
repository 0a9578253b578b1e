// Knowledge distillation (Hinton et al. 2015): a teacher trained with transfer (finetune's
// procedure) teaches a smaller student through its temperature-softened predictions on the target's
// labelled rows. Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML parsing.
import type { ModelSpec } from '../spec/study.js';
import { mixSeed } from '../util/rng.js';
import { softmaxRows, type TrainableModel } from '../training/index.js';
import { buildUnitModel, pretrainAndFinetune } from './finetune.js';
import { defineStrategy, phaseOptions, trainPhase } from './pipeline.js';

const STREAM_STUDENT = 9;
const STREAM_DISTILL = 10;

/**
 * The teacher is the model spec trained as finetune trains it (pre-training on the sources, then
 * `epochs` epochs on the target); the student has every hidden width (and a CNN's conv filters) scaled by student_fraction
 * (rounded, at least 1) and learns for `epochs` epochs from (1 - alpha) x the labels' cross-entropy +
 * alpha x T^2 x the cross-entropy to the teacher's probabilities at temperature T. The unit's model
 * and metrics are the student's; onTargetEpoch follows the student's epochs. The baseline (no
 * sources) distils a target-only teacher.
 */
export const distill = defineStrategy('distill', async (input, { recipe, evaluate, targetEpochs }) => {
  const { numClasses: classes } = input;
  const teacher = buildUnitModel(input, recipe);
  let student: TrainableModel | null = null;
  try {
    const taught = await pretrainAndFinetune(input, recipe, teacher, { seed: input.seed, epochs: recipe.epochs });
    const teacherAccuracy = evaluate(teacher).accuracy;
    const temperature = recipe.distill_temperature;
    const soft = softmaxRows(teacher.predictLogits(input.train), classes, temperature);
    const built = buildUnitModel(input, recipe, mixSeed(input.seed, STREAM_STUDENT), studentModel(input.model, recipe.student_fraction));
    student = built;
    const afterEpoch = targetEpochs.afterEpoch(() => evaluate(built));
    const stats = await trainPhase(input, built, input.train, {
      ...phaseOptions(input, recipe, 'distillation', recipe.epochs, mixSeed(input.seed, STREAM_DISTILL)),
      distill: { soft, temperature, alpha: recipe.distill_alpha },
      ...(afterEpoch ? { afterEpoch } : {}),
    });
    input.observer?.onPhaseEnd?.('distillation', built.snapshot());
    return {
      model: built,
      epochs: (taught.pre?.epochs ?? 0) + taught.fine.epochs + stats.epochs,
      samples: (taught.pre?.samples ?? 0) + taught.fine.samples + stats.samples,
      extra: { teacher_accuracy: teacherAccuracy, teacher_params: teacher.parameterCount() },
    };
  } catch (error) {
    student?.dispose();
    throw error;
  } finally {
    teacher.dispose();
  }
});

/** The student: the model with every hidden width (and a CNN's conv filters) scaled by `fraction`. */
export function studentModel(model: ModelSpec, fraction: number): ModelSpec {
  const hidden = studentHidden(model.hidden, fraction);
  if (model.kind === 'mlp') return { ...model, hidden };
  const filters = studentHidden(model.conv.map((b) => b.filters), fraction);
  return { ...model, hidden, conv: model.conv.map((b, i) => ({ ...b, filters: filters[i]! })) };
}

/** The student's hidden widths: each of the model's scaled by `fraction`, rounded, at least 1. */
export function studentHidden(hidden: readonly number[], fraction: number): number[] {
  return hidden.map((h) => Math.max(1, Math.round(h * fraction)));
}
