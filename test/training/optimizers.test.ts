import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { ADAM_KERNEL_WASM } from '../../src/training/adam-kernel.js';
import { adam, createOptimizer, type Regularisation } from '../../src/training/optimizers.js';
// @ts-expect-error: a plain .mjs build script without type declarations
import { assembleAdamKernel } from '../../scripts/build-adam-kernel.mjs';
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

describe('regularisation in the lean optimizers', () => {
  // One step from w with gradient g: the update of the optimizer on g + alpha (w - w0), then the
  // decoupled decay lr x rate x w (w before the step), for every optimizer alike.
  const w = [1, -2, 3, 0.5];
  const w0 = [0.5, -2, 2, 1];
  const g = [0.2, -0.1, 0.4, 0];
  const lr = 0.1;
  const rate = 0.3;
  const alpha = 2;
  const step = (name: 'sgd' | 'adam' | 'rmsprop', regularisation: Regularisation, grad = g) => {
    const variable = tf.variable(tf.tensor1d(w));
    const optimizer = createOptimizer(tf, name, lr, [variable], [], regularisation);
    tf.tidy(() => optimizer.step([tf.tensor1d(grad)]));
    optimizer.dispose();
    const out = Array.from(variable.dataSync());
    variable.dispose();
    return out;
  };
  for (const name of ['sgd', 'adam', 'rmsprop'] as const) {
    it(`${name}: decoupled decay w -= lr x rate x w after the step, L2-SP adds alpha (w - w0) to the gradient`, () => {
      const decayed = step(name, { weightDecay: [rate] });
      const plain = step(name, {});
      decayed.forEach((v, i) => expect(v).toBeCloseTo(plain[i]! - lr * rate * w[i]!, 6));
      const anchored = step(name, { l2sp: alpha, anchors: [Float32Array.from(w0)] });
      const coupled = step(name, {}, g.map((gi, i) => gi + alpha * (w[i]! - w0[i]!)));
      anchored.forEach((v, i) => expect(v).toBeCloseTo(coupled[i]!, 6));
    });
  }

  it('refuses an anchor of the wrong size', () => {
    const variable = tf.variable(tf.tensor1d(w));
    expect(() => createOptimizer(tf, 'sgd', lr, [variable], [], { l2sp: 1, anchors: [new Float32Array(3)] })).toThrow(/anchor 0 has 3 values, its variable 4/);
    variable.dispose();
  });
});

