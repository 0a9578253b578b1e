// BSS: its closed-form feature gradient against finite differences of its penalty, and that
// fine-tuning with it shrinks the smallest singular values of the target's features.
import { beforeAll, describe, expect, it } from 'vitest';
import { bssGradient, bssPenalty } from '../../src/training/bss.js';
import { stackRefusal } from '../../src/training/stacked.js';
import { buildMlp } from '../../src/training/mlp.js';
import { symmetricEigen, matrix } from '../../src/metrics/linalg.js';
import { finetune } from '../../src/strategies/index.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { Rng } from '../../src/util/rng.js';
import { MODEL, familyTask, strategyInput } from '../strategies/helpers.js';
import type { LayerSnapshot } from '../../src/training/types.js';

/** The last hidden layer's tanh activations of `rows` rows under the snapshot's weights. */
function hidden(layers: readonly LayerSnapshot[], x: Float32Array, rows: number): { data: Float64Array; width: number } {
  let h = Float64Array.from(x);
  let width = x.length / rows;
  for (const layer of layers.slice(0, -1)) {
    const out = layer.bias.length;
    const next = new Float64Array(rows * out);
    for (let i = 0; i < rows; i++) {
      for (let o = 0; o < out; o++) {
        let v = layer.bias[o]!;
        for (let j = 0; j < width; j++) v += h[i * width + j]! * layer.kernel[j * out + o]!;
        next[i * out + o] = Math.tanh(v);
      }
    }
    h = next;
    width = out;
  }
  return { data: h, width };
}

beforeAll(async () => {
  await initBackend('wasm');
});

/** Squared singular values of an n x d matrix, ascending (the min(n, d) of them). */
function squaredSingularValues(data: ArrayLike<number>, n: number, d: number): number[] {
  const g = matrix(d, d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) g.data[a * d + b]! += data[i * d + a]! * data[i * d + b]!;
  return Array.from(symmetricEigen(g).values).slice(0, Math.min(n, d)).reverse();
}

describe('BSS', () => {
  it('the penalty is eta times the k smallest squared singular values, and its gradient matches finite differences', () => {
    const rng = new Rng(4);
    for (const [n, d, k] of [[7, 4, 1], [7, 4, 2], [3, 5, 2]] as const) {
      const f = Float64Array.from({ length: n * d }, () => rng.normal());
      const s2 = squaredSingularValues(f, n, d);
      expect(bssPenalty(f, n, d, 0.5, k)).toBeCloseTo(0.5 * s2.slice(0, k).reduce((a, b) => a + b, 0), 10);
      const g = tf.tidy(() => bssGradient(0.5, k)(tf, tf.tensor2d(Float32Array.from(f), [n, d])).dataSync());
      const h = 1e-5;
      for (let i = 0; i < f.length; i++) {
        const up = Float64Array.from(f);
        const down = Float64Array.from(f);
        up[i]! += h;
        down[i]! -= h;
        const numeric = (bssPenalty(up, n, d, 0.5, k) - bssPenalty(down, n, d, 0.5, k)) / (2 * h);
        expect(g[i]!, `n ${n} d ${d} k ${k} entry ${i}`).toBeCloseTo(numeric, 3);
      }
    }
    // Weight 0: no gradient, no tensors left behind.
    const before = tf.memory().numTensors;
    const zero = tf.tidy(() => Array.from(bssGradient(0, 1)(tf, tf.ones([3, 2])).dataSync()));
    expect(zero).toEqual([0, 0, 0, 0, 0, 0]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('does not stack: stacked training refuses a feature gradient, so a unit with bss trains alone', () => {
    const model = buildMlp(tf, { inputs: 16, numClasses: 4, spec: MODEL, dropout: 0, seed: 1 });
    const data = familyTask(1, 99, 20);
    const options = { phase: 'fine-tuning' as const, epochs: 1, batchSize: 8, optimizer: 'adam' as const, learningRate: 0.01, seed: 1, numClasses: 4 };
    expect(stackRefusal([{ model, data, options }])).toBeNull();
    expect(stackRefusal([{ model, data, options: { ...options, featureGradient: bssGradient(0.1, 1) } }])).toMatch(/feature gradient \(bss\)/);
    model.dispose();
  });

  it('fine-tuning with bss shrinks the smallest singular values of the target features; without transfer it is off', async () => {
    const source = familyTask(0.9, 10, 400);
    const train = familyTask(1, 99, 60);
    const validation = familyTask(1, 98, 300);
    // tanh: relu's dead units would make the smallest singular values 0 with or without BSS.
    const base = { ...strategyInput({ train, validation, sources: [source] }, { pretrain_epochs: 5, epochs: 15, freeze_layers: 0 }), model: { ...MODEL, activation: 'tanh' as const } };
    /** The k smallest squared singular values of the fine-tuned model's last hidden layer on `rows`, and their sum of all. */
    const spectrum = async (bss: number, sources = base.sources) => {
      let layers: readonly LayerSnapshot[] = [];
      const result = await finetune.run({
        ...base,
        sources,
        recipe: { ...base.recipe, bss, bss_k: 2 },
        observer: { onPhaseEnd: (phase, snapshot) => void (phase !== 'pre-training' && (layers = snapshot)) },
      });
      const h = hidden(layers, train.features, train.rows);
      const s2 = squaredSingularValues(h.data, train.rows, h.width);
      return { result, smallest: s2[0]! + s2[1]!, share: (s2[0]! + s2[1]!) / s2.reduce((x, y) => x + y, 0) };
    };
    const plain = await spectrum(0);
    const shrunk = await spectrum(0.2);
    // Measured: the two smallest squared singular values on the 60 labelled rows 1.84 -> 1.07 (their
    // share of the spectrum 0.26% -> 0.15%), accuracy 0.77 -> 0.76.
    expect(shrunk.smallest).toBeLessThan(plain.smallest * 0.75);
    expect(shrunk.share).toBeLessThan(plain.share * 0.75);
    expect(shrunk.result.metrics.accuracy).toBeGreaterThan(plain.result.metrics.accuracy - 0.05);
    // Without sources there is nothing transferred to shrink: the baseline is the plain one.
    const baselinePlain = await spectrum(0, []);
    const baselineBss = await spectrum(0.05, []);
    expect(baselineBss.result.metrics).toEqual(baselinePlain.result.metrics);
    // Through feature selection, pruning, int8 quantisation and export.
    const full = await finetune.run({
      ...base,
      recipe: { ...base.recipe, bss: 0.2, feature_selection: 'variance', feature_k: 10, prune_sparsity: 0.5, quantize: 'int8', epochs: 5 },
      artifact: true,
    });
    expect(full.extra).toMatchObject({ features: 10 });
    expect(full.extra!.nonzeros).toBeLessThan(full.extra!.params * 0.6);
    expect(full.metrics.accuracy).toBeGreaterThan(0.4); // 4 classes
    expect(full.artifact!.meta.recipe.bss).toBe(0.2);
  });
});
