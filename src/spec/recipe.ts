// The training recipe: its keys, and one table row per key (value type, bounds, default, which
// strategies read it, its description) from which the recipe's key lists, defaults, the study file's
// JSON Schema, the unused-key check and the stored-spec decoder are all derived. Adding a key is a
// line in `Recipe` and a row in RECIPE_KEY_TABLE; the compiler checks the rest. Part of src/spec.
export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
export const STRATEGIES = ['finetune', 'multitask', 'selftrain', 'distill', 'align', 'dann', 'reptile'] as const;
export type StrategyName = (typeof STRATEGIES)[number];
export const TASK_WEIGHTINGS = ['equal', 'uncertainty', 'dwa', 'gradnorm'] as const;
export type TaskWeighting = (typeof TASK_WEIGHTINGS)[number];
export const SHARINGS = ['hard', 'soft'] as const;
export type Sharing = (typeof SHARINGS)[number];
export const FEATURE_SELECTIONS = ['none', 'variance', 'mutual_info'] as const;
export type FeatureSelection = (typeof FEATURE_SELECTIONS)[number];
export const QUANTIZATIONS = ['none', 'int8'] as const;
export type Quantization = (typeof QUANTIZATIONS)[number];
export const SCALINGS = ['standard', 'minmax', 'none'] as const;
export type Scaling = (typeof SCALINGS)[number];
export const SCALING_FITS = ['pooled', 'target', 'per_task'] as const;
export type ScalingFit = (typeof SCALING_FITS)[number];
export const HEAD_PROTOCOLS = ['reinit', 'keep'] as const;
/** The strategies whose unit ends in finetune's transfer protocol (head, freezing, lr mult, L2-SP, BSS). */
export const TRANSFER_STRATEGIES: readonly StrategyName[] = ['finetune', 'selftrain', 'distill', 'align', 'dann', 'reptile'];
export const ALIGNMENTS = ['coral', 'mmd'] as const;
export type AlignmentLoss = (typeof ALIGNMENTS)[number];
export const CLASS_WEIGHTS = ['none', 'balanced'] as const;
export type ClassWeight = (typeof CLASS_WEIGHTS)[number];
export const LABEL_SHIFTS = ['none', 'bbse'] as const;
export type LabelShift = (typeof LABEL_SHIFTS)[number];
export const PSEUDO_LABELS = ['confidence', 'clusters'] as const;
export type PseudoLabelKind = (typeof PSEUDO_LABELS)[number];
export type HeadProtocol = (typeof HEAD_PROTOCOLS)[number];

/**
 * The training recipe: every key has a default in the study file's `recipe:` block and may be
 * overridden per trial by a search-space parameter of the same name.
 */
