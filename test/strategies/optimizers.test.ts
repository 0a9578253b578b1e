import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { createOptimizer } from '../../src/strategies/optimizers.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { Rng } from '../../src/util/rng.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** Runs `steps` updates with seeded gradients through `apply`, returns the final weights. */
function trajectory(apply: (vars: tfjs.Variable[], grads: tfjs.Tensor[]) => void): Float32Array[] {
  const rng = new Rng(3);
  const vars = tf.tidy(() => [
    tf.variable(tf.tensor2d([1, -2, 3, 0.5, 0, -1], [2, 3])),
    tf.variable(tf.tensor1d([0.1, -0.2, 0.3])),
  ]);
  for (let step = 0; step < 6; step++) {
    tf.tidy(() => {
      const grads = vars.map((v) => tf.tensor(Float32Array.from({ length: v.size }, () => rng.normal()), v.shape));
      apply(vars, grads);
    });
  }
  const out = vars.map((v) => Float32Array.from(v.dataSync()));
  tf.dispose(vars);
  return out;
}

describe('lean optimizers', () => {
  const cases = [
    ['sgd', 0.1, () => tf.train.sgd(0.1)],
    ['adam', 0.01, () => tf.train.adam(0.01, 0.9, 0.999, 1e-7)],
    ['rmsprop', 0.01, () => tf.train.rmsprop(0.01, 0.9, 0, 1e-7)],
  ] as const;
  for (const [name, lr, reference] of cases) {
    it(`${name} follows tf.train.${name} and frees its state`, () => {
      const before = tf.memory().numTensors;
      let ours: ReturnType<typeof createOptimizer> | null = null;
      const got = trajectory((vars, grads) => {
        ours ??= createOptimizer(tf, name, lr, vars);
        ours.step(grads);
      });
      ours!.dispose();
      expect(tf.memory().numTensors).toBe(before);

      const theirs = reference();
      const expected = trajectory((vars, grads) => {
        theirs.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i]! })));
      });
      theirs.dispose();
      got.forEach((values, i) => {
        values.forEach((value, j) => expect(value, `${name} var ${i}[${j}]`).toBeCloseTo(expected[i]![j]!, 5));
      });
    });
  }
});
