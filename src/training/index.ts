// Public names of the training engine: the model interface, the MLP (its first implementation), the
// epoch loop and the batch helpers strategies build on. Worker side; gets tfjs passed in.
export type {
  Batch,
  ExportedModel,
  FeatureGradient,
  FeatureRows,
  JointTrainer,
  LayerSnapshot,
  ModelOptions,
  ModelSize,
  StepResult,
  StepTrainer,
  Tf,
  TrainableModel,
  TrainerOptions,
  TrainingPhase,
} from './types.js';
export { buildModel } from './build-model.js';
export { buildMlp, argmaxRows, type Mlp } from './mlp.js';
export { runEpochs, trainModel, type EpochRun, type PlannedBatch, type TrainOptions, type TrainStats, type Augmentation } from './epoch-loop.js';
export { PoolCursor, adversarialShift, fgsmShift, softmaxRows, type Adversarial, type Consistency } from './batches.js';
export { addNoise, mixup } from './augment.js';
export { balancedClassWeights, balancedRowWeights } from './class-weights.js';
export { coupledTrainer, type CoupledTrainer } from './coupled-trainer.js';
export { trainStacked, stackRefusal, type StackMember, type StackOutcome } from './stacked.js';
export { PhaseStack, runInStack, trainAlone, type PhaseTrainer } from './phase-stack.js';
export { MmdCoefficients, coralGradient, mmdGradient, type Alignment } from './alignment.js';
export { DomainClassifier, dannLambda } from './domain-classifier.js';
export { pgdAccuracy, pgdShift, pgdStepSize } from './pgd.js';
export { bssGradient, bssPenalty } from './bss.js';