describe('adam on wasm: the fused kernel', () => {
  it('gives bit-identical weights to the tfjs-ops version, with per-layer and per-element learning-rate scales', () => {
    // 6 and 3 values: the SIMD loop (4 at a time) and the scalar tail both run.
    const scales = [Float32Array.from([0.5, 1, 0, 2, 1, 0.25]), Float32Array.of(0.3)];
    for (const withScales of [false, true]) {
      let fused: ReturnType<typeof createOptimizer> | null = null;
      const got = trajectory((vars, grads) => {
        fused ??= createOptimizer(tf, 'adam', 0.01, vars, withScales ? scales : []);
        fused.step(grads);
      });
      fused!.dispose();
      const scaleTensors = scales.map((s) => tf.keep(s.length === 1 ? tf.scalar(s[0]!) : tf.tensor(s, [2, 3])));
      let ops: ReturnType<typeof adam> | null = null;
      const expected = trajectory((vars, grads) => {
        ops ??= adam(tf, 0.01, vars, (update, i) => (withScales ? tf.mul(update, scaleTensors[i]!) : update));
        ops.step(grads);
      });
      ops!.dispose();
      tf.dispose(scaleTensors);
      got.forEach((values, i) => expect(Array.from(values), `var ${i}, scales ${withScales}`).toEqual(Array.from(expected[i]!)));
    }
  });

  it('applies weight decay and L2-SP in the same pass as the tfjs-ops version, bit for bit', () => {
    // Both variables decay and have anchors: the SIMD loop and the scalar tail run every term.
    const regularisation: Regularisation = {
      weightDecay: [0.5, 0.2],
      l2sp: 0.7,
      anchors: [Float32Array.from([0.9, -1.5, 2, 1, -0.5, -1]), Float32Array.from([0, 0.3, -0.3])],
    };
    const scales = [Float32Array.from([0.5, 1, 0, 2, 1, 0.25]), Float32Array.of(0.3)];
    for (const [withScales, terms] of [[false, regularisation], [true, regularisation], [true, { weightDecay: [0.5, 0] }], [false, { l2sp: 3, anchors: [regularisation.anchors![0]!, null] }]] as const) {
      let fused: ReturnType<typeof createOptimizer> | null = null;
      const got = trajectory((vars, grads) => {
        fused ??= createOptimizer(tf, 'adam', 0.01, vars, withScales ? scales : [], terms);
        fused.step(grads);
      });
      fused!.dispose();
      const scaleTensors = scales.map((s) => tf.keep(s.length === 1 ? tf.scalar(s[0]!) : tf.tensor(s, [2, 3])));
      let ops: ReturnType<typeof adam> | null = null;
      const expected = trajectory((vars, grads) => {
        ops ??= adam(tf, 0.01, vars, (update, i) => (withScales ? tf.mul(update, scaleTensors[i]!) : update), terms);
        ops.step(grads);
      });
      ops!.dispose();
      tf.dispose(scaleTensors);
      got.forEach((values, i) => expect(Array.from(values), `var ${i}, scales ${withScales}, ${JSON.stringify(terms)}`).toEqual(Array.from(expected[i]!)));
    }
  });

  it('with weight decay and L2-SP at 0 gives the very weights of plain Adam, and frees the anchors', () => {
    const before = tf.memory().numTensors;
    let off: ReturnType<typeof createOptimizer> | null = null;
    const got = trajectory((vars, grads) => {
      off ??= createOptimizer(tf, 'adam', 0.01, vars, [], { weightDecay: [0, 0], l2sp: 0, anchors: [new Float32Array(6), null] });
      off.step(grads);
    });
    off!.dispose();
    let plain: ReturnType<typeof createOptimizer> | null = null;
    const expected = trajectory((vars, grads) => {
      plain ??= createOptimizer(tf, 'adam', 0.01, vars);
      plain.step(grads);
    });
    plain!.dispose();
    expect(tf.memory().numTensors).toBe(before);
    got.forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(expected[i]!)));
    let anchored: ReturnType<typeof createOptimizer> | null = null;
    trajectory((vars, grads) => {
      anchored ??= createOptimizer(tf, 'adam', 0.01, vars, [], { weightDecay: [0.1, 0], l2sp: 1, anchors: [new Float32Array(6), null] });
      anchored.step(grads);
    });
    anchored!.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaves a tensor that shares a variable\'s values untouched, and frees its moments', () => {
    const variable = tf.variable(tf.tensor1d([1, 2, 3, 4, 5]));
    const shared = tf.clone(variable);
    const before = tf.memory().numTensors;
    const optimizer = createOptimizer(tf, 'adam', 0.1, [variable]);
    tf.tidy(() => optimizer.step([tf.tensor1d([1, 1, 1, -1, -1])]));
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(shared.dataSync())).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(variable.dataSync()).map((v, i) => Math.sign(v - [1, 2, 3, 4, 5][i]!))).toEqual([-1, -1, -1, 1, 1]);
    tf.dispose([variable, shared]);
  });

  it('a matMul after a step sees the new weights (the backend caches prepacked weights by tensor id)', () => {
    const kernel = tf.variable(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]));
    const x = tf.tensor2d([1, 1, 1], [1, 3]);
    const product = () => tf.tidy(() => Array.from(tf.fused.matMul({ a: x, b: kernel }).dataSync()));
    expect(product()).toEqual([9, 12]);
    const optimizer = createOptimizer(tf, 'adam', 0.5, [kernel]);
    tf.tidy(() => optimizer.step([tf.onesLike(kernel)]));
    const stepped = Array.from(kernel.dataSync());
    const [a, b] = product();
    expect(a).toBeCloseTo(stepped[0]! + stepped[2]! + stepped[4]!, 5);
    expect(b).toBeCloseTo(stepped[1]! + stepped[3]! + stepped[5]!, 5);
    expect(a).toBeLessThan(8.9);
    optimizer.dispose();
    tf.dispose([kernel, x]);
  });

  it('ships the bytes that adam-kernel.wat assembles to', async () => {
    expect(await assembleAdamKernel()).toBe(ADAM_KERNEL_WASM);
  });
});
