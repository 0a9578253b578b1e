// The default transfer strategy: pre-train the MLP on the union of the chosen sources, re-initialise
// the head, freeze the first hidden layers and fine-tune on the target. Without sources it is the
// target-only baseline. Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML.
import { concatDatasets } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import { classificationMetrics } from '../metrics/classification.js';
import { mixSeed } from '../util/rng.js';
import type { EvaluatedModel } from '../worker/protocol.js';
import { buildMlp, freezeHidden, predictClasses, reinitHead, snapshotLayers, type Mlp } from './mlp.js';
import { trainMlp, type TrainStats } from './train-loop.js';
import type { Strategy, StrategyInput, TrainingPhase } from './types.js';

/**
 * Seed streams of one unit. The baseline uses the same model and fine-tuning streams as the transfer
 * run with the same seed, so the two differ only by what pre-training did.
 */
const STREAM_MODEL = 1;
const STREAM_PRETRAIN = 2;
const STREAM_HEAD = 3;
const STREAM_FINETUNE = 4;

/**
 * Transfer (sources given and pretrain_epochs > 0): pre-train on all sources' rows, draw a fresh head,
 * freeze the first `freeze_layers` hidden layers, fine-tune on the target's labelled rows. Otherwise
 * the target-only baseline: the same model trained from scratch on the target, nothing frozen.
 * Cost counts both phases; metrics are on the target's validation rows.
 */
export const finetune: Strategy = {
  name: 'finetune',
  async run(input: StrategyInput): Promise<EvaluatedModel> {
    const started = performance.now();
    const { tf, recipe, seed } = input;
    // With no pre-training epochs the sources would change nothing: that is the baseline too.
    const transfer = input.sources.length > 0 && recipe.pretrain_epochs > 0;
    const mlp = buildMlp(tf, {
      inputs: input.train.cols,
      numClasses: input.numClasses,
      spec: input.model,
      dropout: recipe.dropout,
      seed: mixSeed(seed, STREAM_MODEL),
    });
    try {
      const train = (
        phase: TrainingPhase,
        data: Dataset,
        epochs: number,
        stream: number,
        afterEpoch?: (epoch: number) => boolean,
      ): TrainStats => {
        const stats = trainMlp(tf, mlp, data, {
          afterEpoch,
          phase,
          epochs,
          batchSize: recipe.batch_size,
          optimizer: recipe.optimizer,
          learningRate: recipe.learning_rate,
          seed: mixSeed(seed, stream),
          numClasses: input.numClasses,
        });
        input.observer?.onPhaseEnd?.(phase, snapshotLayers(mlp));
        return stats;
      };
      let pre: TrainStats | null = null;
      if (transfer) {
        pre = train('pre-training', concatDatasets(input.sources), recipe.pretrain_epochs, STREAM_PRETRAIN);
        reinitHead(tf, mlp, mixSeed(seed, STREAM_HEAD));
        freezeHidden(mlp, recipe.freeze_layers);
      }
      const onTargetEpoch = input.onTargetEpoch;
      const fine = train(
        transfer ? 'fine-tuning' : 'target-only training',
        input.train,
        recipe.epochs,
        STREAM_FINETUNE,
        onTargetEpoch && ((epoch) => onTargetEpoch(epoch, () => evaluate(input, mlp))),
      );
      const metrics = evaluate(input, mlp);
      return {
        metrics,
        cost: {
          epochs: (pre?.epochs ?? 0) + fine.epochs,
          samples: (pre?.samples ?? 0) + fine.samples,
          ms: performance.now() - started,
        },
      };
    } finally {
      mlp.model.dispose();
    }
  },
};

function evaluate(input: StrategyInput, mlp: Mlp) {
  const predicted = predictClasses(input.tf, mlp, input.validation);
  return classificationMetrics(input.validation.labels, predicted, input.numClasses);
}