export interface Recipe {
  readonly strategy: StrategyName;
  readonly optimizer: OptimizerName;
  readonly learning_rate: number;
  readonly batch_size: number;
  /** Epochs of pre-training on the union of the chosen sources. */
  readonly pretrain_epochs: number;
  /** Epochs of fine-tuning on the target's labelled rows. */
  readonly epochs: number;
  /** Hidden layers (counted from the input) whose pre-trained weights stay frozen while fine-tuning. */
  readonly freeze_layers: number;
  readonly dropout: number;
  /** Any strategy: decoupled weight decay of the kernels (AdamW), every phase (0: off). Optional: old specs mean 0. */
  readonly weight_decay?: number;
  /** finetune, selftrain, distill, align, dann, reptile: L2-SP weight alpha pulling transferred kernels to their pre-trained values (0: off). */
  readonly l2sp?: number;
  // Strategy keys (src/strategies; docs/strategies.md). Optional: a resolved recipe holds them only
  // when the study file or a trial sets them (so specs stored before they existed stay equal), and
  // workers read them through withRecipeDefaults.
  /** finetune (and the transfer inside selftrain/distill/align/dann): learning-rate multiplier of transferred hidden layers. */
  readonly transfer_lr_mult?: number;
  /** multitask: how the task losses are weighted. */
  readonly task_weighting?: TaskWeighting;
  /** multitask: one shared trunk (hard), or one network per task with an L2 pull between trunks (soft). */
  readonly sharing?: Sharing;
  /** multitask with soft sharing: weight lambda of the L2 penalty between each source's trunk and the target's. */
  readonly sharing_weight?: number;
  /** multitask with dwa: the softmax temperature of Dynamic Weight Average. */
  readonly dwa_temperature?: number;
  /** multitask with gradnorm: the restoring-force asymmetry alpha of GradNorm. */
  readonly gradnorm_alpha?: number;
  /** selftrain: share of the target's non-labelled rows held out as the unlabelled pool (the rest validates). */
  readonly unlabelled_fraction?: number;
  /** selftrain: smallest predicted probability for a pseudo-label. */
  readonly confidence_threshold?: number;
  /** selftrain: pseudo-labelling rounds after the initial training. */
  readonly selftrain_rounds?: number;
  /** selftrain: weight of the consistency loss on unlabelled rows (0: off). */
  readonly consistency_weight?: number;
  /** selftrain: std of the input noise the predictions must agree under. */
  readonly consistency_noise?: number;
  /** distill: softmax temperature of the soft targets. */
  readonly distill_temperature?: number;
  /** distill: weight of the soft-target loss (the hard-label loss gets 1 - alpha). */
  readonly distill_alpha?: number;
  /** distill: student hidden widths as a fraction of the model's. */
  readonly student_fraction?: number;
  /** Any strategy: std of Gaussian noise added to training inputs (0: off). */
  readonly augment_noise?: number;
  /** Any strategy: mixup Beta(alpha, alpha) (0: off). */
  readonly mixup_alpha?: number;
  /** Any strategy: FGSM attack size; > 0 reports fgsm_accuracy and trains on FGSM examples (fgsm_ratio). */
  readonly fgsm_epsilon?: number;
  /** Any strategy: share of the loss on FGSM examples (0: evaluate under attack only). */
  readonly fgsm_ratio?: number;
  /** Any strategy with fgsm_epsilon: PGD steps of the attack trained against and reported as pgd_accuracy (0: FGSM only). */
  readonly pgd_steps?: number;
  /** Any strategy: feature selection before training, on the target's labelled rows. */
  readonly feature_selection?: FeatureSelection;
  /** Any strategy: features kept by feature_selection. */
  readonly feature_k?: number;
  /** Any strategy: magnitude pruning of every kernel after training (0: off). */
  readonly prune_sparsity?: number;
  /** Any strategy: epochs of retraining on the labelled target rows after pruning, pruned weights held at zero. */
  readonly prune_epochs?: number;
  /** Any strategy: post-training quantisation of the kernels. */
  readonly quantize?: Quantization;
  /**
   * Any strategy: feature scaling inside the unit, fitted on training rows only. Absent means none
   * (what a spec stored before the key existed meant); a new study file gets `standard`.
   */
  readonly scaling?: Scaling;
  /** Any strategy with scaling: which training rows the statistics come from. */
  readonly scaling_fit?: ScalingFit;
  /** Any strategy: weight each training row's loss by its class (balanced: rare classes count as much as common ones). */
  readonly class_weight?: ClassWeight;
  /** finetune (and the transfer inside selftrain/distill/align/dann): re-initialise the pre-trained head, or keep it. */
  readonly head?: HeadProtocol;
  /** align: the feature-alignment loss between source and unlabelled target rows. */
  readonly alignment?: AlignmentLoss;
  /** align, dann: weight of the alignment (or domain-adversarial) loss. */
  readonly alignment_weight?: number;
  /** finetune, align, dann: re-weight the source loss by estimated target class priors (BBSE). */
  readonly label_shift?: LabelShift;
  /** finetune, selftrain, distill, align, dann, reptile: BSS weight eta on the k smallest feature singular values while fine-tuning (0: off). */
  readonly bss?: number;
  /** With bss: how many of the smallest singular values are shrunk. */
  readonly bss_k?: number;
  /** selftrain: where pseudo-labels come from: the model's confident predictions, or k-means clusters. */
  readonly pseudo_labels?: PseudoLabelKind;
  /** With head keep: LwF weight of the pre-trained model's own outputs while fine-tuning (0: off). */
  readonly lwf?: number;
  /** reptile: optimiser steps of each inner run on one source task. */
  readonly reptile_inner_steps?: number;
  /** reptile: the meta step size epsilon at the first outer iteration (annealed linearly to 0). */
  readonly reptile_meta_lr?: number;
}
/** The JSON Schema of a number-valued key (the bounds a value must keep). */
export interface NumberKeySchema {
  readonly type: 'number' | 'integer';
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
}

