import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import type { Activation } from '../../src/config/types.js';
import { buildMlp, freezeHidden, type Mlp } from '../../src/strategies/mlp.js';
import { forwardBackward, trainMlp, type LayerWeights, type LoopConstants } from '../../src/strategies/train-loop.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { Rng } from '../../src/util/rng.js';
import { MODEL, blobCentres, blobs } from './helpers.js';

let constants: LoopConstants;
beforeAll(async () => {
  await initBackend('wasm');
  constants = { zero: tf.scalar(0), one: tf.scalar(1) };
});
afterAll(() => tf.dispose([constants.zero, constants.one]));

const N = 6;
const COLS = 5;
const CLASSES = 3;

function mlpWith(activation: Activation, dropout: number): Mlp {
  return buildMlp(tf, { inputs: COLS, numClasses: CLASSES, spec: { ...MODEL, hidden: [7, 4], activation }, dropout, seed: 3 });
}

/** The model's own variables as the weights of a pass (frozen layers return no gradients). */
function weightsOf(mlp: Mlp): LayerWeights[] {
  return mlp.dense.map((d) => ({
    kernel: d.kernel as tfjs.Tensor2D,
    bias: d.bias as tfjs.Tensor1D,
    trainable: d.layer.trainable,
  }));
}

function randomBatch(seed: number): { x: Float32Array; y: Float32Array; masks: (Float32Array | null)[] } {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: N * COLS }, () => rng.normal());
  const y = new Float32Array(N * CLASSES);
  for (let i = 0; i < N; i++) y[i * CLASSES + (i % CLASSES)] = 1;
  const mask = (units: number) => Float32Array.from({ length: N * units }, () => (rng.next() < 0.3 ? 0 : 1 / 0.7));
  return { x, y, masks: [mask(7), mask(4), null] };
}

/** The same network written with plain tfjs ops, differentiated by tfjs' autodiff. */
function referenceLoss(mlp: Mlp, x: tfjs.Tensor2D, y: tfjs.Tensor2D, masks: (Float32Array | null)[]): tfjs.Scalar {
  let h: tfjs.Tensor2D = x;
  mlp.dense.forEach((d, i) => {
    const z = tf.add(tf.matMul(h, d.kernel as tfjs.Tensor2D), d.bias) as tfjs.Tensor2D;
    if (i === mlp.dense.length - 1) {
      h = z;
      return;
    }
    const a = { relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid, elu: tf.elu }[mlp.activation](z) as tfjs.Tensor2D;
    const mask = masks[i];
    h = mask ? tf.mul(a, tf.tensor2d(mask, a.shape)) : a;
  });
  return tf.losses.softmaxCrossEntropy(y, h) as tfjs.Scalar;
}

