import { beforeAll, describe, expect, it } from 'vitest';
import { loadCsv, splitTarget, type TargetSplit } from '../../src/data/index.js';
import { modelSize, pruneByMagnitude, quantizeInt8 } from '../../src/training/compression.js';
import { finetune, type LayerSnapshot } from '../../src/strategies/index.js';
import { buildMlp } from '../../src/training/mlp.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { DIGITS } from '../worker/units.js';
import { strategyInput } from '../strategies/helpers.js';

/** The digits MLP (64-128-64-10). */
const DIGITS_MODEL = { kind: 'mlp', hidden: [128, 64], activation: 'relu', dropout: 0 } as const;
const KERNELS = [64 * 128, 128 * 64, 64 * 10];
const BIASES = [128, 64, 10];
const PARAMS = 64 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10;

let split: TargetSplit;
beforeAll(async () => {
  await initBackend('wasm');
  split = splitTarget(loadCsv(DIGITS, 'label'), 600, 1);
});

function digitsInput(recipe: Parameters<typeof strategyInput>[1] = {}) {
  return strategyInput({ ...split, numClasses: 10, model: DIGITS_MODEL }, { learning_rate: 0.003, batch_size: 32, epochs: 10, ...recipe });
}

describe('compression', () => {
  it('80% magnitude pruning (with retraining) stays within 2 points, and the non-zero count is exact', async () => {
    let final: readonly LayerSnapshot[] = [];
    const observer = { onPhaseEnd: (_: unknown, layers: readonly LayerSnapshot[]) => (final = layers) };
    const pruned = await finetune.run({ ...digitsInput({ prune_sparsity: 0.8, prune_epochs: 10 }), observer });
    const extra = pruned.extra!;
    expect(pruned.metrics.accuracy).toBeGreaterThan(extra.uncompressed_accuracy! - 0.02);
    expect(extra.params).toBe(PARAMS);
    // Exactly floor(0.8 x size) weights of every kernel are zero, and held there by the retraining;
    // the reported count matches the final weights (biases are not pruned).
    final.forEach((layer, i) => expect(layer.kernel.filter((w) => w === 0), `kernel ${i}`).toHaveLength(Math.floor(0.8 * KERNELS[i]!)));
    const count = final.reduce((sum, l) => sum + [...l.kernel, ...l.bias].filter((w) => w !== 0).length, 0);
    expect(extra.nonzeros).toBe(count);
    const kept = KERNELS.reduce((sum, k) => sum + (k - Math.floor(0.8 * k)), 0);
    expect(count).toBeGreaterThan(kept + BIASES.reduce((a, b) => a + b) - 20);
    expect(extra.bytes).toBe(4 * PARAMS);
    // 10 retraining epochs on the 600 labelled rows are counted in the unit's cost.
    expect(pruned.cost).toMatchObject({ epochs: 20, samples: 600 * 20 });
  });

  it('int8 quantisation keeps the accuracy and needs about a quarter of the bytes', async () => {
    const int8 = await finetune.run(digitsInput({ quantize: 'int8' }));
    expect(int8.extra!.params).toBe(PARAMS);
    expect(Math.abs(int8.metrics.accuracy - int8.extra!.uncompressed_accuracy!)).toBeLessThanOrEqual(0.01);
    // int8 kernels plus one float32 scale per output unit and float32 biases.
    const bytes = KERNELS.reduce((a, b) => a + b) + 8 * BIASES.reduce((a, b) => a + b);
    expect(int8.extra!.bytes).toBe(bytes);
    expect(bytes / (4 * PARAMS)).toBeGreaterThan(0.25);
    expect(bytes / (4 * PARAMS)).toBeLessThan(0.28);
  });

  it('quantises each output unit to 255 levels of max |w| / 127, and prunes ties by index', () => {
    const mlp = buildMlp(tf, { inputs: 3, numClasses: 2, spec: { ...DIGITS_MODEL, hidden: [2] }, dropout: 0, seed: 1 });
    tf.tidy(() => mlp.dense[0]!.kernel.assign(tf.tensor2d([[1, -0.5], [0.3, 0.25], [-0.01, 0.25]])));
    // floor(0.4 x 6) = 2: 0.01, then the first of the two 0.25s.
    const masks = pruneByMagnitude(tf, mlp, 0.4);
    expect([...mlp.dense[0]!.kernel.dataSync()]).toEqual([1, -0.5, 0.3, 0, 0, 0.25].map(Math.fround));
    expect([...masks[0]!]).toEqual([1, 1, 1, 0, 0, 1]);
    expect(masks[1]!.filter((m) => m === 0)).toHaveLength(Math.floor(0.4 * 4));
    tf.tidy(() => mlp.dense[0]!.kernel.assign(tf.tensor2d([[1, -0.5], [0.3, 0.25], [-0.01, 0.2]])));
    quantizeInt8(tf, mlp);
    const q = mlp.dense[0]!.kernel.dataSync();
    const scale0 = 1 / 127;
    expect(q[2]).toBeCloseTo(Math.round(0.3 / scale0) * scale0, 6);
    expect(q[4]).toBeCloseTo(-1 * scale0, 6);
    expect(q[5]).toBeCloseTo(Math.round((0.2 * 127) / 0.5) * (0.5 / 127), 6);
    // Non-zeros: the 6 reassigned first-layer weights, 3 of the pruned head kernel; biases start at 0.
    expect(modelSize(mlp, true)).toEqual({ params: 3 * 2 + 2 + 2 * 2 + 2, nonzeros: 9, bytes: 6 + 8 * 2 + 4 + 8 * 2 });
    mlp.model.dispose();
  });
});
