import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import type { Activation } from '../../src/spec/study.js';
import { buildMlp, type Mlp } from '../../src/training/mlp.js';
import { trainModel } from '../../src/training/epoch-loop.js';
import { forwardBackward, rowLogLikelihood, type LayerWeights, type LoopConstants } from '../../src/training/forward-backward.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { Rng, mixSeed } from '../../src/util/rng.js';
import { MODEL, blobCentres, blobs } from '../strategies/helpers.js';

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
        const ours = forwardBackward(tf, weightsOf(mlp), mlp.activation, xt, { y: yt, scale: tf.scalar(1 / N) }, masks, constants);
        const variables = mlp.dense.flatMap((d) => [d.kernel, d.bias]);
        const reference = tf.variableGrads(() => referenceLoss(mlp, xt, yt, masks), variables);
        const loss = -rowLogLikelihood(y, ours.probabilities.dataSync() as Float32Array, CLASSES).reduce((a, b) => a + b) / N;
        expect(loss).toBeCloseTo(reference.value.dataSync()[0] as number, 5);
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
    mlp.freezeBody(1);
    const { x, y } = randomBatch(6);
    tf.tidy(() => {
      const xt = tf.tensor2d(x, [N, COLS]);
      const yt = tf.tensor2d(y, [N, CLASSES]);
      const ours = forwardBackward(tf, weightsOf(mlp), mlp.activation, xt, { y: yt, scale: tf.scalar(1 / N) }, [null, null, null], constants);
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

/** Max |a - b| over every element. */
function maxDiff(a: tfjs.Tensor, b: tfjs.Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number;
}

/** Logits of the MLP written with plain tfjs ops (differentiable by autodiff), no dropout. */
function referenceLogits(mlp: Mlp, x: tfjs.Tensor2D): tfjs.Tensor2D {
  let h: tfjs.Tensor2D = x;
  mlp.dense.forEach((d, i) => {
    const z = tf.add(tf.matMul(h, d.kernel as tfjs.Tensor2D), d.bias) as tfjs.Tensor2D;
    h = i === mlp.dense.length - 1 ? z : ({ relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid, elu: tf.elu }[mlp.activation](z) as tfjs.Tensor2D);
  });
  return h;
}

describe('forwardBackward, loss variants against autodiff', () => {
  const rng = new Rng(21);
  const xs = Float32Array.from({ length: N * COLS }, () => rng.normal());
  /** Soft targets: random rows of a simplex. */
  const soft = (width: number) => {
    const out = Float32Array.from({ length: N * width }, () => rng.next() + 0.01);
    for (let i = 0; i < N; i++) {
      let sum = 0;
      for (let k = 0; k < width; k++) sum += out[i * width + k]!;
      for (let k = 0; k < width; k++) out[i * width + k]! /= sum;
    }
    return out;
  };
  const ySoft = soft(CLASSES);
  const teacher = soft(CLASSES);
  const weights = Float32Array.from({ length: N }, () => rng.next() / N);

  it('soft targets with row weights, distillation, and the input gradient', () => {
    const mlp = mlpWith('tanh', 0);
    tf.tidy(() => {
      const x = tf.tensor2d(xs, [N, COLS]);
      const y = tf.tensor2d(ySoft, [N, CLASSES]);
      const scale = tf.tensor2d(weights, [N, 1]);
      const q = tf.tensor2d(teacher, [N, CLASSES]);
      const [T, alpha] = [3, 0.7];
      const loss = (input: tfjs.Tensor2D) => {
        const z = referenceLogits(mlp, input);
        const hard = tf.sum(tf.mul(scale, tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z)), 1, true))));
        const distilled = tf.sum(tf.mul(scale, tf.neg(tf.sum(tf.mul(q, tf.logSoftmax(tf.div(z, T))), 1, true))));
        return tf.add(tf.mul(hard, 1 - alpha), tf.mul(distilled, alpha * T * T)) as tfjs.Scalar;
      };
      const variables = mlp.dense.flatMap((d) => [d.kernel, d.bias]);
      const reference = tf.variableGrads(() => loss(x), variables);
      const ours = forwardBackward(
        tf,
        weightsOf(mlp),
        mlp.activation,
        x,
        { y, scale, distill: { soft: q, temperature: T, alpha } },
        [],
        constants,
        { inputGrad: true },
      );
      ours.grads.forEach((g, i) => expect(maxDiff(g, reference.grads[variables[i]!.name]!), `gradient ${i}`).toBeLessThan(1e-5));
      const dx = tf.grad((input: tfjs.Tensor) => loss(input as tfjs.Tensor2D))(x);
      expect(maxDiff(ours.inputGrad!, dx)).toBeLessThan(1e-5);
    });
    mlp.model.dispose();
  });

  it('the input gradient through frozen layers, without weight gradients', () => {
    const mlp = mlpWith('relu', 0);
    mlp.freezeBody(2);
    tf.tidy(() => {
      const x = tf.tensor2d(xs, [N, COLS]);
      const y = tf.tensor2d(ySoft, [N, CLASSES]);
      const ours = forwardBackward(tf, weightsOf(mlp), mlp.activation, x, { y, scale: tf.scalar(1 / N) }, [], constants, {
        weightGrads: false,
        inputGrad: true,
      });
      expect(ours.grads).toEqual([]);
      const dx = tf.grad((input: tfjs.Tensor) => tf.losses.softmaxCrossEntropy(y, referenceLogits(mlp, input as tfjs.Tensor2D)))(x);
      expect(maxDiff(ours.inputGrad!, dx)).toBeLessThan(1e-5);
    });
    mlp.model.dispose();
  });

  it('task heads side by side (one softmax per group) and the per-task gradient norms', () => {
    // Two tasks of 3 rows each; the head has 2 x CLASSES outputs.
    const mlp = buildMlp(tf, { inputs: COLS, numClasses: 2 * CLASSES, spec: { ...MODEL, hidden: [7, 4] }, dropout: 0, seed: 4 });
    const rows = [0, 3, N];
    const mask = new Float32Array(N * 2 * CLASSES);
    const y = new Float32Array(N * 2 * CLASSES);
    for (let i = 0; i < N; i++) {
      const task = i < 3 ? 0 : 1;
      for (let k = 0; k < CLASSES; k++) mask[i * 2 * CLASSES + task * CLASSES + k] = 1;
      y[i * 2 * CLASSES + task * CLASSES + (i % CLASSES)] = 1;
    }
    const taskWeights = [0.3, 1.7];
    const scaleValues = Float32Array.from({ length: N }, (_, i) => taskWeights[i < 3 ? 0 : 1]! / 3);
    tf.tidy(() => {
      const x = tf.tensor2d(xs, [N, COLS]);
      const yt = tf.tensor2d(y, [N, 2 * CLASSES]);
      const scale = tf.tensor2d(scaleValues, [N, 1]);
      /** sum_i scale_i CE_i over `only` rows (all by default), each row scored by its own group. */
      const loss = (only?: [number, number]) => {
        const z = referenceLogits(mlp, x);
        const logp = tf.reshape(tf.logSoftmax(tf.reshape(z, [N, 2, CLASSES])), [N, 2 * CLASSES]);
        let perRow = tf.mul(scale, tf.neg(tf.sum(tf.mul(yt, logp), 1, true)));
        if (only) perRow = tf.slice(perRow, [only[0], 0], [only[1] - only[0], 1]);
        return tf.sum(perRow) as tfjs.Scalar;
      };
      const variables = mlp.dense.flatMap((d) => [d.kernel, d.bias]);
      const reference = tf.variableGrads(() => loss(), variables);
      const ours = forwardBackward(
        tf,
        weightsOf(mlp),
        mlp.activation,
        x,
        { y: yt, scale, groups: { count: 2, mask: tf.tensor2d(mask, [N, 2 * CLASSES]) } },
        [],
        constants,
        { taskRows: rows },
      );
      ours.grads.forEach((g, i) => expect(maxDiff(g, reference.grads[variables[i]!.name]!), `gradient ${i}`).toBeLessThan(1e-5));
      const lastHidden = mlp.dense[1]!.kernel;
      const norms = ours.taskGradNorms!.dataSync();
      [[0, 3], [3, N]].forEach(([a, b], t) => {
        const g = tf.variableGrads(() => loss([a!, b!]), [lastHidden]).grads[lastHidden.name]!;
        expect(norms[t]!).toBeCloseTo(tf.norm(g).dataSync()[0] as number, 5);
      });
    });
    mlp.model.dispose();
  });
});