/** The JSON Schema of a key whose value is one of a list of names. */
export interface ChoiceKeySchema<V extends string> {
  readonly type: 'string';
  readonly enum: readonly V[];
}

/** The keys whose value decides whether another recipe key is read at all. */
export type SelectingKey = 'strategy' | 'task_weighting' | 'head' | 'sharing';

export interface RecipeKeySpec<V> {
  readonly schema: [V] extends [string] ? ChoiceKeySchema<V> : NumberKeySchema;
  /** One line for the schema and the docs: what it does, its range, its default. */
  readonly description: string;
  /** The description of a `space:` parameter searching this key. */
  readonly search: string;
  /** Read only by trials whose `key` is one of `values` (absent: by every trial). */
  readonly usedBy?: { readonly key: SelectingKey; readonly values: readonly string[] };
  /**
   * What a new study file that leaves the key out gets, written into its resolved spec, when that
   * differs from `default` (what a stored spec without the key means): a better default can then
   * apply to new studies without changing the meaning of stored ones.
   */
  readonly studyDefault?: V;
}

/** Optional keys carry the value a recipe that leaves them out means; required keys are resolved from the study. */
type RecipeKeyRow<K extends keyof Recipe> = RecipeKeySpec<NonNullable<Recipe[K]>> &
  (undefined extends Recipe[K] ? { readonly default: NonNullable<Recipe[K]> } : { readonly default?: never });

export type RecipeKeyTable = { readonly [K in keyof Recipe]-?: RecipeKeyRow<K> };

