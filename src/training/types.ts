// The model interface: everything a strategy may ask of a model (which layers train, a head it can
// replace, a trainer that steps its weights, predictions, compression, robustness), and the batch a
// trainer steps on. The MLP (mlp.ts) is the first implementation; a convolutional model or a model
// loaded from TF.js files is another class behind the same interface, not edits in every strategy.
// Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML parsing.
import type * as tfjs from '@tensorflow/tfjs';
import type { OptimizerName } from '../spec/recipe.js';
import type { ModelSpec } from '../spec/study.js';
import type { Dataset } from '../data/types.js';
import type { Rng } from '../util/rng.js';
import type { WeightSpec } from '../spec/artifacts.js';

/** The tfjs namespace, with its backend already initialised by the caller. */
export type Tf = typeof tfjs;

/** Which training phase a hook or an error refers to. */
export type TrainingPhase =
  | 'pre-training'
  | 'meta-training'
  | 'fine-tuning'
  | 'target-only training'
  | 'joint training'
  | 'self-training'
  | 'distillation'
  | 'pruning retraining';

/** A copy of one layer's weights, taken outside the training loop. */
export interface LayerSnapshot {
  readonly trainable: boolean;
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/** Rows as a model reads them (row-major features). */
export type FeatureRows = Pick<Dataset, 'features' | 'rows' | 'cols'>;

/** One batch, as plain arrays (row-major). */
export interface Batch {
  readonly n: number;
  /** n x inputs. */
  readonly x: Float32Array;
  /** n x width targets (one-hot or soft). */
  readonly y: Float32Array;
  /** The loss is sum_i scale_i * CE_i; null or absent: 1/n for every row (the batch mean). */
  readonly scale?: Float32Array | null;
  /** Several task heads side by side (multitask): each row's loss only over its task's group. */
  readonly groups?: { readonly count: number; readonly mask: Float32Array } | null;
  /** Teacher probabilities at a temperature (n x width), mixed into the loss with weight alpha. */
  readonly distill?: { readonly soft: Float32Array; readonly temperature: number; readonly alpha: number } | null;
  /** Inverted-dropout masks after every layer (null: none), from TrainableModel.dropoutMasks. */
  readonly masks?: readonly (Float32Array | null)[];
  /** Row boundaries of stacked tasks: the step then returns GradNorm's per-task gradient norms. */
  readonly taskRows?: readonly number[] | null;
  /**
   * An extra loss on the last hidden layer's activations (domain adaptation: CORAL, MMD, a domain
   * classifier through gradient reversal): its gradient there joins the head's (the MLP and the CNN).
   */
  readonly featureGradient?: FeatureGradient | null;
}

/**
 * The gradient of an extra loss with respect to the head's inputs (n x width, after dropout), given
 * those inputs; called inside the step's tf.tidy, once per step (it may step its own weights, e.g.
 * a domain classifier's). Returns a tensor of the same shape.
 */
export type FeatureGradient = (tf: Tf, features: tfjs.Tensor2D) => tfjs.Tensor2D;

export interface StepResult {
  /** sum_k y_ik log p_ik per row, before the step. */
  readonly logLikelihood: Float64Array;
  readonly taskGradNorms: Float32Array | null;
}

/** Steps a model's trainable weights in place, one batch at a time. Owns its tensors: dispose it. */
export interface StepTrainer {
  /** Input features per row. */
  readonly inputs: number;
  /** Width of the outputs the batch targets address (classes, or classes x tasks). */
  readonly width: number;
  /** One optimizer step on `batch`; returns the batch's log-likelihoods (before the step). */
  step(batch: Batch): StepResult;
  /** dLoss/dx of `batch` under the current weights, without dropout (FGSM). */
  inputGradient(batch: Batch): Float32Array;
  /** The outputs' logits for `n` rows of `x` under the current weights, without dropout. */
  logits(x: Float32Array, n: number): Float32Array;
  /** Whether every trainable weight is finite. */
  finite(): boolean;
  dispose(): void;
}

/** A trainer over the model's body and several heads side by side (multi-task learning). */
export interface JointTrainer extends StepTrainer {
  /** Writes head 0 (the model's own head) back into the model, e.g. before evaluating it. */
  commitHead(): void;
}

export interface TrainerOptions {
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  /** Learning-rate multiplier per layer, from the input (default 1 each). */
  readonly lrScales?: readonly number[];
  /** Per layer, 0/1 per kernel weight: weights with 0 never change (retraining after pruning). */
  readonly kernelMasks?: readonly (Float32Array | null)[];
  /**
   * Decoupled weight decay of the trainable kernels, not the biases (AdamW): every step also does
   * w <- w - learningRate x lrScale x weightDecay x w, for every optimizer (default 0: off).
   */
  readonly weightDecay?: number;
  /**
   * L2-SP weight alpha: the loss gains alpha/2 ||w - w0||^2 over the kernels that have an anchor w0,
   * its gradient alpha x (w - w0) added to theirs (default 0: off). The reported loss stays the
   * cross-entropy.
   */
  readonly l2sp?: number;
  /** Per layer, the kernel L2-SP pulls towards (e.g. its pre-trained values); null: none (a fresh head). */
  readonly anchors?: readonly (Float32Array | null)[];
}

/** What a model is built from. */
export interface ModelOptions {
  readonly inputs: number;
  readonly numClasses: number;
  readonly spec: ModelSpec;
  /** The recipe's dropout: it overrides the model's (the config resolves which applies). */
  readonly dropout: number;
  readonly seed: number;
}

/** A model as TF.js Layers data: what tf.loadLayersModel reads back (model.json's parts + weights.bin). */
export interface ExportedModel {
  /** model.json's modelTopology. */
  readonly topology: unknown;
  readonly weightSpecs: readonly WeightSpec[];
  /** The weights' bytes, in weightSpecs order. */
  readonly weights: Uint8Array;
  /** Share of kernel weights that are exactly zero (0 for a dense model). */
  readonly sparsity: number;
}

/** Parameters, non-zeros and storage bytes of a model. */
export interface ModelSize {
  /** Every weight and bias. */
  readonly params: number;
  /** Of those, the ones that are not exactly zero (counted, not estimated). */
  readonly nonzeros: number;
  /**
   * Bytes of the weights stored densely: 4 per float32 value; with int8 kernels, 1 per kernel weight
   * plus a float32 scale per output unit, biases staying float32.
   */
  readonly bytes: number;
}

/**
 * What a strategy may ask of a model. Layers are counted from the input; the last one is the head
 * (one output per class). Every method is deterministic for a given backend.
 */
export interface TrainableModel {
  /** The engine, e.g. 'mlp'. */
  readonly kind: string;
  /** Input features per row. */
  readonly inputs: number;
  /** Outputs of the head (the label space). */
  readonly classes: number;
  /** Layers, the head included. */
  readonly layerCount: number;
  /** Whether each layer trains (from the input; the head last). */
  trainableLayers(): readonly boolean[];
  /** Freezes the first `count` layers below the head and unfreezes the rest; the head always trains. */
  freezeBody(count: number): void;
  /**
   * Sets every layer's kernel and bias (row-major, from the input, the head last): a pretrained
   * model source's weights. Throws when a shape differs (load time has checked they fit).
   */
  setLayers(layers: readonly { readonly kernel: Float32Array; readonly bias: Float32Array }[]): void;
  /** Draws fresh head weights from `seed` (e.g. after pre-training on other label spaces). */
  reinitHead(seed: number): void;
  /** A trainer stepping the trainable layers' own weights. */
  trainer(options: TrainerOptions): StepTrainer;
  /**
   * A trainer over every body layer and `1 + headSeeds.length` heads side by side: head 0 is the
   * model's own, the others fresh from their seeds. Disposing it commits head 0.
   */
  jointTrainer(options: TrainerOptions, headSeeds: readonly number[]): JointTrainer;
  /** Inverted-dropout masks for a batch of `n` rows (null per layer without dropout). */
  dropoutMasks(n: number, rng: Rng): (Float32Array | null)[];
  /** The head's logits for every row (rows x classes; inference mode). */
  predictLogits(ds: FeatureRows): Float32Array;
  /** The class with the highest logit for every row (inference mode). */
  predictClasses(ds: FeatureRows): Int32Array;
  /** Class probabilities and the activations below the head (rows x width), for transferability scores. */
  representation(ds: FeatureRows): { readonly probabilities: Float32Array; readonly features: Float32Array; readonly width: number };
  /** Share of `ds` still classified right under a one-step FGSM attack of size epsilon. */
  fgsmAccuracy(ds: Dataset, epsilon: number): number;
  /** Zeroes the smallest kernel weights of every layer; returns the kernel masks (1 kept, 0 pruned). */
  prune(sparsity: number): Float32Array[];
  /** Replaces every kernel by its int8-quantised value (per output unit scale). */
  quantizeInt8(): void;
  size(int8: boolean): ModelSize;
  /**
   * The model in the TF.js Layers format, as it predicts now (after compression). A model that was
   * quantised to int8 writes its kernels with TF.js's uint8 weight quantisation.
   */
  exportArtifact(): Promise<ExportedModel>;
  parameterCount(): number;
  /**
   * The kernel variables of the layers below the head, from the input (a CNN's conv blocks first),
   * live: soft parameter sharing moves them between steps (assign values of the same shape only).
   */
  trunkKernels(): readonly tfjs.Variable[];
  /** Copies of every layer's weights (for observers; costs a read of every weight). */
  snapshot(): LayerSnapshot[];
  dispose(): void;
}