describe('trainModel', () => {
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
    const first = trainModel(mlp, data, { ...options, epochs: 1 });
    const later = trainModel(mlp, data, { ...options, epochs: 10 });
    expect(later.loss).toBeLessThan(first.loss);
    expect(later).toMatchObject({ epochs: 10, samples: 900 });
    mlp.model.dispose();
  });

  it('does nothing for zero epochs', () => {
    const mlp = mlpWith('relu', 0);
    expect(trainModel(mlp, data, { ...options, epochs: 0 })).toMatchObject({ epochs: 0, samples: 0 });
    mlp.model.dispose();
  });

  it('rejects data with another feature count', () => {
    const mlp = mlpWith('relu', 0);
    const wide = blobs(blobCentres(CLASSES, COLS + 1, 1), CLASSES, 10, 1);
    expect(() => trainModel(mlp, wide, options)).toThrow('the data has 6 features but the model expects 5');
    mlp.model.dispose();
  });

  it('names the epoch and phase where the loss stopped being finite, and frees every tensor', () => {
    const mlp = mlpWith('relu', 0.2);
    const before = tf.memory().numTensors;
    // A NaN in the head poisons the first batch's loss: deterministic on every backend.
    tf.tidy(() => mlp.dense[2]!.bias.assign(tf.fill([CLASSES], Number.NaN)));
    expect(() => trainModel(mlp, data, { ...options, phase: 'pre-training' })).toThrow(
      'loss became NaN at epoch 1 of pre-training',
    );
    expect(tf.memory().numTensors).toBe(before);
    mlp.model.dispose();
  });

  it('catches a non-finite weight that the loss does not show', () => {
    const mlp = mlpWith('relu', 0);
    // relu(NaN) is 0 on wasm, so a NaN hidden bias can leave the loss finite.
    tf.tidy(() => mlp.dense[1]!.bias.assign(tf.fill([4], Number.NaN)));
    expect(() => trainModel(mlp, data, options)).toThrow(
      /^(loss became NaN|weights became non-finite) at epoch 1 of fine-tuning$/,
    );
    mlp.model.dispose();
  });

  it('follows tfjs model.fit step for step (same rows in the same order, Adam, softmax cross-entropy)', async () => {
    const ours = mlpWith('relu', 0);
    const theirs = mlpWith('relu', 0);
    trainModel(ours, data, { ...options, epochs: 2 });
    // The loop's row order: a permutation per epoch from the seed's order stream (stream 1).
    const orderRng = new Rng(mixSeed(options.seed, 1));
    theirs.model.compile({ optimizer: tf.train.adam(options.learningRate, 0.9, 0.999, 1e-7), loss: 'categoricalCrossentropy' });
    for (let epoch = 0; epoch < 2; epoch++) {
      const order = orderRng.permutation(data.rows);
      const xs = new Float32Array(data.rows * COLS);
      const ys = new Float32Array(data.rows * CLASSES);
      order.forEach((row, i) => {
        xs.set(data.features.subarray(row * COLS, (row + 1) * COLS), i * COLS);
        ys[i * CLASSES + data.labels[row]!] = 1;
      });
      const [x, y] = [tf.tensor2d(xs, [data.rows, COLS]), tf.tensor2d(ys, [data.rows, CLASSES])];
      await theirs.model.fit(x, y, { batchSize: options.batchSize, epochs: 1, shuffle: false, verbose: 0 });
      tf.dispose([x, y]);
    }
    ours.dense.forEach((d, i) => {
      const other = theirs.dense[i]!;
      expect(maxDiff(d.kernel, other.kernel), `kernel ${i}`).toBeLessThan(1e-4);
      expect(maxDiff(d.bias, other.bias), `bias ${i}`).toBeLessThan(1e-4);
    });
    theirs.model.optimizer.dispose();
    ours.model.dispose();
    theirs.model.dispose();
  });

  it('computes the loss on the CPU: 0 log 0 is 0, an underflowed probability stays finite, NaN stays NaN', () => {
    const y = Float32Array.from([0, 1, 0.5, 0.5, 1, 0]);
    const p = Float32Array.from([0, 1, 0.5, 0.5, 0, 1]);
    const ll = rowLogLikelihood(y, p, 2);
    expect(ll[0]).toBe(0);
    expect(ll[1]).toBeCloseTo(Math.log(0.5), 12);
    expect(ll[2]).toBe(Math.log(Number.MIN_VALUE));
    expect(Number.isNaN(rowLogLikelihood(Float32Array.from([0, 1]), Float32Array.from([Number.NaN, 0.5]), 2)[0])).toBe(true);
  });

  it('discriminative learning rates: a layer scaled by 0 keeps its weights, the others train', () => {
    const mlp = mlpWith('relu', 0);
    const before = mlp.dense.map((d) => Float32Array.from(d.kernel.dataSync()));
    trainModel(mlp, data, { ...options, lrScales: [0, 1, 1] });
    expect(Float32Array.from(mlp.dense[0]!.kernel.dataSync())).toEqual(before[0]);
    expect(Float32Array.from(mlp.dense[1]!.kernel.dataSync())).not.toEqual(before[1]);
    mlp.model.dispose();
  });

  it('kernel masks hold masked weights still (retraining after pruning)', () => {
    const mlp = mlpWith('relu', 0);
    const mask = Float32Array.from({ length: COLS * 7 }, (_, i) => i % 2);
    tf.tidy(() => mlp.dense[0]!.kernel.assign(tf.mul(mlp.dense[0]!.kernel, tf.tensor2d(mask, [COLS, 7]))));
    trainModel(mlp, data, { ...options, kernelMasks: [mask, null, null] });
    const kernel = mlp.dense[0]!.kernel.dataSync();
    mask.forEach((m, i) => expect(kernel[i] === 0, `weight ${i}`).toBe(m === 0));
    mlp.model.dispose();
  });

  it('augmentation, FGSM rows and consistency rows change training, deterministically per seed, and free every tensor', () => {
    const variants = {
      plain: {},
      noise: { augment: { noise: 0.3, mixupAlpha: 0 } },
      mixup: { augment: { noise: 0, mixupAlpha: 0.4 } },
      fgsm: { adversarial: { epsilon: 0.2, ratio: 0.5 } },
      consistency: { consistency: { pool: data.features, rows: data.rows, weight: 1, noise: 0.3 } },
    };
    const before = tf.memory().numTensors;
    const finals = Object.entries(variants).map(([name, extra]) => {
      const run = () => {
        const mlp = mlpWith('relu', 0.2);
        const stats = trainModel(mlp, data, { ...options, epochs: 2, ...extra });
        const kernel = Float32Array.from(mlp.dense[0]!.kernel.dataSync());
        mlp.model.dispose();
        expect(Number.isFinite(stats.loss), name).toBe(true);
        return kernel;
      };
      const first = run();
      expect(run(), `${name} is deterministic`).toEqual(first);
      return first;
    });
    for (let i = 1; i < finals.length; i++) expect(finals[i], Object.keys(variants)[i]).not.toEqual(finals[0]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