describe('forwardBackward', () => {
  for (const activation of ['relu', 'tanh', 'sigmoid', 'elu'] as const) {
    it(`matches tfjs autodiff for ${activation} with dropout masks`, () => {
      const mlp = mlpWith(activation, 0.3);
      const { x, y, masks } = randomBatch(5);
      tf.tidy(() => {
        const xt = tf.tensor2d(x, [N, COLS]);
        const yt = tf.tensor2d(y, [N, CLASSES]);
        const ours = forwardBackward(tf, weightsOf(mlp), mlp.activation, xt, yt, masks, constants);
        const variables = mlp.dense.flatMap((d) => [d.kernel, d.bias]);
        const reference = tf.variableGrads(() => referenceLoss(mlp, xt, yt, masks), variables);
        expect(-(ours.sumLogLikelihood.dataSync()[0] as number) / N).toBeCloseTo(reference.value.dataSync()[0] as number, 5);
        expect(ours.grads).toHaveLength(variables.length);
        ours.grads.forEach((g, i) => {
          const expected = reference.grads[variables[i]!.name]!;
          expect(g.shape).toEqual(expected.shape);
          const diff = tf.max(tf.abs(tf.sub(g, expected))).dataSync()[0] as number;
          expect(diff, `gradient ${i}`).toBeLessThan(1e-5);
        });
      });
      mlp.model.dispose();
    });
  }

  it('returns gradients of the trainable layers only when the first layers are frozen', () => {
    const mlp = mlpWith('relu', 0);
    freezeHidden(mlp, 1);
    const { x, y } = randomBatch(6);
    tf.tidy(() => {
      const xt = tf.tensor2d(x, [N, COLS]);
      const yt = tf.tensor2d(y, [N, CLASSES]);
      const ours = forwardBackward(tf, weightsOf(mlp), mlp.activation, xt, yt, [null, null, null], constants);
      const variables = mlp.dense.slice(1).flatMap((d) => [d.kernel, d.bias]);
      const reference = tf.variableGrads(() => referenceLoss(mlp, xt, yt, [null, null, null]), variables);
      expect(ours.grads.map((g) => g.shape)).toEqual(variables.map((v) => v.shape));
      ours.grads.forEach((g, i) => {
        const diff = tf.max(tf.abs(tf.sub(g, reference.grads[variables[i]!.name]!))).dataSync()[0] as number;
        expect(diff).toBeLessThan(1e-5);
      });
    });
    mlp.model.dispose();
  });
});

describe('trainMlp', () => {
  const centres = blobCentres(CLASSES, COLS, 9);
  const data = blobs(centres, CLASSES, 90, 1);
  const options = {
    phase: 'fine-tuning' as const,
    epochs: 5,
    batchSize: 16,
    optimizer: 'adam' as const,
    learningRate: 0.01,
    seed: 1,
    numClasses: CLASSES,
  };

  it('lowers the loss and counts epochs and rows, including a partial last batch', () => {
    const mlp = mlpWith('relu', 0);
    const first = trainMlp(tf, mlp, data, { ...options, epochs: 1 });
    const later = trainMlp(tf, mlp, data, { ...options, epochs: 10 });
    expect(later.loss).toBeLessThan(first.loss);
    expect(later).toMatchObject({ epochs: 10, samples: 900 });
    mlp.model.dispose();
  });

  it('does nothing for zero epochs', () => {
    const mlp = mlpWith('relu', 0);
    expect(trainMlp(tf, mlp, data, { ...options, epochs: 0 })).toMatchObject({ epochs: 0, samples: 0 });
    mlp.model.dispose();
  });

  it('rejects data with another feature count', () => {
    const mlp = mlpWith('relu', 0);
    const wide = blobs(blobCentres(CLASSES, COLS + 1, 1), CLASSES, 10, 1);
    expect(() => trainMlp(tf, mlp, wide, options)).toThrow('the data has 6 features but the model expects 5');
    mlp.model.dispose();
  });

  it('names the epoch and phase where the loss stopped being finite, and frees every tensor', () => {
    const mlp = mlpWith('relu', 0.2);
    const before = tf.memory().numTensors;
    // A NaN in the head poisons the first batch's loss: deterministic on every backend.
    tf.tidy(() => mlp.dense[2]!.bias.assign(tf.fill([CLASSES], Number.NaN)));
    expect(() => trainMlp(tf, mlp, data, { ...options, phase: 'pre-training' })).toThrow(
      'loss became NaN at epoch 1 of pre-training',
    );
    expect(tf.memory().numTensors).toBe(before);
    mlp.model.dispose();
  });

  it('catches a non-finite weight that the loss does not show', () => {
    const mlp = mlpWith('relu', 0);
    // relu(NaN) is 0 on wasm, so a NaN hidden bias can leave the loss finite.
    tf.tidy(() => mlp.dense[1]!.bias.assign(tf.fill([4], Number.NaN)));
    expect(() => trainMlp(tf, mlp, data, options)).toThrow(
      /^(loss became NaN|weights became non-finite) at epoch 1 of fine-tuning$/,
    );
    mlp.model.dispose();
  });
});
