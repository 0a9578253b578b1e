import { beforeAll, describe, expect, it } from 'vitest';
import { fgsmAccuracy } from '../../src/training/adversarial.js';
import { finetune } from '../../src/strategies/index.js';
import { buildMlp } from '../../src/training/mlp.js';
import { evaluateModel } from '../../src/strategies/pipeline.js';
import { trainModel } from '../../src/training/epoch-loop.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { MODEL, blobCentres, blobs, strategyInput } from '../strategies/helpers.js';

const centres = blobCentres(4, 8, 11, 1.5);
const train = blobs(centres, 4, 80, 1);
const validation = blobs(centres, 4, 400, 2);

beforeAll(async () => {
  await initBackend('wasm');
});

describe('FGSM', () => {
  it('training on FGSM examples raises the accuracy under attack', async () => {
    const base = strategyInput({ train, validation }, { epochs: 15, pretrain_epochs: 0 });
    const attackedOnly = await finetune.run({ ...base, recipe: { ...base.recipe, fgsm_epsilon: 0.6, fgsm_ratio: 0 } });
    const adversarial = await finetune.run({ ...base, recipe: { ...base.recipe, fgsm_epsilon: 0.6, fgsm_ratio: 0.5 } });
    const plain = await finetune.run(base);
    // fgsm_ratio 0 only measures: the model is the plain one.
    expect(attackedOnly.metrics).toEqual(plain.metrics);
    expect(plain.extra).not.toHaveProperty('fgsm_accuracy');
    expect(attackedOnly.extra!.fgsm_accuracy).toBeLessThan(attackedOnly.metrics.accuracy - 0.15);
    expect(adversarial.extra!.fgsm_accuracy).toBeGreaterThan(attackedOnly.extra!.fgsm_accuracy! + 0.03);
    // Clean accuracy does not pay for it on this easy task.
    expect(adversarial.metrics.accuracy).toBeGreaterThan(plain.metrics.accuracy - 0.03);
  });

  it('moves every feature by epsilon against the true label: epsilon 0 is the clean accuracy, larger is worse', () => {
    const mlp = buildMlp(tf, { inputs: 8, numClasses: 4, spec: MODEL, dropout: 0, seed: 2 });
    trainModel(mlp, train, { phase: 'fine-tuning', epochs: 10, batchSize: 16, optimizer: 'adam', learningRate: 0.01, seed: 3, numClasses: 4 });
    const before = tf.memory().numTensors;
    const clean = evaluateModel(mlp, validation, 4).accuracy;
    expect(fgsmAccuracy(tf, mlp, validation, 0)).toBe(clean);
    const weak = fgsmAccuracy(tf, mlp, validation, 0.3);
    const strong = fgsmAccuracy(tf, mlp, validation, 1.5);
    expect(weak).toBeLessThan(clean);
    expect(strong).toBeLessThan(weak);
    expect(Number.isNaN(fgsmAccuracy(tf, mlp, { ...validation, rows: 0 }, 0.3))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    mlp.model.dispose();
  });
});
