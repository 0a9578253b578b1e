import { beforeAll, describe, expect, it } from 'vitest';
import type { Recipe } from '../../src/spec/recipe.js';
import { NonFiniteLossError } from '../../src/errors.js';
import { finetune, type LayerSnapshot, type StrategyInput, type TrainingPhase } from '../../src/strategies/index.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { MODEL, RECIPE, blobCentres, blobs } from './helpers.js';

const CLASSES = 4;
const COLS = 8;
const centres = blobCentres(CLASSES, COLS, 11);
// The target: few labelled rows; the sources: plenty of rows of the same family (related tasks).
const train = blobs(centres, CLASSES, 40, 1);
const validation = blobs(centres, CLASSES, 200, 2);
const sources = [blobs(centres, CLASSES, 300, 3), blobs(centres, CLASSES, 200, 4)];

function input(overrides: Partial<StrategyInput> = {}, recipe: Partial<Recipe> = {}): StrategyInput {
  return {
    tf,
    sources,
    train,
    validation,
    numClasses: CLASSES,
    model: MODEL,
    recipe: { ...RECIPE, ...recipe },
    seed: 42,
    ...overrides,
  };
}

/** Runs with an observer and returns the weight snapshots taken at the end of each phase. */
async function phases(base: StrategyInput): Promise<Map<TrainingPhase, readonly LayerSnapshot[]>> {
  const seen = new Map<TrainingPhase, readonly LayerSnapshot[]>();
  await finetune.run({ ...base, observer: { onPhaseEnd: (phase, layers) => seen.set(phase, layers) } });
  return seen;
}

beforeAll(async () => {
  expect(await initBackend('wasm')).toBe('wasm');
});

describe('finetune', () => {
  it('learns well above chance, with and without sources', async () => {
    const transfer = await finetune.run(input());
    const baseline = await finetune.run(input({ sources: [] }));
    expect(transfer.metrics.accuracy).toBeGreaterThan(0.8);
    expect(baseline.metrics.accuracy).toBeGreaterThan(0.8);
    expect(transfer.metrics.confusion.flat().reduce((a, b) => a + b, 0)).toBe(validation.rows);
  });

  it('counts epochs and rows over pre-training and fine-tuning', async () => {
    const transfer = await finetune.run(input());
    expect(transfer.cost.epochs).toBe(RECIPE.pretrain_epochs + RECIPE.epochs);
    expect(transfer.cost.samples).toBe(500 * RECIPE.pretrain_epochs + 40 * RECIPE.epochs);
    expect(transfer.cost.ms).toBeGreaterThan(0);
    const baseline = await finetune.run(input({ sources: [] }));
    expect(baseline.cost).toMatchObject({ epochs: RECIPE.epochs, samples: 40 * RECIPE.epochs });
  });

  it('reports every target epoch to onTargetEpoch and stops early when it says so', async () => {
    const seen: { epoch: number; accuracy: number }[] = [];
    const stopped = await finetune.run(
      input({
        onTargetEpoch: (epoch, evaluate) => {
          seen.push({ epoch, accuracy: evaluate().accuracy });
          return epoch < 4;
        },
      }),
    );
    expect(seen.map((s) => s.epoch)).toEqual([1, 2, 3, 4]);
    // Stopped after epoch 4: cost counts 4 fine-tuning epochs, metrics are the model's at that point.
    expect(stopped.cost.epochs).toBe(RECIPE.pretrain_epochs + 4);
    expect(stopped.cost.samples).toBe(500 * RECIPE.pretrain_epochs + 40 * 4);
    expect(stopped.metrics.accuracy).toBe(seen[3]!.accuracy);
    // Observing without stopping changes nothing.
    let calls = 0;
    const observed = await finetune.run(input({ onTargetEpoch: () => (calls++, true) }));
    expect(calls).toBe(RECIPE.epochs);
    expect(observed.metrics).toEqual((await finetune.run(input())).metrics);
  });

  it('gives identical metrics for the same input, dropout included', async () => {
    const same = input({}, { dropout: 0.3 });
    const a = await finetune.run(same);
    const b = await finetune.run(same);
    expect(b.metrics).toEqual(a.metrics);
    const wa = await phases(same);
    const wb = await phases(same);
    expect(wb.get('fine-tuning')).toEqual(wa.get('fine-tuning'));
  });

  it('gives different weights for different seeds and with dropout', async () => {
    const final = async (base: StrategyInput) => (await phases(base)).get('fine-tuning')!;
    const reference = await final(input());
    expect(await final(input({ seed: 43 }))).not.toEqual(reference);
    expect(await final(input({}, { dropout: 0.3 }))).not.toEqual(reference);
  });

  it('keeps frozen layers at their pre-trained weights and trains the rest', async () => {
    const seen = await phases(input({}, { freeze_layers: 1 }));
    const pre = seen.get('pre-training')!;
    const fine = seen.get('fine-tuning')!;
    expect(fine.map((l) => l.trainable)).toEqual([false, true, true]);
    expect(fine[0]!.kernel).toEqual(pre[0]!.kernel);
    expect(fine[0]!.bias).toEqual(pre[0]!.bias);
    expect(fine[1]!.kernel).not.toEqual(pre[1]!.kernel);
    expect(fine[2]!.kernel).not.toEqual(pre[2]!.kernel);

    const none = (await phases(input({}, { freeze_layers: 0 }))).get('fine-tuning')!;
    expect(none.map((l) => l.trainable)).toEqual([true, true, true]);
    expect(none[0]!.kernel).not.toEqual(pre[0]!.kernel);
  });

  it('trains from scratch without sources or without pre-training epochs', async () => {
    const noSources = await phases(input({ sources: [] }));
    expect([...noSources.keys()]).toEqual(['target-only training']);
    const noEpochs = await phases(input({}, { pretrain_epochs: 0 }));
    expect([...noEpochs.keys()]).toEqual(['target-only training']);
    expect(noEpochs.get('target-only training')).toEqual(noSources.get('target-only training'));
  });

  it('runs every optimizer and activation', async () => {
    for (const optimizer of ['adam', 'sgd', 'rmsprop'] as const) {
      for (const activation of ['relu', 'tanh', 'sigmoid', 'elu'] as const) {
        const lr = optimizer === 'sgd' ? 0.1 : 0.01;
        const result = await finetune.run(
          input({ model: { ...MODEL, activation } }, { optimizer, learning_rate: lr, epochs: 20 }),
        );
        expect(result.metrics.accuracy, `${optimizer}/${activation}`).toBeGreaterThan(0.6);
      }
    }
  });

  it('throws NonFiniteLossError when training diverges, and frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const diverging = input({}, { optimizer: 'sgd', learning_rate: 1e6 });
    await expect(finetune.run(diverging)).rejects.toThrow(NonFiniteLossError);
    await expect(finetune.run(diverging)).rejects.toThrow(/^loss became (NaN|Infinity) at epoch \d+ of pre-training$/);
    await expect(finetune.run({ ...diverging, sources: [] })).rejects.toThrow(
      /^(loss|weights) became .* of target-only training$/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaves no tensor behind', async () => {
    await finetune.run(input({}, { dropout: 0.2 })); // warm-up: tfjs may cache tensors on first use
    const before = tf.memory().numTensors;
    await finetune.run(input({}, { dropout: 0.2 }));
    await finetune.run(input({ sources: [] }));
    expect(tf.memory().numTensors).toBe(before);
  });
});
