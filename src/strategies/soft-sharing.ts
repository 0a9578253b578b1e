// Soft parameter sharing for multitask (Duong, Cohn, Bird and Cook 2015): one network per task, the
// target's being the unit's model, every trunk starting from the target's, their trunks pulled
// towards the target's by sharing_weight (training/coupled-trainer.ts). multitask.ts's joint loop
// trains them. Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML.
import { DataError } from '../errors.js';
import type { FullRecipe } from '../spec/recipe.js';
import { mixSeed } from '../util/rng.js';
import { coupledTrainer, type StepTrainer, type TrainableModel, type TrainerOptions } from '../training/index.js';
import { buildUnitModel } from './finetune.js';
import type { StrategyInput } from './types.js';

/** multitask's stream of the sources' heads: a soft unit starts where the hard one does. */
export const STREAM_HEADS = 5;

/** What the joint loop trains: a trainer, how its batch's targets are laid out, and its cleanup. */
export interface JointSetup {
  readonly trainer: StepTrainer;
  /** Targets per row: classes x tasks (heads side by side in one layer) or classes (a network per task). */
  readonly width: number;
  /** Whether each row's loss is masked to its task's group of outputs (heads side by side). */
  readonly grouped: boolean;
  /** Makes the unit's model what has been trained so far (before evaluating it). */
  commit(): void;
  /** Frees the trainer and anything built for it (never the unit's model). */
  dispose(): void;
}

/** The source networks and the coupled trainer over them and `model` (the target's network). */
export function softSharing(input: StrategyInput, recipe: FullRecipe, model: TrainableModel, options: TrainerOptions): JointSetup {
  // GradNorm's weights balance the gradient norms of a layer every task shares: soft sharing has none.
  if (recipe.task_weighting === 'gradnorm') throw new DataError('task_weighting gradnorm cannot be used with sharing: soft (there is no shared trunk whose gradients it could balance)');
  const sources: TrainableModel[] = [];
  try {
    // Every trunk starts as the target's (the same seed) and each source's head as hard sharing's
    // head of that source: the L2 distance between trunks only means something when their hidden
    // units correspond, which independent initialisations would not give (units come permuted).
    for (let i = 0; i < input.sources.length; i++) {
      const source = buildUnitModel(input, recipe);
      sources.push(source);
      source.reinitHead(mixSeed(input.seed, STREAM_HEADS, i + 1));
    }
    const trainer = coupledTrainer(input.tf, [model, ...sources], options, recipe.sharing_weight);
    return {
      trainer,
      width: input.numClasses,
      grouped: false,
      // Every model trains its own variables in place: the target's is always current.
      commit: () => {},
      dispose: () => {
        try {
          trainer.dispose();
        } finally {
          for (const s of sources) s.dispose();
        }
      },
    };
  } catch (error) {
    for (const s of sources) s.dispose();
    throw error;
  }
}
