// The CNN on real images: the digits (8x8x1). It learns; against an MLP of about the same parameter
// count on rotated digits it is compared per seed (the figures are in docs/benchmarks.md); every
// strategy trains it; pruning per kernel and int8 keep its accuracy; its export loads in tfjs and
// predicts what the unit measured. Real training on wasm, no mocks.
import { beforeAll, describe, expect, it } from 'vitest';
import { applyTransform, loadCsv, splitTarget, type Dataset, type TargetSplit } from '../../src/data/index.js';
import { classificationMetrics } from '../../src/metrics/classification.js';
import type { CnnSpec, MlpSpec } from '../../src/spec/study.js';
import { getStrategy, type StrategyInput } from '../../src/strategies/index.js';
import { buildModel, trainModel } from '../../src/training/index.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { strategyInput } from '../strategies/helpers.js';
import { DIGITS } from '../worker/units.js';

/** 3,658 parameters: conv 8 and 16 (3x3, pooled), dense 32, head 10. */
const CNN: CnnSpec = {
  kind: 'cnn',
  input_shape: [8, 8, 1],
  conv: [
    { filters: 8, kernel: 3, stride: 1, pool: 2 },
    { filters: 16, kernel: 3, stride: 1, pool: 2 },
  ],
  hidden: [32],
  activation: 'relu',
  dropout: 0,
};
/** 3,610 parameters: 64-48-10. */
const MLP: MlpSpec = { kind: 'mlp', hidden: [48], activation: 'relu', dropout: 0 };

/** Pixel values 0..16 to 0..1. */
const unit = (ds: Dataset): Dataset => ({ ...ds, features: ds.features.map((v) => v / 16) });

let digits: Dataset;
let rotated: TargetSplit;
beforeAll(async () => {
  await initBackend('wasm');
  digits = unit(loadCsv(DIGITS, 'label'));
  rotated = splitTarget(applyTransform(digits, { kind: 'rotate', degrees: 30 }), 300, 1);
});

function accuracyOf(spec: CnnSpec | MlpSpec, split: TargetSplit, seed: number): { accuracy: number; params: number } {
  const model = buildModel(tf, { inputs: 64, numClasses: 10, spec, dropout: 0, seed });
  try {
    trainModel(model, split.train, { phase: 'target-only training', epochs: 40, batchSize: 32, optimizer: 'adam', learningRate: 0.01, seed, numClasses: 10 });
    return { accuracy: classificationMetrics(split.validation.labels, model.predictClasses(split.validation), 10).accuracy, params: model.parameterCount() };
  } finally {
    model.dispose();
  }
}