/** One row per recipe key, in the order of the study file's schema. */
export const RECIPE_KEY_TABLE: RecipeKeyTable = {
  strategy: {
    schema: { type: 'string', enum: STRATEGIES },
    description:
      'How a unit trains: finetune = pre-train on the chosen sources, then fine-tune on the target; multitask = one shared trunk, a head per task, trained jointly; selftrain = finetune, then pseudo-label the unlabelled target rows; distill = a finetune teacher distilled into a smaller student; align = finetune whose pre-training also aligns the last hidden layer of source and unlabelled target rows (CORAL or MMD); dann = finetune whose pre-training also trains a domain classifier through gradient reversal (DANN); reptile = meta-learn an initialisation over the chosen sources as tasks (Reptile), then fine-tune on the target.',
    search: 'Search over strategies.',  },
  optimizer: {
    schema: { type: 'string', enum: OPTIMIZERS },
    description: 'Optimizer of both training phases.',
    search: 'Search over optimizers.',  },
  learning_rate: {
    schema: { type: 'number', exclusiveMinimum: 0, maximum: 10 },
    description: 'Learning rate, in (0, 10].',
    search: 'Search over the learning rate.',  },
  batch_size: {
    schema: { type: 'integer', minimum: 1, maximum: 4096 },
    description: 'Mini-batch size, 1..4096.',
    search: 'Search over the batch size.',  },
  pretrain_epochs: {
    schema: { type: 'integer', minimum: 0, maximum: 1000 },
    description: 'Epochs of pre-training on the chosen sources, 0..budget.epochs (default budget.epochs).',
    search: 'Search over pre-training epochs (<= budget.epochs).',  },
  epochs: {
    schema: { type: 'integer', minimum: 1, maximum: 1000 },
    description:
      "Epochs of fine-tuning on the target's labelled rows, 1..budget.epochs (default budget.epochs).",
    search: 'Search over fine-tuning epochs (<= budget.epochs).',  },
  freeze_layers: {
    schema: { type: 'integer', minimum: 0, maximum: 16 },
    description:
      'Layers below the head (from the input: a CNN\'s conv blocks, then the hidden layers) kept frozen while fine-tuning, 0..that number.',
    search: 'Search over frozen layers (<= the layers below the head).',  },
  dropout: {
    schema: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
    description: 'Dropout rate after each hidden layer, in [0, 1) (default model.dropout).',
    search: 'Search over the dropout rate.',  },
  weight_decay: {
    schema: { type: 'number', minimum: 0, maximum: 1 },
    description:
      'Any strategy: decoupled weight decay of the kernels, not the biases (AdamW, Loshchilov and Hutter 2019): each step also does w -= learning_rate x weight_decay x w, in every phase and for every optimizer, in [0, 1] (default 0: off).',
    default: 0,
    search: 'Search over the weight decay.',  },
  l2sp: {
    schema: { type: 'number', minimum: 0, maximum: 100 },
    description:
      'finetune, selftrain, distill, align, dann, reptile: L2-SP (Li, Grandvalet and Davoine 2018): fine-tuning after transfer adds alpha/2 ||w - w0||^2 over the pre-trained kernels (w0: their values after pre-training), in [0, 100] (default 0: off; no effect without transfer).',
    default: 0,
    search: 'Search over the L2-SP weight.',
    usedBy: { key: 'strategy', values: TRANSFER_STRATEGIES },  },
  transfer_lr_mult: {
    schema: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
    description:
      'finetune, selftrain, distill, align, dann, reptile: learning-rate multiplier of the pre-trained hidden layers while fine-tuning (discriminative learning rates), in (0, 100] (default 1).',
    default: 1,
    search: 'Search over the learning-rate multiplier of transferred layers.',
    usedBy: { key: 'strategy', values: TRANSFER_STRATEGIES },  },
  task_weighting: {
    schema: { type: 'string', enum: TASK_WEIGHTINGS },
    description:
      'multitask: task-loss weights: equal, uncertainty (Kendall et al. 2018), dwa (Liu et al. 2019) or gradnorm (Chen et al. 2018) (default equal).',
    default: 'equal',
    search: 'Search over multitask loss weighting.',
    usedBy: { key: 'strategy', values: ['multitask'] },  },
  sharing: {
    schema: { type: 'string', enum: SHARINGS },
    description:
      "multitask: hard = one trunk shared by every task, a head per task (Caruana 1997); soft = one network per task (trunk and head), trained jointly with sharing_weight/2 x ||W_source - W_target||^2 between each source's trunk kernels and the target's (Duong et al. 2015); the target's network is the unit's model; not with task_weighting gradnorm (default hard).",
    default: 'hard',
    search: 'Search over hard and soft parameter sharing.',
    usedBy: { key: 'strategy', values: ['multitask'] },  },
  sharing_weight: {
    schema: { type: 'number', minimum: 0, maximum: 1000 },
    description: 'multitask with sharing soft: the L2 weight lambda between the trunks, taken as a proximal step of size learning_rate after every optimizer step, in [0, 1000] (default 1; 0: independent networks; near 1000 at learning rate 0.01: one trunk; search it on a log scale, e.g. 0.1..1000).',
    default: 1,
    search: 'Search over the soft-sharing weight (log scale).',
    usedBy: { key: 'sharing', values: ['soft'] },  },
  dwa_temperature: {
    schema: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
    description: 'multitask with dwa: softmax temperature of the loss ratios, in (0, 100] (default 2).',
    default: 2,
    search: 'Search over the DWA temperature.',
    usedBy: { key: 'task_weighting', values: ['dwa'] },  },
  gradnorm_alpha: {
    schema: { type: 'number', minimum: 0, maximum: 10 },
    description: 'multitask with gradnorm: asymmetry alpha, in [0, 10] (default 1.5).',
    default: 1.5,
    search: 'Search over the GradNorm alpha.',
    usedBy: { key: 'task_weighting', values: ['gradnorm'] },  },
  unlabelled_fraction: {
    schema: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    description:
      "selftrain, align, dann, and finetune with label_shift bbse: share of the target's non-labelled rows held out as unlabelled training rows (the rest validates), in (0, 1) (default 0.5).",
    default: 0.5,
    search: 'Search over the unlabelled share of the target.',
    usedBy: { key: 'strategy', values: ['selftrain', 'align', 'dann', 'finetune'] },  },
  confidence_threshold: {
    schema: { type: 'number', minimum: 0, maximum: 1 },
    description:
      'selftrain: smallest predicted probability that makes a pseudo-label, in [0, 1] (default 0.9).',
    default: 0.9,
    search: 'Search over the pseudo-label confidence threshold.',
    usedBy: { key: 'strategy', values: ['selftrain'] },  },
  selftrain_rounds: {
    schema: { type: 'integer', minimum: 0, maximum: 20 },
    description: 'selftrain: pseudo-labelling rounds, 0..20 (default 2); they share the second half of `epochs` (the first half is the warm-up on labelled rows).',
    default: 2,
    search: 'Search over self-training rounds.',
    usedBy: { key: 'strategy', values: ['selftrain'] },  },
  consistency_weight: {
    schema: { type: 'number', minimum: 0, maximum: 100 },
    description:
      'selftrain: weight of the consistency loss (agreement under input noise) on unlabelled rows, in [0, 100] (default 0: off).',
    default: 0,
    search: 'Search over the consistency-loss weight.',
    usedBy: { key: 'strategy', values: ['selftrain'] },  },
  consistency_noise: {
    schema: { type: 'number', minimum: 0, maximum: 1000 },
    description:
      'selftrain: std of the input noise for the consistency loss, in feature units (default 0.1).',
    default: 0.1,
    search: 'Search over the consistency noise.',
    usedBy: { key: 'strategy', values: ['selftrain'] },  },
  distill_temperature: {
    schema: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
    description: 'distill: softmax temperature of the soft targets, in (0, 100] (default 4).',
    default: 4,
    search: 'Search over the distillation temperature.',
    usedBy: { key: 'strategy', values: ['distill'] },  },
  distill_alpha: {
    schema: { type: 'number', minimum: 0, maximum: 1 },
    description:
      "distill: weight of the soft-target loss; the hard labels' loss gets 1 - alpha, in [0, 1] (default 0.7).",
    default: 0.7,
    search: 'Search over the distillation alpha.',
    usedBy: { key: 'strategy', values: ['distill'] },  },
  student_fraction: {
    schema: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    description:
      "distill: the student's hidden widths as a fraction of model.hidden (rounded, at least 1), in (0, 1] (default 0.5).",
    default: 0.5,
    search: "Search over the student's size.",
    usedBy: { key: 'strategy', values: ['distill'] },  },
  augment_noise: {
    schema: { type: 'number', minimum: 0, maximum: 1000 },
    description:
      'Any strategy: std of Gaussian noise added to every training input, in feature units (default 0: off).',
    default: 0,
    search: 'Search over input-noise augmentation.',  },
  mixup_alpha: {
    schema: { type: 'number', minimum: 0, maximum: 100 },
    description: 'Any strategy: mixup with lambda ~ Beta(alpha, alpha) per batch (default 0: off).',
    default: 0,
    search: 'Search over mixup.',  },
  fgsm_epsilon: {
    schema: { type: 'number', minimum: 0, maximum: 1000 },
    description:
      'Any strategy: FGSM attack size in feature units; > 0 reports fgsm_accuracy and mixes FGSM examples into training (see fgsm_ratio) (default 0: off).',
    default: 0,
    search: 'Search over the FGSM attack size.',  },
  fgsm_ratio: {
    schema: { type: 'number', minimum: 0, maximum: 1 },
    description:
      'Any strategy: share of the loss on FGSM examples when fgsm_epsilon > 0; 0 only evaluates under attack, in [0, 1] (default 0.5).',
    default: 0.5,
    search: 'Search over the share of FGSM examples.',  },
  pgd_steps: {
    schema: { type: 'integer', minimum: 0, maximum: 100 },
    description:
      'Any strategy with fgsm_epsilon > 0: PGD (Madry et al. 2018) with this many steps instead of FGSM: the adversarial training examples (share fgsm_ratio) are x moved by steps of 2.5 x fgsm_epsilon / pgd_steps along sign(dLoss/dx), clipped to the L-infinity ball of radius fgsm_epsilon around x after each step (no random start), and pgd_accuracy is reported under that attack next to fgsm_accuracy, 0..100 (default 0: FGSM only).',
    default: 0,
    search: 'Search over the PGD steps.',  },
  feature_selection: {
    schema: { type: 'string', enum: FEATURE_SELECTIONS },
    description:
      "Any strategy: keep the feature_k features with the highest variance or mutual information with the label, measured on the target's labelled rows (default none).",
    default: 'none',
    search: 'Search over feature selection.',  },
  feature_k: {
    schema: { type: 'integer', minimum: 1, maximum: 100000 },
    description: 'Any strategy: features kept by feature_selection (at most all of them) (default 32).',
    default: 32,
    search: 'Search over the number of features kept.',  },
  prune_sparsity: {
    schema: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
    description:
      'Any strategy: after training, zero this share of every kernel, smallest magnitudes first, in [0, 1) (default 0: off).',
    default: 0,
    search: 'Search over the pruning sparsity.',  },
  prune_epochs: {
    schema: { type: 'integer', minimum: 0, maximum: 1000 },
    description:
      "Any strategy with prune_sparsity: epochs of retraining on the target's labelled rows after pruning, pruned weights held at zero, 0..1000 (default 5).",
    default: 5,
    search: 'Search over retraining epochs after pruning.',  },
  quantize: {
    schema: { type: 'string', enum: QUANTIZATIONS },
    description:
      'Any strategy: after training, int8 post-training quantisation of the kernels (per output unit, symmetric) (default none).',
    default: 'none',
    search: 'Search over quantisation.',  },
  scaling: {
    schema: { type: 'string', enum: SCALINGS },
    description:
      "Any strategy: feature scaling inside the unit, fitted on the rows it trains on, never on validation or test rows: standard (zero mean, unit variance), minmax ([0, 1]) or none; scaled values are clipped to [-10, 10] (default standard; a study stored before this key existed keeps none).",
    default: 'none',
    studyDefault: 'standard',
    search: 'Search over feature scaling.',  },
  scaling_fit: {
    schema: { type: 'string', enum: SCALING_FITS },
    description:
      "Any strategy with scaling: pooled = statistics of every training row (the chosen sources and the target's labelled rows), target = the target's labelled rows only, per_task = each task scaled with its own statistics (default pooled).",
    default: 'pooled',
    search: 'Search over where the scaling statistics come from.',  },
  class_weight: {
    schema: { type: 'string', enum: CLASS_WEIGHTS },
    description:
      "Any strategy: balanced = every training row's loss weighted by rows / (classes x rows of its class), counted in the rows of each phase (the sources when pre-training, the target's labelled rows when fine-tuning; per task in multitask's joint training), so a rare class counts as much as a common one (scikit-learn's and Keras's class_weight balanced); none = every row 1 (default none).",
    default: 'none',
    search: 'Search over class weighting.',  },
  head: {
    schema: { type: 'string', enum: HEAD_PROTOCOLS },
    description:
      "finetune, selftrain, distill, align, dann, reptile: after pre-training, reinit = a fresh head for the target, keep = fine-tune the pre-trained head too (full fine-tuning; needs every source's labels among the target's, matched by value); with reptile, reinit also draws a fresh head for every inner run (only the layers below it are meta-learned) and keep meta-learns the head too (default reinit).",
    default: 'reinit',
    usedBy: { key: 'strategy', values: TRANSFER_STRATEGIES },
    search: 'Search over the transfer protocol of the head.',  },
  alignment: {
    schema: { type: 'string', enum: ALIGNMENTS },
    description:
      'align: the loss aligning the last hidden layer of source rows and unlabelled target rows during pre-training: coral = squared distance of their covariances / (4 d^2) (Sun and Saenko 2016), mmd = multi-kernel Gaussian maximum mean discrepancy (Long et al. 2015) (default coral).',
    default: 'coral',
    search: 'Search over the alignment loss.',
    usedBy: { key: 'strategy', values: ['align'] },  },
  alignment_weight: {
    schema: { type: 'number', minimum: 0, maximum: 1000 },
    description:
      "align: weight of the alignment loss; dann: weight of the reversed domain loss (times Ganin's schedule 2/(1+exp(-10 p)) - 1 over pre-training), in [0, 1000] (default 1; 0: plain finetune on the same rows).",
    default: 1,
    search: 'Search over the alignment weight.',
    usedBy: { key: 'strategy', values: ['align', 'dann'] },  },
  label_shift: {
    schema: { type: 'string', enum: LABEL_SHIFTS },
    description:
      "finetune, align, dann: bbse = black-box shift estimation (Lipton, Wang and Smola 2018): after the first half of pre-training (without a held-out 20% of the source rows), estimate the target's class priors from the model's confusion on the held-out source rows and the labelled target rows and its predictions on the unlabelled ones, then weight the source rows by target prior / source prior for the rest of pre-training (most useful with head keep); none = no correction (default none).",
    default: 'none',
    search: 'Search over label-shift correction.',
    usedBy: { key: 'strategy', values: ['finetune', 'align', 'dann'] },  },
  bss: {
    schema: { type: 'number', minimum: 0, maximum: 100 },
    description:
      "finetune, selftrain, distill, align, dann, reptile: batch spectral shrinkage (Chen et al. 2019): fine-tuning after transfer adds eta x the sum of the bss_k smallest squared singular values of each batch's last-hidden-layer feature matrix (adversarial copies included), in [0, 100] (default 0: off; the paper's eta is 0.001; no effect without transfer).",
    default: 0,
    search: 'Search over the BSS weight.',
    usedBy: { key: 'strategy', values: TRANSFER_STRATEGIES },  },
  bss_k: {
    schema: { type: 'integer', minimum: 1, maximum: 1024 },
    description: 'With bss > 0: how many of the smallest singular values BSS shrinks (at most the batch size and the last hidden width), 1..1024 (default 1, as in the paper).',
    default: 1,
    search: 'Search over the number of singular values BSS shrinks.',
    usedBy: { key: 'strategy', values: TRANSFER_STRATEGIES },  },
  pseudo_labels: {
    schema: { type: 'string', enum: PSEUDO_LABELS },
    description:
      "selftrain: confidence = every pool row whose top predicted probability reaches confidence_threshold, labelled with its argmax; clusters = k-means (k = the number of classes, k-means++ start) on the model's last hidden layer over the labelled and pool rows at each round, every pool row labelled with its cluster's majority label among the labelled rows (clusters without one label nothing) (default confidence).",
    default: 'confidence',
    search: 'Search over the source of pseudo-labels.',
    usedBy: { key: 'strategy', values: ['selftrain'] },  },
  lwf: {
    schema: { type: 'number', minimum: 0, maximum: 100 },
    description:
      "With head keep (finetune, selftrain without consistency_weight, distill's teacher, align, dann): LwF-style output distillation (Li and Hoiem 2016): the pre-trained model's outputs on the labelled target rows at temperature 2, recorded after pre-training, are soft targets while fine-tuning; the loss is (CE + lwf x 4 x KL) / (1 + lwf), in [0, 100] (default 0: off; no effect without transfer).",
    default: 0,
    search: 'Search over the LwF weight.',
    usedBy: { key: 'head', values: ['keep'] },  },
  reptile_inner_steps: {
    schema: { type: 'integer', minimum: 1, maximum: 1000 },
    description:
      "reptile (Nichol, Achiam and Schulman 2018): optimiser steps of each inner run, on batch_size rows of one source task drawn per outer iteration; the outer iterations are round(pretrain_epochs x the sources' rows / (reptile_inner_steps x batch_size)), at least 1, so meta-training sees as many source rows as finetune's pre-training, 1..1000 (default 5).",
    default: 5,
    search: 'Search over the inner steps of Reptile.',
    usedBy: { key: 'strategy', values: ['reptile'] },  },
  reptile_meta_lr: {
    schema: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    description:
      "reptile: the meta step size epsilon: after each inner run the meta-weights move epsilon x (adapted - meta) towards the adapted ones, epsilon annealed linearly from this value to 0 over the outer iterations (as in the paper), in (0, 1] (default 1, the paper's).",
    default: 1,
    search: 'Search over the meta step size of Reptile.',
    usedBy: { key: 'strategy', values: ['reptile'] },  },
};

