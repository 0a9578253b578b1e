// The alignment losses' closed-form gradients (src/training/alignment.ts) against tfjs autodiff, on
// their own and inside the MLP's pass (the extra gradient on the last hidden layer, through dropout
// and the activations below), and DANN's reversal schedule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { MmdCoefficients, coralGradient, coralLoss, mmdGradient, mmdLoss, squaredDistances } from '../../src/training/alignment.js';
import { DomainClassifier, dannLambda } from '../../src/training/domain-classifier.js';
import { buildMlp } from '../../src/training/mlp.js';
import { forwardBackward, type LayerWeights, type LoopConstants } from '../../src/training/forward-backward.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { Rng } from '../../src/util/rng.js';
import { MODEL } from '../strategies/helpers.js';

let constants: LoopConstants;
beforeAll(async () => {
  await initBackend('wasm');
  constants = { zero: tf.scalar(0), one: tf.scalar(1) };
});
afterAll(() => tf.dispose([constants.zero, constants.one]));

function randomRows(rows: number, cols: number, seed: number, shift = 0): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * cols }, (_, i) => rng.normal() * (1 + (i % cols) * 0.2) + shift);
}

function maxDiff(a: tfjs.Tensor, b: tfjs.Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number;
}

describe('alignment gradients', () => {
  const NS = 7;
  const NT = 5;
  const D = 4;
  const WEIGHT = 3;

  it('CORAL: closed form matches autodiff of ||C_s - C_t||^2 / (4 d^2)', () => {
    tf.tidy(() => {
      const z = tf.tensor2d(randomRows(NS + NT, D, 1, 0.5), [NS + NT, D]);
      const reference = tf.grad((f: tfjs.Tensor) =>
        tf.mul(coralLoss(tf, tf.slice(f, [0, 0], [NS, D]) as tfjs.Tensor2D, tf.slice(f, [NS, 0], [NT, D]) as tfjs.Tensor2D), WEIGHT),
      )(z);
      const ours = coralGradient(WEIGHT, NS)(tf, z);
      expect(maxDiff(reference, tf.zerosLike(reference))).toBeGreaterThan(1e-3); // a gradient worth comparing
      expect(maxDiff(ours, reference)).toBeLessThan(1e-5);
    });
  });

  it('MMD: closed form matches autodiff of the multi-kernel estimate (bandwidths held constant)', () => {
    tf.tidy(() => {
      const z = tf.tensor2d(randomRows(NS + NT, D, 2, 0), [NS + NT, D]);
      const shifted = tf.add(z, tf.concat([tf.zeros([NS, D]), tf.fill([NT, D], 0.8)]));
      const base = tf.mean(squaredDistances(tf, shifted as tfjs.Tensor2D)).dataSync()[0] as number;
      const reference = tf.grad((f: tfjs.Tensor) => tf.mul(mmdLoss(tf, f as tfjs.Tensor2D, NS, base), WEIGHT))(shifted);
      const ours = mmdGradient(WEIGHT, NS)(tf, shifted as tfjs.Tensor2D);
      expect(maxDiff(reference, tf.zerosLike(reference))).toBeGreaterThan(1e-3);
      expect(maxDiff(ours, reference)).toBeLessThan(1e-5);
    });
    // With the coefficients kept across steps: the same gradient, and nothing left once disposed.
    const before = tf.memory().numTensors;
    const cache = new MmdCoefficients();
    for (let step = 0; step < 3; step++) {
      tf.tidy(() => {
        const z = tf.tensor2d(randomRows(NS + NT, D, 2, 0), [NS + NT, D]);
        expect(maxDiff(mmdGradient(WEIGHT, NS, cache)(tf, z), mmdGradient(WEIGHT, NS)(tf, z))).toBe(0);
      });
    }
    expect(tf.memory().numTensors).toBe(before + 1);
    cache.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('joins the pass: the MLP weights get the gradient of CE(source rows) + weight x CORAL(last hidden layer)', () => {
    const mlp = buildMlp(tf, { inputs: 5, numClasses: 3, spec: { ...MODEL, hidden: [6, D], activation: 'tanh' }, dropout: 0.2, seed: 4 });
    const n = NS + NT;
    const rng = new Rng(9);
    const masks = [Float32Array.from({ length: n * 6 }, () => (rng.next() < 0.2 ? 0 : 1.25)), Float32Array.from({ length: n * D }, () => (rng.next() < 0.2 ? 0 : 1.25)), null];
    const y = new Float32Array(n * 3);
    for (let i = 0; i < NS; i++) y[i * 3 + (i % 3)] = 1; // target rows: no label, loss scale 0
    const scale = Float32Array.from({ length: n }, (_, i) => (i < NS ? 1 / NS : 0));
    tf.tidy(() => {
      const x = tf.tensor2d(randomRows(n, 5, 3), [n, 5]);
      const weights: LayerWeights[] = mlp.dense.map((d) => ({ kernel: d.kernel as tfjs.Tensor2D, bias: d.bias as tfjs.Tensor1D, trainable: true }));
      const ours = forwardBackward(tf, weights, 'tanh', x, { y: tf.tensor2d(y, [n, 3]), scale: tf.tensor2d(scale, [n, 1]) }, masks, constants, {
        featureGradient: coralGradient(WEIGHT, NS),
      });
      const variables = mlp.dense.flatMap((d) => [d.kernel, d.bias]);
      const reference = tf.variableGrads(() => {
        let h = x as tfjs.Tensor2D;
        mlp.dense.slice(0, -1).forEach((d, i) => {
          h = tf.mul(tf.tanh(tf.add(tf.matMul(h, d.kernel as tfjs.Tensor2D), d.bias)), tf.tensor2d(masks[i]!, [n, d.units])) as tfjs.Tensor2D;
        });
        const head = mlp.dense[2]!;
        const logits = tf.add(tf.matMul(h, head.kernel as tfjs.Tensor2D), head.bias) as tfjs.Tensor2D;
        const ce = tf.losses.softmaxCrossEntropy(tf.slice(tf.tensor2d(y, [n, 3]), [0, 0], [NS, 3]), tf.slice(logits, [0, 0], [NS, 3]));
        const coral = coralLoss(tf, tf.slice(h, [0, 0], [NS, D]) as tfjs.Tensor2D, tf.slice(h, [NS, 0], [NT, D]) as tfjs.Tensor2D);
        return tf.add(ce, tf.mul(coral, WEIGHT)) as tfjs.Scalar;
      }, variables);
      ours.grads.forEach((g, i) => expect(maxDiff(g, reference.grads[variables[i]!.name]!), `gradient ${i}`).toBeLessThan(1e-5));
    });
    mlp.dispose();
  });

  it("DANN: the features get the domain loss's autodiff gradient, reversed and scaled; the classifier learns", () => {
    const n = NS + NT;
    const seed = 17;
    const classifier = new DomainClassifier(tf, { width: D, hidden: 5, seed, optimizer: 'adam', learningRate: 0.05 });
    try {
      tf.tidy(() => {
        const z = tf.tensor2d(randomRows(n, D, 4), [n, D]);
        // The same classifier from the same seeded initialisers, differentiated by tfjs.
        const k1 = tf.initializers.glorotUniform({ seed }).apply([D, 5], 'float32') as tfjs.Tensor2D;
        const k2 = tf.initializers.glorotUniform({ seed: seed + 1 }).apply([5, 2], 'float32') as tfjs.Tensor2D;
        const domains = tf.tensor2d(Array.from({ length: n }, (_, i) => (i < NS ? [1, 0] : [0, 1])));
        const reference = tf.grad((f: tfjs.Tensor) => tf.losses.softmaxCrossEntropy(domains, tf.matMul(tf.relu(tf.matMul(f as tfjs.Tensor2D, k1)), k2)))(z);
        const progress = 0.3;
        const ours = classifier.gradient(NS, progress, WEIGHT)(tf, z);
        expect(maxDiff(reference, tf.zerosLike(reference))).toBeGreaterThan(1e-4);
        expect(maxDiff(ours, tf.mul(reference, -WEIGHT * dannLambda(progress)))).toBeLessThan(1e-5);
      });
      classifier.readLoss();
      // Domains 3 apart: the classifier's own steps tell them apart (loss well below ln 2).
      for (let step = 0; step < 150; step++) {
        tf.tidy(() => {
          classifier.gradient(NS, 0.5, WEIGHT)(tf, tf.tensor2d(Float32Array.from(randomRows(n, D, 100 + step), (v, i) => v + (i >= NS * D ? 3 : 0)), [n, D]));
        });
      }
      const before = classifier.readLoss();
      expect(before).toBeLessThan(0.3);
      expect(Number.isNaN(classifier.readLoss())).toBe(true); // read once
    } finally {
      classifier.dispose();
    }
  });

  it("DANN's lambda rises from 0 to nearly 1 over the phase (Ganin et al. 2016)", () => {
    expect(dannLambda(0)).toBe(0);
    expect(dannLambda(0.1)).toBeCloseTo(0.4621, 4);
    expect(dannLambda(1)).toBeCloseTo(0.99991, 4);
  });
});