describe('the CNN on the digits', () => {
  it('learns rotated digits from 300 rows, and beats the MLP of about its size on every seed', () => {
    const seeds = [1, 2, 3];
    const cnn = seeds.map((s) => accuracyOf(CNN, rotated, s));
    const mlp = seeds.map((s) => accuracyOf(MLP, rotated, s));
    expect(cnn[0]!.params).toBe(3658);
    expect(mlp[0]!.params).toBe(3610);
    for (const [i, c] of cnn.entries()) {
      expect(c.accuracy, `cnn seed ${seeds[i]}`).toBeGreaterThan(0.93);
      // Measured on wasm (deterministic per backend): 0.958/0.963/0.951 against 0.937/0.949/0.939 (seed 3
      // was 0.952 before the heap kernels of conv-pool-kernel.ts: other float32 sums, same learning).
      // With 100 labelled rows the MLP is ahead instead (docs/benchmarks.md): not asserted here.
      expect(c.accuracy, `seed ${seeds[i]}: cnn against mlp`).toBeGreaterThan(mlp[i]!.accuracy);
    }
  });

  const input = (recipe: Parameters<typeof strategyInput>[1]): StrategyInput => {
    const source = splitTarget(digits, 600, 2).train;
    return strategyInput(
      { ...rotated, numClasses: 10, model: CNN, sources: [source] },
      { learning_rate: 0.01, batch_size: 32, pretrain_epochs: 5, epochs: 10, freeze_layers: 1, ...recipe },
    );
  };

  for (const strategy of ['finetune', 'multitask', 'selftrain', 'distill', 'align', 'dann', 'reptile'] as const) {
    it(`trains under ${strategy} (transfer from unrotated digits, the first conv block frozen)`, async () => {
      const result = await getStrategy(strategy).run(input({ strategy }));
      // distill's figure is its student's: half the filters and widths, 10 epochs (0.77 measured).
      expect(result.metrics.accuracy).toBeGreaterThan(strategy === 'distill' ? 0.7 : 0.85);
      if (strategy === 'distill') expect(result.extra!.params).toBeLessThan(result.extra!.teacher_params!);
    });
  }

  it('the transfer protocol works per layer: transfer_lr_mult, L2-SP anchors, a kept head; FGSM and mixup train it too', async () => {
    const kept = await getStrategy('finetune').run(input({ transfer_lr_mult: 0.3, l2sp: 0.1, head: 'keep', freeze_layers: 2 }));
    expect(kept.metrics.accuracy).toBeGreaterThan(0.85);
    const robust = await getStrategy('finetune').run(input({ fgsm_epsilon: 0.05, fgsm_ratio: 0.5, mixup_alpha: 0.2 }));
    expect(robust.metrics.accuracy).toBeGreaterThan(0.8);
    expect(robust.extra!.fgsm_accuracy).toBeGreaterThan(0.3);
    expect(robust.extra!.fgsm_accuracy).toBeLessThanOrEqual(robust.metrics.accuracy);
  });

  it('pruning per kernel (retrained) and int8 keep the accuracy; sizes count conv kernels too', async () => {
    const pruned = await getStrategy('finetune').run(input({ prune_sparsity: 0.5, prune_epochs: 5 }));
    expect(pruned.metrics.accuracy).toBeGreaterThan(pruned.extra!.uncompressed_accuracy! - 0.03);
    expect(pruned.extra!.params).toBe(3658);
    const kernels = [9 * 8, 9 * 8 * 16, 64 * 32, 32 * 10];
    const pruneable = kernels.reduce((n, k) => n + Math.floor(0.5 * k), 0);
    expect(pruned.extra!.nonzeros).toBeLessThanOrEqual(3658 - pruneable);
    const int8 = await getStrategy('finetune').run(input({ quantize: 'int8' }));
    expect(Math.abs(int8.metrics.accuracy - int8.extra!.uncompressed_accuracy!)).toBeLessThanOrEqual(0.01);
    // int8 kernels, a float32 scale per output unit (filters for conv kernels), float32 biases.
    const biases = [8, 16, 32, 10];
    expect(int8.extra!.bytes).toBe(kernels.reduce((a, b) => a + b) + 8 * biases.reduce((a, b) => a + b));
  });

  it('exports a TF.js Layers model that loads and predicts what the unit measured', async () => {
    for (const recipe of [{}, { quantize: 'int8' as const, prune_sparsity: 0.3, prune_epochs: 2 }]) {
      const result = await getStrategy('finetune').run({ ...input(recipe), artifact: true });
      const artifact = result.artifact!;
      expect(artifact.meta.kind).toBe('cnn');
      const layers = await tf.loadLayersModel({
        load: async () => ({
          modelTopology: artifact.topology as object,
          weightSpecs: artifact.weightSpecs.map((s) => ({ ...s, shape: [...s.shape] })),
          weightData: artifact.weights.slice().buffer,
        }),
      });
      try {
        const { validation } = rotated;
        const probabilities = tf.tidy(() => (layers.predict(tf.tensor2d(validation.features, [validation.rows, 64])) as ReturnType<typeof tf.tensor2d>).argMax(1).dataSync());
        const predicted = Int32Array.from(probabilities);
        const accuracy = classificationMetrics(validation.labels, predicted, 10).accuracy;
        // Float32: the unit's own figure; int8 re-quantised per tensor by TF.js's uint8 format: within a point.
        if (recipe.quantize === undefined) expect(accuracy).toBeCloseTo(result.metrics.accuracy, 10);
        else expect(Math.abs(accuracy - result.metrics.accuracy)).toBeLessThan(0.01);
      } finally {
        layers.dispose();
      }
    }
  });
});
