// Weight decay and L2-SP through the model interface (TrainerOptions.weightDecay, .l2sp, .anchors),
// on the cpu backend (the tfjs-ops optimizers) and on wasm (the fused Adam kernel): decay acts on
// kernels only, decoupled from the gradient; L2-SP holds anchored kernels and leaves the others free.
import { describe, expect, it } from 'vitest';
import type { OptimizerName } from '../../src/spec/recipe.js';
import type { BackendName } from '../../src/spec/units.js';
import { buildModel, trainModel, type LayerSnapshot, type TrainOptions } from '../../src/training/index.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { blobCentres, blobs } from '../strategies/helpers.js';

const CLASSES = 3;
const data = blobs(blobCentres(CLASSES, 5, 11), CLASSES, 48, 1);
const SPEC = { kind: 'mlp', hidden: [12, 8], activation: 'relu', dropout: 0 } as const;
const LR = 0.05;

/** Trains a fresh model (same seed every time) and returns its weights before and after. */
function train(optimizer: OptimizerName, extra: Partial<TrainOptions>, epochs = 1, batchSize = data.rows): { start: LayerSnapshot[]; end: LayerSnapshot[] } {
  const model = buildModel(tf, { inputs: 5, numClasses: CLASSES, spec: SPEC, dropout: 0, seed: 2 });
  try {
    const start = model.snapshot();
    trainModel(model, data, { phase: 'fine-tuning', epochs, batchSize, optimizer, learningRate: LR, seed: 3, numClasses: CLASSES, ...extra });
    return { start, end: model.snapshot() };
  } finally {
    model.dispose();
  }
}

const norm = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

describe.each(['cpu', 'wasm'] as readonly BackendName[])('regularisation on %s', (backend) => {
  for (const optimizer of ['adam', 'sgd', 'rmsprop'] as const) {
    it(`${optimizer}: one step with weight decay is the plain step minus lr x rate x w on kernels; biases step exactly as without`, async () => {
      await initBackend(backend);
      const rate = 0.4;
      const plain = train(optimizer, {});
      const decayed = train(optimizer, { weightDecay: rate });
      decayed.end.forEach((layer, i) => {
        expect(Array.from(layer.bias), `bias ${i}`).toEqual(Array.from(plain.end[i]!.bias));
        const start = plain.start[i]!.kernel;
        const expected = plain.end[i]!.kernel.map((w, j) => w - LR * rate * (start[j] as number));
        expect(maxDiff(layer.kernel, expected), `kernel ${i}`).toBeLessThan(1e-6);
        expect(maxDiff(layer.kernel, plain.end[i]!.kernel), `kernel ${i} decays`).toBeGreaterThan(1e-4);
      });
    });
  }

  it('weight decay shrinks every kernel over a run against the same run without it', async () => {
    await initBackend(backend);
    const plain = train('adam', {}, 20, 8);
    const decayed = train('adam', { weightDecay: 0.5 }, 20, 8);
    decayed.end.forEach((layer, i) => expect(norm(layer.kernel), `kernel ${i}`).toBeLessThan(0.9 * norm(plain.end[i]!.kernel)));
  });

  it('L2-SP at a huge weight holds the anchored kernels; a layer without an anchor trains freely', async () => {
    await initBackend(backend);
    const model = buildModel(tf, { inputs: 5, numClasses: CLASSES, spec: SPEC, dropout: 0, seed: 2 });
    const anchors = model.snapshot().map((layer, i) => (i < 2 ? layer.kernel : null));
    model.dispose();
    const free = train('adam', {}, 10, 8);
    const held = train('adam', { l2sp: 100, anchors }, 10, 8);
    for (const i of [0, 1]) {
      expect(maxDiff(free.end[i]!.kernel, anchors[i]!), `free kernel ${i}`).toBeGreaterThan(0.1);
      // Adam steps by about the learning rate whatever the gradient: held within half a step of w0.
      expect(maxDiff(held.end[i]!.kernel, anchors[i]!), `held kernel ${i}`).toBeLessThan(LR / 2);
    }
    expect(maxDiff(held.end[2]!.kernel, held.start[2]!.kernel)).toBeGreaterThan(0.1);
    // Anchors or a weight alone do nothing; so does l2sp 0.
    for (const extra of [{ anchors }, { l2sp: 100 }, { l2sp: 0, anchors }]) {
      expect(train('adam', extra, 2, 8).end).toEqual(train('adam', {}, 2, 8).end);
    }
  });
});