/** The recipe keys whose study-file default differs from what their absence in a stored spec means. */
export const STUDY_DEFAULTS: Readonly<Partial<Recipe>> = Object.freeze(
  Object.fromEntries(
    Object.entries(RECIPE_KEY_TABLE as Readonly<Record<string, RecipeKeySpec<unknown>>>)
      .filter(([, row]) => row.studyDefault !== undefined)
      .map(([key, row]) => [key, row.studyDefault]),
  ),
);

export type RecipeKey = keyof Recipe;
export const RECIPE_KEYS = Object.keys(RECIPE_KEY_TABLE) as readonly RecipeKey[];

/** The recipe keys that may be left out (the strategy keys), with the value that then applies. */
export type OptionalRecipeKey = { [K in RecipeKey]-?: undefined extends Recipe[K] ? K : never }[RecipeKey];
export const OPTIONAL_RECIPE_KEYS = RECIPE_KEYS.filter((key) => RECIPE_KEY_TABLE[key].default !== undefined) as readonly OptionalRecipeKey[];

/** The values of the optional recipe keys when a recipe leaves them out. */
export const RECIPE_DEFAULTS = Object.freeze(
  Object.fromEntries(OPTIONAL_RECIPE_KEYS.map((key) => [key, RECIPE_KEY_TABLE[key].default])),
) as { readonly [K in OptionalRecipeKey]-?: NonNullable<Recipe[K]> };

/** A recipe with every key present. */
export type FullRecipe = Required<Recipe>;

/** The recipe with the defaults of the keys it leaves out. */
export function withRecipeDefaults(recipe: Recipe): FullRecipe {
  return { ...RECIPE_DEFAULTS, ...definedKeys(recipe) } as FullRecipe;
}

function definedKeys(recipe: Recipe): Partial<Recipe> {
  return Object.fromEntries(Object.entries(recipe).filter(([, v]) => v !== undefined)) as Partial<Recipe>;
}
