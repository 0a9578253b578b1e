// Self-training (pseudo-labelling; Lee 2013, with a confidence threshold as in FixMatch): train with
// transfer on the labelled target rows, then label the target's unlabelled pool with the model's
// confident predictions and keep training on both, round after round; optionally with consistency
// regularisation (agreement under input noise) on the pool. Worker side; gets tfjs passed in.
// Must not import the store, the CLI or YAML parsing.
import type { FullRecipe } from '../spec/recipe.js';
import { concatDatasets, holdOutUnlabelled } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import { mixSeed } from '../util/rng.js';
import { softmaxRows, type Consistency, type TrainableModel } from '../training/index.js';
import { bssOptions, buildUnitModel, l2spOptions, pretrainAndFinetune, transferLrScales } from './finetune.js';
import { defineStrategy, phaseOptions, trainPhase } from './pipeline.js';
import { clusterPseudoLabels } from './cluster-labels.js';

const STREAM_POOL = 7;
const STREAM_ROUND = 8;
const STREAM_CLUSTER = 9;

/**
 * The target's non-labelled rows are split (seeded, labels unseen) into an unlabelled pool
 * (unlabelled_fraction of them) and the rows the unit is measured on, so training never touches the
 * validation rows. The `epochs` target epochs are cut into a warm-up (the first half) and
 * selftrain_rounds equal segments: the warm-up trains on the labelled rows (after pre-training on
 * the sources, as finetune does), each round first pseudo-labels every pool row whose top probability reaches
 * confidence_threshold and then trains on labelled + pseudo-labelled rows, continuing from the
 * current weights. The baseline (no sources) runs the same rounds from a target-only start.
 */
export const selftrain = defineStrategy('selftrain', async (input, { recipe, evaluate, targetEpochs }) => {
  const { numClasses: classes } = input;
  const { unlabelled, validation } = holdOutUnlabelled(input.validation, recipe.unlabelled_fraction, mixSeed(input.seed, STREAM_POOL));
  const model = buildUnitModel(input, recipe);
  try {
    const bounds = segments(recipe.epochs, recipe.selftrain_rounds);
    const consistency: Consistency | undefined =
      recipe.consistency_weight > 0
        ? { pool: unlabelled.features, rows: unlabelled.rows, weight: recipe.consistency_weight, noise: recipe.consistency_noise }
        : undefined;
    const afterEpoch = targetEpochs.afterEpoch(() => evaluate(model, validation));
    const first = await pretrainAndFinetune(input, recipe, model, {
      seed: input.seed,
      epochs: bounds[1]!,
      afterEpoch,
      fineTuning: consistency ? { consistency } : {},
    });
    let epochs = (first.pre?.epochs ?? 0) + first.fine.epochs;
    let samples = (first.pre?.samples ?? 0) + first.fine.samples;
    let pseudo: PseudoLabels | null = null;
    for (let round = 1; round + 1 < bounds.length && !targetEpochs.stopped; round++) {
      pseudo =
        recipe.pseudo_labels === 'clusters'
          ? clusterPseudoLabels(first.transferred ? model : null, input.train, unlabelled, classes, mixSeed(input.seed, STREAM_CLUSTER, round))
          : pseudoLabel(model, unlabelled, classes, recipe);
      const data = pseudo.rows.rows > 0 ? concatDatasets([input.train, pseudo.rows]) : input.train;
      const stats = await trainPhase(input, model, data, {
        ...phaseOptions(input, recipe, 'self-training', bounds[round + 1]! - bounds[round]!, mixSeed(input.seed, STREAM_ROUND, round)),
        ...(first.transferred && recipe.transfer_lr_mult !== 1 ? { lrScales: transferLrScales(model, recipe) } : {}),
        ...l2spOptions(recipe, first.anchors),
        ...bssOptions(recipe, first.transferred),
        ...(afterEpoch ? { afterEpoch } : {}),
        ...(consistency ? { consistency } : {}),
      });
      epochs += stats.epochs;
      samples += stats.samples;
    }
    input.observer?.onPhaseEnd?.('self-training', model.snapshot());
    const extra: Record<string, number> = { unlabelled: unlabelled.rows, validation_rows: validation.rows };
    if (pseudo) {
      extra.pseudo_labelled = pseudo.rows.rows;
      if (pseudo.rows.rows > 0) extra.pseudo_label_accuracy = pseudo.correct / pseudo.rows.rows;
    }
    return { model, epochs, samples, validation, extra };
  } catch (error) {
    model.dispose();
    throw error;
  }
});

/**
 * Epoch boundaries [0, b_1, …, epochs]: the warm-up on labelled rows takes the first half (rounded
 * up: pseudo-labels are only as good as the model that makes them), the rounds share the rest
 * equally; rounds that would get no epoch are dropped.
 */
export function segments(epochs: number, rounds: number): number[] {
  const warmUp = Math.ceil(epochs / 2);
  const r = Math.max(0, Math.min(rounds, epochs - warmUp));
  if (r === 0) return [0, epochs];
  return [0, ...Array.from({ length: r + 1 }, (_, i) => warmUp + Math.floor((i * (epochs - warmUp)) / r))];
}

interface PseudoLabels {
  /** The pool rows whose top probability reached the threshold, labelled with their argmax. */
  readonly rows: Dataset;
  /** How many of them match the true label (a diagnostic: training never reads the truth). */
  readonly correct: number;
}

function pseudoLabel(model: TrainableModel, pool: Dataset, classes: number, recipe: FullRecipe): PseudoLabels {
  const probabilities = softmaxRows(model.predictLogits(pool), classes);
  const picked: number[] = [];
  const labels: number[] = [];
  for (let r = 0; r < pool.rows; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if ((probabilities[r * classes + k] as number) > (probabilities[r * classes + best] as number)) best = k;
    if ((probabilities[r * classes + best] as number) >= recipe.confidence_threshold) {
      picked.push(r);
      labels.push(best);
    }
  }
  const features = new Float32Array(picked.length * pool.cols);
  let correct = 0;
  picked.forEach((row, i) => {
    features.set(pool.features.subarray(row * pool.cols, (row + 1) * pool.cols), i * pool.cols);
    if (pool.labels[row] === labels[i]) correct += 1;
  });
  return {
    rows: { features, labels: Int32Array.from(labels), rows: picked.length, cols: pool.cols, numClasses: classes },
    correct,
  };
}
