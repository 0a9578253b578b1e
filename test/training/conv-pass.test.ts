// The CNN's hand-written pass (src/training/conv-pass.ts) against tfjs autodiff of the same network
// written with plain tfjs ops (conv2d, activation, maxPool, dense): loss, every trainable layer's
// gradient and the input gradient. Ours runs on wasm (what units train on; it has no autodiff of
// conv2d), the reference on the cpu backend.
import { afterAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import type { Dataset } from '../../src/data/types.js';
import type { Activation, CnnSpec } from '../../src/spec/study.js';
import { assembleConvPoolKernel } from '../../scripts/build-conv-pool-kernel.mjs';
import { buildModel } from '../../src/training/build-model.js';
import { buildCnn } from '../../src/training/cnn.js';
import { trainModel } from '../../src/training/epoch-loop.js';
import { CONV_POOL_KERNEL_WASM } from '../../src/training/conv-pool-kernel.js';
import { rowLogLikelihood } from '../../src/training/forward-backward.js';
import { Rng } from '../../src/util/rng.js';
import { initBackend, tf } from '../../src/worker/backend.js';

const N = 5;
const CLASSES = 3;

afterAll(async () => {
  await initBackend('cpu');
});

interface Case {
  readonly name: string;
  readonly spec: CnnSpec;
  /** Layers frozen from the input. */
  readonly frozen?: number;
  /** Mostly-zero images (as the digits' background): pooling windows with several equal maxima. */
  readonly flat?: boolean;
}

const cnn = (input_shape: [number, number, number], conv: CnnSpec['conv'], hidden: number[], activation: Activation): CnnSpec => ({
  kind: 'cnn',
  input_shape,
  conv,
  hidden,
  activation,
  dropout: 0,
});

const CASES: readonly Case[] = [
  { name: 'two blocks with pooling, relu', spec: cnn([8, 8, 1], [{ filters: 4, kernel: 3, stride: 1, pool: 2 }, { filters: 6, kernel: 3, stride: 1, pool: 2 }], [7], 'relu') },
  { name: 'odd sizes, uneven pooling, tanh', spec: cnn([7, 9, 2], [{ filters: 3, kernel: 3, stride: 1, pool: 2 }, { filters: 4, kernel: 2, stride: 1, pool: 1 }], [5], 'tanh') },
  { name: 'stride 2 and an even kernel, elu, no hidden layer', spec: cnn([8, 8, 1], [{ filters: 3, kernel: 4, stride: 2, pool: 1 }, { filters: 4, kernel: 3, stride: 2, pool: 2 }], [], 'elu') },
  { name: 'flat images (tied maxima), relu', spec: cnn([8, 8, 1], [{ filters: 3, kernel: 3, stride: 1, pool: 2 }, { filters: 4, kernel: 3, stride: 1, pool: 2 }], [6], 'relu'), flat: true },
  { name: '3x3 pooling (the general loop), relu', spec: cnn([9, 9, 1], [{ filters: 3, kernel: 3, stride: 1, pool: 3 }], [5], 'relu'), flat: true },
  // Filters a multiple of 8 with 2x2 pooling: the fused conv + pool kernel on wasm (the others above
  // take XNNPACK's convolution and the window-max kernel); odd input channels, sizes the pool does
  // not divide, stride 2, an even kernel, ties.
  { name: 'fused conv + pool: 8 and 16 filters, 5 input channels, odd sizes, relu', spec: cnn([11, 9, 5], [{ filters: 8, kernel: 3, stride: 1, pool: 2 }, { filters: 16, kernel: 3, stride: 1, pool: 2 }], [5], 'relu') },
  { name: 'fused conv + pool: stride 2, an even kernel, tanh', spec: cnn([9, 7, 3], [{ filters: 8, kernel: 3, stride: 2, pool: 2 }, { filters: 8, kernel: 2, stride: 1, pool: 2 }], [4], 'tanh') },
  { name: 'fused conv + pool: flat images (tied maxima), relu, then no pooling', spec: cnn([8, 8, 1], [{ filters: 8, kernel: 3, stride: 1, pool: 2 }, { filters: 16, kernel: 3, stride: 1, pool: 1 }], [6], 'relu'), flat: true },
  // With zero biases a tie under relu has no gradient (relu'(0) = 0); under tanh it has one.
  { name: 'fused conv + pool: flat images (tied maxima), tanh', spec: cnn([8, 8, 1], [{ filters: 8, kernel: 3, stride: 1, pool: 2 }, { filters: 8, kernel: 3, stride: 1, pool: 2 }], [6], 'tanh'), flat: true },
  { name: 'fused conv + pool: elu, 24 filters, first block frozen', spec: cnn([10, 10, 2], [{ filters: 8, kernel: 3, stride: 1, pool: 2 }, { filters: 24, kernel: 3, stride: 1, pool: 2 }], [], 'elu'), frozen: 1 },
  { name: '3x3 pooling, flat images (tied maxima), tanh', spec: cnn([9, 9, 1], [{ filters: 3, kernel: 3, stride: 1, pool: 3 }], [5], 'tanh'), flat: true },
  { name: 'sigmoid, first block frozen', spec: cnn([6, 6, 3], [{ filters: 2, kernel: 3, stride: 1, pool: 2 }, { filters: 3, kernel: 3, stride: 1, pool: 1 }], [4], 'sigmoid'), frozen: 1 },
];

/** The network with plain tfjs ops, activation before pooling (as Keras runs it). */
function referenceLogits(spec: CnnSpec, params: readonly tfjs.Tensor[], x: tfjs.Tensor2D): tfjs.Tensor2D {
  const act = (t: tfjs.Tensor) => ({ relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid, elu: tf.elu })[spec.activation](t);
  let h = tf.reshape(x, [x.shape[0], ...spec.input_shape]) as tfjs.Tensor4D;
  spec.conv.forEach((block, i) => {
    const z = tf.add(tf.conv2d(h, params[2 * i] as tfjs.Tensor4D, block.stride, 'same'), params[2 * i + 1]!) as tfjs.Tensor4D;
    h = act(z) as tfjs.Tensor4D;
    if (block.pool > 1) h = tf.maxPool(h, block.pool, block.pool, 'valid');
  });
  let d = tf.reshape(h, [x.shape[0], -1]) as tfjs.Tensor2D;
  const dense = params.slice(2 * spec.conv.length);
  for (let i = 0; i < dense.length; i += 2) {
    d = tf.add(tf.matMul(d, dense[i] as tfjs.Tensor2D), dense[i + 1]!) as tfjs.Tensor2D;
    if (i + 2 < dense.length) d = act(d) as tfjs.Tensor2D;
  }
  return d;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('the conv + pool kernel', () => {
  it('is the assembled conv-pool-kernel.wat', async () => {
    expect(await assembleConvPoolKernel()).toBe(CONV_POOL_KERNEL_WASM);
  });

  it('trains deterministically on wasm: the same seed twice gives the same weights, bit for bit', async () => {
    await initBackend('wasm');
    const spec = cnn([10, 10, 1], [{ filters: 8, kernel: 3, stride: 1, pool: 2 }, { filters: 16, kernel: 3, stride: 1, pool: 2 }], [6], 'relu');
    const rng = new Rng(3);
    const rows = 40;
    const data: Dataset = {
      rows,
      cols: 100,
      numClasses: CLASSES,
      features: Float32Array.from({ length: rows * 100 }, () => rng.normal()),
      labels: Int32Array.from({ length: rows }, (_, i) => i % CLASSES),
    };
    const run = () => {
      const model = buildModel(tf, { inputs: 100, numClasses: CLASSES, spec, dropout: 0, seed: 5 });
      try {
        trainModel(model, data, { phase: 'target-only training', epochs: 2, batchSize: 16, optimizer: 'adam', learningRate: 0.01, seed: 5, numClasses: CLASSES });
        return model.snapshot().flatMap((l) => [...l.kernel, ...l.bias]);
      } finally {
        model.dispose();
      }
    };
    const [a, b] = [run(), run()];
    expect(a.length).toBeGreaterThan(0);
    expect(a.every((v, i) => Object.is(v, b[i]))).toBe(true);
  });
});

describe('cnnForwardBackward against tfjs autodiff', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      await initBackend('wasm');
      const inputs = c.spec.input_shape.reduce((a, b) => a * b, 1);
      const model = buildCnn(tf, { inputs, numClasses: CLASSES, spec: c.spec, dropout: 0, seed: 7 });
      const rng = new Rng(11);
      const x = Float32Array.from({ length: N * inputs }, () => (c.flat && rng.next() < 0.8 ? 0 : rng.normal()));
      const y = new Float32Array(N * CLASSES);
      for (let i = 0; i < N; i++) y[i * CLASSES + (i % CLASSES)] = 1;
      let ours: { loss: number; grads: Float32Array[]; input: Float32Array };
      let params: { values: Float32Array; shape: number[] }[];
      try {
        model.freezeBody(c.frozen ?? 0);
        params = model.snapshot().flatMap((layer, i) => {
          const variables = [...model.conv, ...model.dense][i]!;
          return [
            { values: layer.kernel, shape: variables.kernel.shape },
            { values: layer.bias, shape: variables.bias.shape },
          ];
        });
        // The trainer's pass through the model interface: the input gradient, and one step's gradients
        // read back as the difference an SGD step with learning rate 1 makes.
        const trainer = model.trainer({ optimizer: 'sgd', learningRate: 1 });
        const input = trainer.inputGradient({ n: N, x, y });
        const before = model.snapshot();
        const step = trainer.step({ n: N, x, y });
        const after = model.snapshot();
        trainer.dispose();
        const grads = before.flatMap((layer, i) => [
          layer.kernel.map((v, j) => v - (after[i]!.kernel[j] as number)),
          layer.bias.map((v, j) => v - (after[i]!.bias[j] as number)),
        ]);
        ours = { loss: -step.logLikelihood.reduce((a, b) => a + b, 0) / N, grads, input };
      } finally {
        model.dispose();
      }
      await initBackend('cpu');
      tf.tidy(() => {
        const variables = params.map((p) => tf.variable(tf.tensor(p.values, p.shape)));
        const xt = tf.tensor2d(x, [N, inputs]);
        const yt = tf.tensor2d(y, [N, CLASSES]);
        const reference = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(yt, referenceLogits(c.spec, variables, xt)) as tfjs.Scalar, variables);
        const inputGrad = tf.grad((input: tfjs.Tensor) => tf.losses.softmaxCrossEntropy(yt, referenceLogits(c.spec, variables, input as tfjs.Tensor2D)))(xt);
        expect(ours.loss).toBeCloseTo(reference.value.dataSync()[0] as number, 5);
        const frozenParams = 2 * (c.frozen ?? 0);
        variables.forEach((v, i) => {
          const expected = reference.grads[v.name]!.dataSync() as Float32Array;
          const got = ours.grads[i]!;
          if (i < frozenParams) expect(got.every((g) => g === 0), `frozen parameter ${i}`).toBe(true);
          else expect(maxAbsDiff(got, expected), `parameter ${i}`).toBeLessThan(2e-5);
        });
        expect(maxAbsDiff(ours.input, inputGrad.dataSync() as Float32Array)).toBeLessThan(2e-5);
        // The loss as tfjs computes it from our probabilities' log-likelihood: a sanity check of the rows.
        expect(rowLogLikelihood(y, new Float32Array(N * CLASSES).fill(1 / CLASSES), CLASSES)[0]).toBeCloseTo(Math.log(1 / CLASSES), 6);
        variables.forEach((v) => v.dispose());
      });
    });
  }
});
